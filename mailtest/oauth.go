package mailtest

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

const (
	defaultOAuthAddress = "user@example.com"
	defaultAccessTTL    = time.Hour
	authCodeTTL         = 10 * time.Minute
	consentTTL          = 10 * time.Minute
)

// OAuthServer is a fake OAuth 2.0 authorization server on loopback. It
// serves a Google-like and a Microsoft-like authorization code flow with
// PKCE, a Google-like revoke endpoint and a userinfo endpoint, and it keeps
// the grants and tokens it issued in memory, so that the fake mail APIs can
// check access tokens with [OAuthServer.Authenticate].
//
// By default the authorize endpoint consents at once, as the mailbox named
// by the login_hint parameter or by [OAuthServer.SetDefaultAddress]. The
// knobs (rotation, token lifetime, latency, injected failures, revocation)
// may be turned at any time, also while requests are in flight.
//
// An OAuthServer is safe for concurrent use. Its zero value is not usable;
// create one with [NewOAuthServer] and stop it with [OAuthServer.Close].
type OAuthServer struct {
	srv       *httptest.Server
	pages     *template.Template
	done      chan struct{}
	closeOnce sync.Once

	mu          sync.Mutex
	clock       func() time.Time
	clients     map[string]string // client ID to secret
	address     string
	names       map[string]string // address to display name
	denied      map[string]bool
	interactive bool
	rotation    bool
	accessTTL   time.Duration
	latency     time.Duration
	failLeft    int
	failStatus  int

	consents  map[string]*pendingConsent
	codes     map[string]*authCode
	grants    map[string][]*oauthGrant // by address, oldest first
	refresh   map[string]*oauthGrant   // refresh token to its grant
	access    map[string]*issuedAccess
	consented map[clientAddress]bool // consents given, see decide
	sweepAt   int
	stats     OAuthStats
}

// OAuthStats counts what an [OAuthServer] has answered since it started.
type OAuthStats struct {
	// TokenRequests counts every request to a token endpoint, including
	// failed and injected ones.
	TokenRequests int
	// TokenErrors counts token requests answered with an error.
	TokenErrors int
	// Exchanges counts authorization codes exchanged for tokens.
	Exchanges int
	// Refreshes counts successful refresh_token grants.
	Refreshes int
	// Revocations counts revoke-endpoint requests that revoked a grant.
	// [OAuthServer.Revoke] does not count.
	Revocations int
	// Authorizations counts authorization codes issued.
	Authorizations int
	// Denials counts authorize requests answered with access_denied.
	Denials int
	// UserinfoRequests counts requests to the userinfo endpoint.
	UserinfoRequests int
}

