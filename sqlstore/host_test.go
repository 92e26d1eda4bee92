package sqlstore_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest"
)

const (
	clientID     = "client-id-for-tests"
	clientSecret = "s3cret-client-secret-value"
)

// host is a host application run as several processes: Managers with a
// Store each, on one database, against the fake OAuth server. The first
// Manager serves the connect and callback handlers.
type host struct {
	t     *testing.T
	db    *db
	oauth *mailtest.OAuthServer
	app   *httptest.Server
	cfg   mailmanager.Config
	logs  *syncBuffer
}

// newHost starts the fake OAuth server and the host's web server. cfg
// gives the providers and any other setting; Store, Key, BaseURL,
// CurrentUser and Logger are set here.
func newHost(t *testing.T, oauth *mailtest.OAuthServer, cfg mailmanager.Config) *host {
	t.Helper()
	h := &host{t: t, db: newDB(t), oauth: oauth, logs: &syncBuffer{}}
	oauth.RegisterClient(clientID, clientSecret)
	mux := http.NewServeMux()
	h.app = httptest.NewServer(mux)
	t.Cleanup(h.app.Close)

	cfg.Key = bytes.Repeat([]byte{9}, 32)
	cfg.BaseURL = h.app.URL
	cfg.CurrentUser = func(r *http.Request) (string, error) {
		if u := r.Header.Get("X-Test-User"); u != "" {
			return u, nil
		}
		return "", fmt.Errorf("not signed in")
	}
	cfg.Logger = slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.cfg = cfg

	first := h.newManager(nil)
	mux.Handle("/oauth/connect/", first.ConnectHandler())
	mux.Handle("/oauth/callback/", first.CallbackHandler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "home") })
	for _, p := range cfg.Providers {
		require.NoError(t, first.SaveCredentials(t.Context(), p.Name(),
			mailmanager.Credentials{ClientID: clientID, ClientSecret: clientSecret}))
	}
	return h
}

// newManager returns a Manager on a Store of its own, as another process
// of the host would have. wrap, when set, wraps the Store; tweaks change
// the Manager's configuration.
func (h *host) newManager(wrap func(mailmanager.TokenStore) mailmanager.TokenStore,
	tweaks ...func(*mailmanager.Config)) *mailmanager.Manager {
	h.t.Helper()
	cfg := h.cfg
	var store mailmanager.TokenStore = h.db.open(0)
	if wrap != nil {
		store = wrap(store)
	}
	cfg.Store = store
	for _, tweak := range tweaks {
		tweak(&cfg)
	}
	m, err := mailmanager.New(cfg)
	require.NoError(h.t, err)
	return m
}

// connect walks the connect flow in user's browser for the mailbox address
// at provider, and returns the new account's ID.
func (h *host) connect(m *mailmanager.Manager, user, provider, address string) string {
	h.t.Helper()
	client := &http.Client{Transport: userTransport{user: user}}
	resp, err := client.Get(h.app.URL + "/oauth/connect/" + provider + "?login_hint=" +
		url.QueryEscape(address))
	require.NoError(h.t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(h.t, http.StatusOK, resp.StatusCode, "connect %s: %s", address, body)

	accts, err := m.Accounts(h.t.Context(), user)
	require.NoError(h.t, err)
	for _, a := range accts {
		if a.Address == address && a.Provider == provider {
			return a.ID
		}
	}
	require.FailNow(h.t, "no account after connect", address)
	return ""
}

// assertNoSecretLogged fails the test if a log line holds one of secrets.
func (h *host) assertNoSecretLogged(secrets ...string) {
	h.t.Helper()
	logs := h.logs.String()
	require.NotEmpty(h.t, logs, "the Managers logged nothing; the check proves nothing")
	for _, s := range append(secrets, clientSecret) {
		require.NotEmpty(h.t, s)
		if strings.Contains(logs, s) {
			h.t.Errorf("a secret appears in the log output")
		}
	}
}

// userTransport signs every request in as user.
type userTransport struct{ user string }

func (u userTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Test-User", u.user)
	return http.DefaultTransport.RoundTrip(r)
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// clock is a settable clock shared by the Managers of a test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

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

// waitGroupContext returns when wg is done or ctx ends, and reports which.
func waitGroupContext(ctx context.Context, wg *sync.WaitGroup) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}
