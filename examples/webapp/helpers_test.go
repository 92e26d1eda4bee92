package main

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
)

// testServer is the application started the way run starts it, in demo
// mode with the built-in messages, on a free loopback port.
type testServer struct {
	*server
	url string
}

func startTestServer(t *testing.T, mods ...func(*options)) *testServer {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	opts := options{
		demo:        true,
		addr:        "127.0.0.1:0",
		corpus:      filepath.Join(t.TempDir(), "no-corpus"),
		syncEvery:   time.Hour,
		interactive: true,
		key:         key,
		keyIsRandom: true,
	}
	for _, m := range mods {
		m(&opts)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err := start(t.Context(), opts, log)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.shutdown()) })
	return &testServer{server: srv, url: "http://" + srv.addr()}
}

// syncAll syncs every account now and waits for it.
func (ts *testServer) syncAll(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	accounts, err := ts.app.mgr.Accounts(ctx, "")
	require.NoError(t, err)
	for _, a := range accounts {
		require.NoError(t, ts.app.syncer.run(ctx, a.ID))
	}
}

// browser is an HTTP client with a cookie jar that remembers the last
// page, as a person's browser would.
type browser struct {
	t    *testing.T
	ts   *testServer
	c    *http.Client
	last string // body of the last page
}

func (ts *testServer) browser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{t: t, ts: ts, c: &http.Client{Jar: jar, Timeout: time.Minute}}
}

func (b *browser) abs(p string) string {
	if strings.HasPrefix(p, "http://") {
		return p
	}
	return b.ts.url + p
}

// do sends a request and reads the answer, following redirects.
func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	res, err := b.c.Do(req)
	require.NoError(b.t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		b.last = string(body)
	}
	return res, string(body)
}

func (b *browser) get(p string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.abs(p), nil)
	require.NoError(b.t, err)
	return b.do(req)
}

// post sends a form with the CSRF token of the last page.
func (b *browser) post(p string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf())
	}
	req, err := http.NewRequest(http.MethodPost, b.abs(p), strings.NewReader(form.Encode()))
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) csrf() string {
	b.t.Helper()
	m := csrfRE.FindStringSubmatch(b.last)
	require.NotNil(b.t, m, "the last page has no form token")
	return m[1]
}

// signIn signs in as userID from the front page.
func (b *browser) signIn(userID string) {
	b.t.Helper()
	b.get("/")
	res, body := b.post("/signin", url.Values{"user": {userID}})
	require.Equal(b.t, http.StatusOK, res.StatusCode, body)
	require.Equal(b.t, "/mail", res.Request.URL.Path)
}

// saveDemoCredentials enters the demo's client credentials as an
// administrator.
func (b *browser) saveDemoCredentials() {
	b.t.Helper()
	for _, p := range []string{"gmail", "outlook"} {
		b.get("/settings")
		id, secret := b.ts.app.demo.credentials(p)
		res, body := b.post("/settings/"+p, url.Values{"client_id": {id}, "client_secret": {secret}})
		require.Equal(b.t, http.StatusOK, res.StatusCode, body)
	}
}

var (
	formActionRE = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	consentRE    = regexp.MustCompile(`name="consent" value="([^"]+)"`)
	addressRE    = regexp.MustCompile(`name="address" value="([^"]*)"`)
)

// connect connects a mailbox of provider through the fake consent page,
// allowing as the address it proposes, and returns the page the callback
// leads to.
func (b *browser) connect(provider string) (*http.Response, string) {
	b.t.Helper()
	return b.connectAs(provider, "")
}

// connectAs is connect with another address typed into the consent page,
// unless address is "".
func (b *browser) connectAs(provider, address string) (*http.Response, string) {
	b.t.Helper()
	res, page := b.get("/oauth/connect/" + provider + "?next=%2Fmail&login_hint=" +
		url.QueryEscape(b.user().Email))
	require.Equal(b.t, http.StatusOK, res.StatusCode, page)
	action := formActionRE.FindStringSubmatch(page)
	consent := consentRE.FindStringSubmatch(page)
	proposed := addressRE.FindStringSubmatch(page)
	require.NotNil(b.t, action, "no consent form: %s", page)
	require.NotNil(b.t, consent)
	require.NotNil(b.t, proposed)
	if address == "" {
		address = proposed[1]
	}

	target := res.Request.URL.ResolveReference(&url.URL{Path: action[1]})
	form := url.Values{"consent": {consent[1]}, "address": {address}, "decision": {"allow"}}
	req, err := http.NewRequest(http.MethodPost, target.String(), strings.NewReader(form.Encode()))
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// user returns the signed-in user of the browser.
func (b *browser) user() user {
	b.t.Helper()
	u, err := url.Parse(b.ts.url)
	require.NoError(b.t, err)
	req := &http.Request{Header: http.Header{}}
	for _, c := range b.c.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	got := b.ts.app.user(req)
	require.NotNil(b.t, got, "not signed in")
	return *got
}

// credentials are the demo's client credentials of a provider.
func credentials(ts *testServer, provider string) mailmanager.Credentials {
	id, secret := ts.app.demo.credentials(provider)
	return mailmanager.Credentials{ClientID: id, ClientSecret: secret}
}