// NewOAuthServer starts a fake authorization server on a loopback address.
// It knows no client until [OAuthServer.RegisterClient] is called. The
// caller stops it with [OAuthServer.Close].
func NewOAuthServer() *OAuthServer {
	s := &OAuthServer{
		pages:     parseOAuthPages(),
		done:      make(chan struct{}),
		clock:     time.Now,
		clients:   make(map[string]string),
		address:   defaultOAuthAddress,
		names:     make(map[string]string),
		denied:    make(map[string]bool),
		accessTTL: defaultAccessTTL,
		consents:  make(map[string]*pendingConsent),
		codes:     make(map[string]*authCode),
		grants:    make(map[string][]*oauthGrant),
		refresh:   make(map[string]*oauthGrant),
		access:    make(map[string]*issuedAccess),
		consented: make(map[clientAddress]bool),
		sweepAt:   oauthMinSweep,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /google/o/oauth2/auth", s.handleAuthorize(oauthGoogle))
	mux.HandleFunc("POST /google/o/oauth2/auth", s.handleConsent(oauthGoogle))
	mux.HandleFunc("POST /google/token", s.handleToken(oauthGoogle))
	mux.HandleFunc("POST /google/revoke", s.handleRevoke)
	const ms = "/microsoft/{tenant}/oauth2/v2.0"
	mux.HandleFunc("GET "+ms+"/authorize", s.handleAuthorize(oauthMicrosoft))
	mux.HandleFunc("POST "+ms+"/authorize", s.handleConsent(oauthMicrosoft))
	mux.HandleFunc("POST "+ms+"/token", s.handleToken(oauthMicrosoft))
	mux.HandleFunc("GET /userinfo", s.handleUserinfo)
	s.srv = httptest.NewServer(mux)
	return s
}

// Close stops the server. Requests held by [OAuthServer.SetLatency] end
// at once. Close may be called more than once.
func (s *OAuthServer) Close() {
	s.closeOnce.Do(func() { close(s.done) })
	s.srv.Close()
}

// URL returns the server's base URL, such as "http://127.0.0.1:41234".
func (s *OAuthServer) URL() string { return s.srv.URL }

// GoogleEndpoint returns the Google-like authorization and token endpoint.
// Its AuthStyle is left to auto-detection: the token endpoint accepts the
// client's credentials in a Basic Authorization header or in the form.
func (s *OAuthServer) GoogleEndpoint() oauth2.Endpoint {
	return oauth2.Endpoint{
		AuthURL:  s.srv.URL + "/google/o/oauth2/auth",
		TokenURL: s.srv.URL + "/google/token",
	}
}

// GoogleRevokeURL returns the Google-like revoke endpoint. It takes a POST
// with the form field token, an access or a refresh token.
func (s *OAuthServer) GoogleRevokeURL() string { return s.srv.URL + "/google/revoke" }

// MicrosoftEndpoint returns the Microsoft-like authorization and token
// endpoint of tenant ("common" when tenant is ""). Any tenant name is
// accepted. Like [OAuthServer.GoogleEndpoint], it accepts both client
// authentication styles.
func (s *OAuthServer) MicrosoftEndpoint(tenant string) oauth2.Endpoint {
	if tenant == "" {
		tenant = "common"
	}
	base := s.srv.URL + "/microsoft/" + url.PathEscape(tenant) + "/oauth2/v2.0"
	return oauth2.Endpoint{AuthURL: base + "/authorize", TokenURL: base + "/token"}
}

// UserinfoURL returns the userinfo endpoint. A GET with an access token as
// a Bearer credential answers {"sub", "email", "email_verified", "name"}.
func (s *OAuthServer) UserinfoURL() string { return s.srv.URL + "/userinfo" }

// RegisterClient registers an OAuth client, or replaces the secret of a
// registered one. An empty secret makes a public client that must send no
// secret. It panics if id is empty.
func (s *OAuthServer) RegisterClient(id, secret string) {
	if id == "" {
		panic("mailtest: RegisterClient with an empty client ID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[id] = secret
}

// SetDefaultAddress sets the mailbox that consents when the authorize
// request has no usable login_hint, and that the interactive page
// proposes. The default is "user@example.com".
func (s *OAuthServer) SetDefaultAddress(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.address = oauthAddress(addr)
}

// SetDisplayName sets the name the userinfo endpoint gives for addr. By
// default the name is made from the address's local part.
func (s *OAuthServer) SetDisplayName(addr, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.names[oauthAddress(addr)] = name
}

// DenyAddress makes the mailbox addr decline consent: an authorize request
// answered as addr, automatically or through the interactive page,
// redirects with error=access_denied.
func (s *OAuthServer) DenyAddress(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denied[oauthAddress(addr)] = true
}

// SetInteractive turns the interactive consent page on or off. When on,
// the authorize endpoint shows an HTML page with an address field and
// Allow and Deny buttons, for a person in a browser, instead of consenting
// at once.
func (s *OAuthServer) SetInteractive(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.interactive = on
}

// SetRotation turns refresh-token rotation on or off. When on, every
// refresh returns a new refresh token and kills the one it used at once: a
// second use of the old one answers invalid_grant. When off, the default,
// a refresh answers no refresh token and the old one stays valid.
func (s *OAuthServer) SetRotation(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rotation = on
}

// SetAccessTTL sets the lifetime of access tokens issued from now on
// (expires_in, rounded up to whole seconds). d <= 0 restores the default
// of one hour.
func (s *OAuthServer) SetAccessTTL(d time.Duration) {
	if d <= 0 {
		d = defaultAccessTTL
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accessTTL = d
}

// SetLatency delays every answer of the token endpoints by d, injected
// failures included. The delay ends early when the client goes away or
// the server closes. d <= 0 removes it.
func (s *OAuthServer) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = max(d, 0)
}

// FailTokenRequests makes the next n token requests fail with status and
// a JSON error body, without looking at them: a code sent in a failed
// request stays usable. Status 400 answers invalid_request, 401
// invalid_client, 429 and 503 temporarily_unavailable, others
// server_error. n <= 0 cancels failures still pending.
//
// A golang.org/x/oauth2 Config whose endpoint has AuthStyleAutoDetect
// retries a failed token request once with the other client
// authentication style until it has once succeeded, so one of its token
// calls may use up two failures.
func (s *OAuthServer) FailTokenRequests(n int, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLeft = max(n, 0)
	s.failStatus = status
}

// SetClock replaces the server's clock, which decides when codes, pending
// consents and access tokens expire. nil restores [time.Now]. Clients keep
// their own clock: a token's Expiry stays in the client's time.
func (s *OAuthServer) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = now
}

// Stats returns a copy of the server's counters.
func (s *OAuthServer) Stats() OAuthStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// oauthAddress trims and lower-cases a mailbox address.
func oauthAddress(addr string) string {
	return strings.ToLower(strings.TrimSpace(addr))
}
