package mailtest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/mailmanager/mailmanager"
	"golang.org/x/oauth2"
)

// Provider is a [mailmanager.Provider] backed by an [OAuthServer] alone:
// its mailbox knows only its profile, read from the userinfo endpoint.
// Mailbox operations other than Profile return an error wrapping
// [errors.ErrUnsupported]. It uses the Google-like flow, or the
// Microsoft-like one at the "common" tenant if Microsoft is set.
//
// A Provider is safe for concurrent use once its fields are set.
type Provider struct {
	// ProviderName is what Name returns. "" gives "fakegoogle", or
	// "fakemicrosoft" if Microsoft is set.
	ProviderName string
	// Server is the authorization server. It must not be nil.
	Server *OAuthServer
	// Microsoft selects the Microsoft-like flow instead of the Google-like
	// one.
	Microsoft bool
}

var (
	_ mailmanager.Provider = (*Provider)(nil)
	_ mailmanager.Revoker  = (*Provider)(nil)
	_ mailmanager.Mailbox  = (*profileMailbox)(nil)
)

// Name returns ProviderName, or a default that names the flavor.
func (p *Provider) Name() string {
	switch {
	case p.ProviderName != "":
		return p.ProviderName
	case p.Microsoft:
		return "fakemicrosoft"
	}
	return "fakegoogle"
}

// Endpoint returns the server's Google-like endpoint, or its
// Microsoft-like one at the "common" tenant. It panics if Server is nil.
func (p *Provider) Endpoint() oauth2.Endpoint {
	if p.Microsoft {
		return p.server().MicrosoftEndpoint("common")
	}
	return p.server().GoogleEndpoint()
}

// Scopes returns {"openid", "email"}, or {"offline_access", "User.Read"}
// for the Microsoft-like flow. The caller owns the slice.
func (p *Provider) Scopes() []string {
	if p.Microsoft {
		return []string{"offline_access", "User.Read"}
	}
	return []string{"openid", "email"}
}

// AuthCodeOptions returns, for the Google-like flow, the options that make
// every consent issue a refresh token: access_type=offline and
// prompt=consent. The Microsoft-like flow needs none: its offline_access
// scope does that.
func (p *Provider) AuthCodeOptions() []oauth2.AuthCodeOption {
	if p.Microsoft {
		return nil
	}
	return []oauth2.AuthCodeOption{oauth2.AccessTypeOffline, oauth2.ApprovalForce}
}

// Open returns the mailbox reached through client. It does no I/O.
func (p *Provider) Open(ctx context.Context, client *http.Client) (mailmanager.Mailbox, error) {
	if p.Server == nil {
		return nil, errors.New("mailtest: open: provider has no server")
	}
	if client == nil {
		return nil, errors.New("mailtest: open: nil http client")
	}
	return &profileMailbox{name: p.Name(), userinfo: p.Server.UserinfoURL(), client: client}, nil
}

