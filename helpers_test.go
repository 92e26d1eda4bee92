package mailmanager_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest"
	"github.com/mailmanager/mailmanager/memstore"
)

const (
	testClientID     = "client-id-for-tests"
	testClientSecret = "s3cret-client-secret-value"
	testAddress      = "alice@example.com"
)

// suiteLog collects every log line the package's tests make, and every
// token and secret they saw, so TestMain can prove that no secret reached a
// log.
var (
	suiteLog      mailtest.LogRecorder
	suiteConnects atomic.Int32
)

func noteSecret(s string) { suiteLog.Secret(s) }

func TestMain(m *testing.M) {
	noteSecret(testClientSecret)
	code := m.Run()
	if leaked, _ := suiteLog.Leaks(); leaked > 0 {
		fmt.Fprintln(os.Stderr, "a token or secret appears in the log output of the tests")
		code = 1
	}
	if code == 0 && suiteConnects.Load() > 0 && !strings.Contains(suiteLog.String(), "account connected") {
		fmt.Fprintln(os.Stderr, "the tests logged nothing; the log check proves nothing")
		code = 1
	}
	os.Exit(code)
}

// clock is a settable clock shared by the Managers of a test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// env is a host application with a Manager, the fake OAuth server and a
// browser-like client.
type env struct {
	t      *testing.T
	oauth  *mailtest.OAuthServer
	store  *memstore.Store
	clock  *clock
	app    *httptest.Server
	m      *mailmanager.Manager
	gmail  *consentToggle
	ms     *mailtest.Provider
	config mailmanager.Config
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, store: memstore.New(), clock: newClock()}
	e.oauth = mailtest.NewOAuthServer()
	t.Cleanup(e.oauth.Close)
	e.oauth.RegisterClient(testClientID, testClientSecret)
	e.oauth.SetDefaultAddress(testAddress)
	e.gmail = &consentToggle{Provider: &mailtest.Provider{ProviderName: "gmail", Server: e.oauth}}
	e.ms = &mailtest.Provider{ProviderName: "outlook", Server: e.oauth, Microsoft: true}

	mux := http.NewServeMux()
	e.app = httptest.NewServer(mux)
	t.Cleanup(e.app.Close)
	e.config = mailmanager.Config{
		Store:       e.store,
		Providers:   []mailmanager.Provider{e.gmail, e.ms},
		Key:         bytes.Repeat([]byte{7}, 32),
		BaseURL:     e.app.URL,
		CurrentUser: userFromHeader,
		Logger:      suiteLog.Logger(),
		Now:         e.clock.Now,
	}
	e.m = e.newManager()
	mux.Handle("/oauth/connect/", e.m.ConnectHandler())
	mux.Handle("/oauth/callback/", e.m.CallbackHandler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "home")
	})
	require.NoError(t, e.m.SaveCredentials(context.Background(), "gmail",
		mailmanager.Credentials{ClientID: testClientID, ClientSecret: testClientSecret}))
	require.NoError(t, e.m.SaveCredentials(context.Background(), "outlook",
		mailmanager.Credentials{ClientID: testClientID, ClientSecret: testClientSecret}))
	return e
}

// newManager returns another Manager on the same store and clock, as a
// second process of the host would have.
func (e *env) newManager() *mailmanager.Manager {
	e.t.Helper()
	m, err := mailmanager.New(e.config)
	require.NoError(e.t, err)
	return m
}

// consentToggle can leave out the forced consent prompt, so the Google-like
// fake answers a repeated consent without a refresh token.
type consentToggle struct {
	*mailtest.Provider
	omitConsent atomic.Bool
}

func (p *consentToggle) AuthCodeOptions() []oauth2.AuthCodeOption {
	if p.omitConsent.Load() {
		return []oauth2.AuthCodeOption{oauth2.AccessTypeOffline}
	}
	return p.Provider.AuthCodeOptions()
}

func newBareStore() *memstore.Store { return memstore.New() }

func userFromHeader(r *http.Request) (string, error) {
	u := r.Header.Get("X-Test-User")
	if u == "" {
		return "", fmt.Errorf("not signed in")
	}
	return u, nil
}

// browser returns a client that acts as user's browser. With follow false
// it stops at the first redirect.
func browser(user string, follow bool) *http.Client {
	c := &http.Client{Transport: userTransport{user: user}}
	if !follow {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return c
}

type userTransport struct{ user string }

func (u userTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if u.user != "" {
		r.Header.Set("X-Test-User", u.user)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// connect walks the whole connect flow as user and returns the last
// response, whose body is read and closed.
func (e *env) connect(user, provider, next string) (*http.Response, string) {
	e.t.Helper()
	suiteConnects.Add(1)
	u := e.app.URL + "/oauth/connect/" + provider
	if next != "" {
		u += "?next=" + url.QueryEscape(next)
	}
	resp, err := browser(user, true).Get(u)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp, b.String()
}

// callbackURL starts a connect as user without following redirects, lets
// the fake consent, and returns the callback URL the provider redirected
// to (with code and state), unvisited.
func (e *env) callbackURL(user, provider string) *url.URL {
	e.t.Helper()
	c := browser(user, false)
	resp, err := c.Get(e.app.URL + "/oauth/connect/" + provider)
	require.NoError(e.t, err)
	resp.Body.Close()
	require.Equal(e.t, http.StatusFound, resp.StatusCode)
	auth, err := resp.Location()
	require.NoError(e.t, err)

	resp, err = c.Get(auth.String())
	require.NoError(e.t, err)
	resp.Body.Close()
	require.Equal(e.t, http.StatusFound, resp.StatusCode, "fake consent should redirect")
	cb, err := resp.Location()
	require.NoError(e.t, err)
	return cb
}

// visit requests u as user without following redirects.
func visit(t *testing.T, user string, u string) (*http.Response, string) {
	t.Helper()
	resp, err := browser(user, false).Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp, b.String()
}

// onlyAccount returns the single account of user.
func (e *env) onlyAccount(user string) *mailmanager.Account {
	e.t.Helper()
	accts, err := e.m.Accounts(context.Background(), user)
	require.NoError(e.t, err)
	require.Len(e.t, accts, 1)
	return accts[0]
}

// token returns the account's token and notes it as a secret.
func (e *env) token(m *mailmanager.Manager, id string) (string, string, error) {
	tok, err := m.Token(context.Background(), id)
	if err != nil {
		return "", "", err
	}
	noteSecret(tok.AccessToken)
	noteSecret(tok.RefreshToken)
	return tok.AccessToken, tok.RefreshToken, nil
}
