package gmail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	gmailapi "google.golang.org/api/gmail/v1"
	"google.golang.org/api/option"

	"github.com/mailmanager/mailmanager"
)

// Defaults used when the matching [Config] field is zero.
const (
	// DefaultAPIURL is the base URL of the Gmail API.
	DefaultAPIURL = "https://gmail.googleapis.com/"
	// DefaultRevokeURL is Google's OAuth token revocation endpoint.
	DefaultRevokeURL = "https://oauth2.googleapis.com/revoke"
	// DefaultBatchSize is the number of calls put in one batch request.
	// Google advises against batches of more than 50 calls.
	DefaultBatchSize = 50
)

// maxBatchSize is the most calls Gmail accepts in one batch request.
const maxBatchSize = 100

// Config configures the Gmail provider. The zero value talks to Google.
type Config struct {
	// Endpoint is the OAuth 2.0 endpoint. Zero means Google's.
	Endpoint oauth2.Endpoint
	// APIURL is the base URL of the Gmail API, with a trailing slash.
	// Zero means [DefaultAPIURL]; tests point it at a fake server.
	APIURL string
	// RevokeURL is where grants are revoked. Zero means
	// [DefaultRevokeURL].
	RevokeURL string
	// Scopes are the OAuth scopes a connect asks for. Zero means
	// gmail.modify (read, label, send and drafts) plus openid and email.
	Scopes []string
	// BatchSize is the number of calls per batch request, at most 100.
	// Zero means [DefaultBatchSize].
	BatchSize int
	// QuotaUnits is the budget of quota units per mailbox per minute the
	// Manager paces requests to. Zero means [DefaultQuotaUnits]; a
	// negative value turns pacing off.
	QuotaUnits int
	// QuotaWindow is the window QuotaUnits applies to. Zero means a
	// minute, as Gmail counts; tests shorten it.
	QuotaWindow time.Duration
	// Push configures push notifications through Cloud Pub/Sub. Zero
	// means none: mailboxes are only polled.
	Push PushConfig
}

// Provider is the Gmail [mailmanager.Provider]. It also implements
// [mailmanager.Revoker]. It holds no per-account state and is safe for
// concurrent use.
type Provider struct {
	endpoint  oauth2.Endpoint
	apiURL    string
	revokeURL string
	scopes    []string
	batchSize int

	quotaUnits  int
	quotaWindow time.Duration
	push        PushConfig
}

// New returns a Gmail provider configured by c, with zero fields set to
// their defaults.
func New(c Config) *Provider {
	p := &Provider{
		endpoint:  c.Endpoint,
		apiURL:    c.APIURL,
		revokeURL: c.RevokeURL,
		scopes:    append([]string(nil), c.Scopes...),
		batchSize: c.BatchSize,

		quotaUnits:  c.QuotaUnits,
		quotaWindow: c.QuotaWindow,
		push:        c.Push,
	}
	if p.quotaUnits == 0 {
		p.quotaUnits = DefaultQuotaUnits
	}
	if p.quotaWindow <= 0 {
		p.quotaWindow = quotaWindow
	}
	if p.endpoint == (oauth2.Endpoint{}) {
		p.endpoint = google.Endpoint
	}
	if p.apiURL == "" {
		p.apiURL = DefaultAPIURL
	}
	if !strings.HasSuffix(p.apiURL, "/") {
		p.apiURL += "/"
	}
	if p.revokeURL == "" {
		p.revokeURL = DefaultRevokeURL
	}
	if len(p.scopes) == 0 {
		p.scopes = []string{gmailapi.GmailModifyScope, "openid", "email"}
	}
	if p.batchSize <= 0 {
		p.batchSize = DefaultBatchSize
	}
	p.batchSize = min(p.batchSize, maxBatchSize)
	return p
}

// Name returns "gmail".
func (p *Provider) Name() string { return "gmail" }

// Endpoint returns the OAuth 2.0 endpoint.
func (p *Provider) Endpoint() oauth2.Endpoint { return p.endpoint }