// Revoke revokes the grant of token at the Google-like revoke endpoint,
// sending its refresh token, or its access token if it has none. client
// nil means [http.DefaultClient]. For the Microsoft-like flow it does
// nothing and returns nil.
//
// QUIRK: Microsoft's identity platform has no endpoint for an app to revoke
// its own grant, as Google's has; Graph's revokeSignInSessions ends every
// session of the user instead, so the Microsoft-like flow revokes nothing.
// https://learn.microsoft.com/en-us/entra/identity-platform/refresh-tokens
func (p *Provider) Revoke(ctx context.Context, client *http.Client, token *oauth2.Token) error {
	if p.Microsoft {
		return nil
	}
	if p.Server == nil {
		return errors.New("mailtest: revoke: provider has no server")
	}
	if token == nil || token.RefreshToken == "" && token.AccessToken == "" {
		return errors.New("mailtest: revoke: no token to revoke")
	}
	tok := cmp.Or(token.RefreshToken, token.AccessToken)
	if client == nil {
		client = http.DefaultClient
	}

	form := url.Values{"token": {tok}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Server.GoogleRevokeURL(),
		strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("mailtest: revoke: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("mailtest: revoke: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("mailtest: revoke: reading the answer: %w", err)
	}

	if resp.StatusCode != http.StatusOK {
		return providerAPIError(p.Name(), "revoke", resp, body)
	}
	return nil
}

// server returns p.Server, or panics on a Provider set up without one.
func (p *Provider) server() *OAuthServer {
	if p.Server == nil {
		panic("mailtest: Provider.Server is nil")
	}
	return p.Server
}

// profileMailbox is the mailbox of a [Provider]: a profile and nothing
// else.
type profileMailbox struct {
	name     string
	userinfo string
	client   *http.Client
}

// Profile asks the userinfo endpoint who the mailbox is.
func (m *profileMailbox) Profile(ctx context.Context) (*mailmanager.Profile, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.userinfo, nil)
	if err != nil {
		return nil, fmt.Errorf("mailtest: profile: %w", err)
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("mailtest: profile: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("mailtest: profile: reading the answer: %w", err)
	}

	if resp.StatusCode != http.StatusOK {
		return nil, providerAPIError(m.name, "userinfo", resp, body)
	}
	var info struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	}
	if err := json.Unmarshal(body, &info); err != nil {
		return nil, fmt.Errorf("mailtest: profile: decoding userinfo: %w", err)
	}
	if info.Email == "" {
		return nil, errors.New("mailtest: profile: userinfo has no email")
	}
	return &mailmanager.Profile{Address: strings.ToLower(info.Email), Name: info.Name}, nil
}

// Sync is not supported.
func (m *profileMailbox) Sync(context.Context, string, mailmanager.SyncOptions,
	func(context.Context, *mailmanager.Changes) error) error {
	return unsupportedByProvider("sync")
}

// Message is not supported.
func (m *profileMailbox) Message(context.Context, string) (*mailmanager.Message, error) {
	return nil, unsupportedByProvider("message")
}

// Attachment is not supported.
func (m *profileMailbox) Attachment(context.Context, string, string) (io.ReadCloser, error) {
	return nil, unsupportedByProvider("attachment")
}

// Send is not supported.
func (m *profileMailbox) Send(context.Context, *mailmanager.Outgoing) (*mailmanager.Sent, error) {
	return nil, unsupportedByProvider("send")
}

// Modify is not supported.
func (m *profileMailbox) Modify(context.Context, []string, mailmanager.Modification) error {
	return unsupportedByProvider("modify")
}

// Folders is not supported.
func (m *profileMailbox) Folders(context.Context) ([]mailmanager.Folder, error) {
	return nil, unsupportedByProvider("folders")
}

// unsupportedByProvider is the error of a mailbox operation that the test
// provider lacks.
func unsupportedByProvider(op string) error {
	return fmt.Errorf("mailtest: %s is not supported by the test provider: %w",
		op, errors.ErrUnsupported)
}

// providerAPIError describes a failed answer of the OAuthServer. The error code
// comes from the body's "error" field, or from the WWW-Authenticate
// challenge. A 404 unwraps to [mailmanager.ErrNotFound].
func providerAPIError(provider, op string, resp *http.Response,
	body []byte) *mailmanager.APIError {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &e) // a body that is not JSON leaves the code empty
	if e.Error == "" {
		e.Error = challengeError(resp.Header.Get("WWW-Authenticate"))
	}
	apiErr := &mailmanager.APIError{
		Provider: provider,
		Op:       op,
		Status:   resp.StatusCode,
		Code:     e.Error,
		Message:  e.Description,
	}
	if resp.StatusCode == http.StatusNotFound {
		apiErr.Err = mailmanager.ErrNotFound
	}
	return apiErr
}

// challengeError returns the error parameter of a Bearer challenge, or "".
func challengeError(challenge string) string {
	_, params, _ := strings.Cut(challenge, " ")
	for part := range strings.SplitSeq(params, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && k == "error" {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}
