package outlook

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	absauth "github.com/microsoft/kiota-abstractions-go/authentication"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	khttp "github.com/microsoft/kiota-http-go"
	msgraph "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/microsoft"

	"github.com/mailmanager/mailmanager"
)

// Defaults of [Config].
const (
	// DefaultAPIURL is the Microsoft Graph v1.0 endpoint.
	DefaultAPIURL = "https://graph.microsoft.com/v1.0"
	// DefaultPageSize is the number of messages asked for per delta page.
	// Against Graph's own default of 10 it cuts the requests of a first
	// sync of 1,000 messages from 106 to 16 (BenchmarkMailbox_SyncPageSize);
	// 250 saves only 6 more, for pages two and a half times larger.
	DefaultPageSize = 100
	// maxInFlight is Graph's limit of concurrent requests per mailbox.
	maxInFlight = 4
)

// Config configures the Outlook provider. The zero value talks to the
// multi-tenant Microsoft identity platform and Microsoft Graph.
type Config struct {
	// Tenant is the Microsoft Entra tenant users sign in through: "common"
	// (work, school and personal accounts), "organizations", "consumers"
	// or a tenant ID. Zero means "common".
	Tenant string

	// Endpoint is the OAuth 2.0 endpoint. Zero means the Microsoft identity
	// platform's v2.0 endpoint of Tenant.
	Endpoint oauth2.Endpoint

	// APIURL is the Graph API root, without a trailing slash. Zero means
	// DefaultAPIURL; tests point it at a fake, such as
	// graphfake's URL()+"/v1.0".
	APIURL string

	// Scopes are the OAuth scopes a connect asks for. Zero means
	// offline_access, User.Read, Mail.ReadWrite and Mail.Send.
	Scopes []string

	// PageSize is the number of messages Sync asks Graph for per delta page
	// (the odata.maxpagesize preference), unless SyncOptions.PageSize says
	// otherwise. Zero means DefaultPageSize.
	PageSize int

	// UploadClient makes the requests to the pre-authenticated upload URLs
	// of large attachments, which must not carry the mailbox's token. Nil
	// means the transport under the client given to Open when that is an
	// *oauth2.Transport, and http.DefaultTransport otherwise.
	UploadClient *http.Client
}

// Provider is the Outlook (Microsoft Graph) provider. It is safe for
// concurrent use.
type Provider struct {
	c Config
}

var _ mailmanager.Provider = (*Provider)(nil)

// New returns the Outlook provider configured by c.
func New(c Config) *Provider {
	if c.Tenant == "" {
		c.Tenant = "common"
	}
	if c.Endpoint == (oauth2.Endpoint{}) {
		c.Endpoint = microsoft.AzureADEndpoint(c.Tenant)
	}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	c.APIURL = strings.TrimRight(c.APIURL, "/")
	if len(c.Scopes) == 0 {
		c.Scopes = []string{"offline_access", "User.Read", "Mail.ReadWrite", "Mail.Send"}
	} else {
		c.Scopes = append([]string(nil), c.Scopes...)
	}
	if c.PageSize <= 0 {
		c.PageSize = DefaultPageSize
	}
	return &Provider{c: c}
}

// Name returns "outlook".
func (p *Provider) Name() string { return "outlook" }

// Endpoint returns the OAuth 2.0 endpoint of the configured tenant.
func (p *Provider) Endpoint() oauth2.Endpoint { return p.c.Endpoint }

// Scopes returns a copy of the scopes a connect asks for.
func (p *Provider) Scopes() []string { return append([]string(nil), p.c.Scopes...) }

// AuthCodeOptions returns no options: the offline_access scope alone makes
// the Microsoft identity platform issue a refresh token.
func (p *Provider) AuthCodeOptions() []oauth2.AuthCodeOption { return nil }

// Open returns the mailbox reached through client, which must add the
// account's token to every request. Open makes no request; a mailbox that
// Exchange Online does not host is reported by the first call, such as
// [Mailbox.Profile], with an error wrapping [ErrMailboxNotEnabled].
func (p *Provider) Open(ctx context.Context, client *http.Client) (mailmanager.Mailbox, error) {
	return p.open(client)
}

// open builds the Graph pipeline around client's transport. The pipeline
// needs Graph's URL-replace middleware, without which calls on Me() go to a
// placeholder path instead of /me.
func (p *Provider) open(client *http.Client) (*Mailbox, error) {
	if client == nil {
		client = http.DefaultClient
	}
	base := client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	lim := newLimiter(maxInFlight)
	opts := msgraph.GetDefaultClientOptions()
	mw := []khttp.Middleware{
		lim,
		preferImmutableIDs{},
		msgraphcore.NewGraphTelemetryHandler(&opts),
		khttp.NewUrlReplaceHandler(true, msgraphcore.ReplacementPairs),
		khttp.NewParametersNameDecodingHandler(),
		khttp.NewUserAgentHandler(),
		khttp.NewRedirectHandler(),
		khttp.NewCompressionHandler(),
		replayable{},
		errorBodies{},
	}
	graphClient := &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(base, mw...),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
		Timeout: client.Timeout,
	}
	// The client given to Open authenticates; the adapter adds nothing.
	newAdapter := msgraph.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient
	adapter, err := newAdapter(&absauth.AnonymousAuthenticationProvider{},
		nullAnswers{absser.DefaultParseNodeFactoryInstance}, nil, graphClient)
	if err != nil {
		return nil, wrapf("open", err)
	}
	adapter.SetBaseUrl(p.c.APIURL)

	up := p.c.UploadClient
	if up == nil {
		up = &http.Client{Transport: unauthenticated(base), Timeout: client.Timeout}
	}
	up = &http.Client{
		Transport:     limitTransport{lim: lim, next: transportOf(up)},
		CheckRedirect: up.CheckRedirect,
		Timeout:       up.Timeout,
	}
	return &Mailbox{
		cfg:    p.c,
		graph:  msgraph.NewGraphServiceClient(adapter),
		http:   graphClient,
		upload: up,
	}, nil
}

// Mailbox is one Outlook mailbox reached through Microsoft Graph. It
// implements [mailmanager.Mailbox] and [mailmanager.Drafter], and keeps at
// most four requests in flight, Graph's limit per mailbox. It is safe for
// concurrent use.
type Mailbox struct {
	cfg    Config
	graph  *msgraph.GraphServiceClient
	http   *http.Client // the Graph pipeline, for calls outside the SDK
	upload *http.Client // for upload URLs: no token, same limiter

	mu        sync.Mutex
	address   string            // the mailbox's address, once known
	wellKnown map[string]string // folder ID to well-known name, once known
}

var (
	_ mailmanager.Mailbox = (*Mailbox)(nil)
	_ mailmanager.Drafter = (*Mailbox)(nil)
)

// unauthenticated returns the transport under base that adds no token:
// the Base of an *oauth2.Transport, or http.DefaultTransport.
func unauthenticated(base http.RoundTripper) http.RoundTripper {
	if t, ok := base.(*oauth2.Transport); ok && t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

func transportOf(c *http.Client) http.RoundTripper {
	if c.Transport == nil {
		return http.DefaultTransport
	}
	return c.Transport
}

var _ mailmanager.RateLimited = (*Provider)(nil)

// Limits implements [mailmanager.RateLimited] with Graph's limits per
// mailbox: at most 4 requests in flight and 10,000 requests in 10 minutes.
// The Manager applies them per account, across every Mailbox it opens.
//
// See https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits
func (p *Provider) Limits() mailmanager.Limits {
	return mailmanager.Limits{MaxInFlight: 4, Units: 10000, Window: 10 * time.Minute}
}