// Scopes returns a copy of the OAuth scopes a connect asks for.
func (p *Provider) Scopes() []string { return append([]string(nil), p.scopes...) }

// AuthCodeOptions asks for offline access and forces the consent screen, so
// Google issues a refresh token on every connect, reconnects included.
func (p *Provider) AuthCodeOptions() []oauth2.AuthCodeOption {
	return []oauth2.AuthCodeOption{oauth2.AccessTypeOffline, oauth2.ApprovalForce}
}

// Open returns the mailbox reached through client. It does no I/O.
func (p *Provider) Open(ctx context.Context, client *http.Client) (mailmanager.Mailbox, error) {
	if client == nil {
		return nil, errors.New("gmail: open: nil http client")
	}
	svc, err := gmailapi.NewService(ctx,
		option.WithHTTPClient(client), option.WithEndpoint(p.apiURL))
	if err != nil {
		return nil, fmt.Errorf("gmail: open: %w", err)
	}
	return &mailbox{
		svc:       svc,
		client:    client,
		batchURL:  p.apiURL + "batch/gmail/v1",
		batchSize: p.batchSize,
		push:      p.push,
	}, nil
}

// Revoke revokes token at Google. It revokes the refresh token when there
// is one, which also ends its access tokens. A token Google no longer
// knows counts as revoked.
func (p *Provider) Revoke(ctx context.Context, client *http.Client, token *oauth2.Token) error {
	if token == nil {
		return errors.New("gmail: revoke: nil token")
	}
	value := token.RefreshToken
	if value == "" {
		value = token.AccessToken
	}
	if value == "" {
		return errors.New("gmail: revoke: token is empty")
	}
	if client == nil {
		client = http.DefaultClient
	}

	form := url.Values{"token": {value}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.revokeURL,
		strings.NewReader(form.Encode()))
	if err != nil {
		return errors.New("gmail: revoke: cannot build request")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := client.Do(req)
	if err != nil {
		// The request body holds the token, but *url.Error only quotes
		// the URL, which does not.
		return fmt.Errorf("gmail: revoke: %w", err)
	}
	defer res.Body.Close()

	body, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if res.StatusCode/100 == 2 {
		return nil
	}
	var answer struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &answer)
	if res.StatusCode == http.StatusBadRequest && answer.Error == "invalid_token" {
		return nil
	}
	return &mailmanager.APIError{
		Provider:   "gmail",
		Op:         "revoke",
		Status:     res.StatusCode,
		Code:       answer.Error,
		Message:    answer.Description,
		RetryAfter: mailmanager.RetryAfter(res.Header, time.Now()),
	}
}

// mailbox is one Gmail mailbox. It is safe for concurrent use.
type mailbox struct {
	svc       *gmailapi.Service
	client    *http.Client
	batchURL  string
	batchSize int
	push      PushConfig

	mu      sync.Mutex
	address string // primary address, once known
}

// Profile returns the mailbox's primary address, lower case. Gmail's
// profile has no display name.
func (m *mailbox) Profile(ctx context.Context) (*mailmanager.Profile, error) {
	p, err := m.svc.Users.GetProfile("me").Context(ctx).Do()
	if err != nil {
		return nil, apiError("users.getProfile", err)
	}
	addr := strings.ToLower(p.EmailAddress)
	m.remember(addr)
	return &mailmanager.Profile{Address: addr}, nil
}

// self returns the mailbox's primary address, asking Gmail the first time.
func (m *mailbox) self(ctx context.Context) (string, error) {
	m.mu.Lock()
	addr := m.address
	m.mu.Unlock()
	if addr != "" {
		return addr, nil
	}
	p, err := m.Profile(ctx)
	if err != nil {
		return "", err
	}
	return p.Address, nil
}

func (m *mailbox) remember(addr string) {
	m.mu.Lock()
	m.address = addr
	m.mu.Unlock()
}
