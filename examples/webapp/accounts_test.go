package main

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
)

func TestApp_SeveralMailboxesPerUser(t *testing.T) {
	ts, b, _ := connected(t)
	// The consent page takes any address the fake has a mailbox for.
	res, body := b.connectAs("gmail", "grace@demo.example")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	ts.syncAll(t)

	accounts, err := ts.app.mgr.Accounts(t.Context(), "ada")
	require.NoError(t, err)
	require.Len(t, accounts, 3)
	var addresses []string
	for _, a := range accounts {
		addresses = append(addresses, a.Provider+":"+a.Address)
	}
	assert.ElementsMatch(t, []string{"gmail:ada@demo.example", "outlook:ada@demo.example",
		"gmail:grace@demo.example"}, addresses)
	_, body = b.get("/mail?q=" + url.QueryEscape("@cloudco.example"))
	assert.Equal(t, 3, strings.Count(body, `<li class="thread`), "one invoice per mailbox")
	assert.Contains(t, body, `title="grace@demo.example"`)
}

func TestApp_Disconnect(t *testing.T) {
	ts, b, accounts := connected(t)
	revoked := ts.app.demo.oauth.Stats().Revocations

	b.get("/accounts")
	res, body := b.post("/accounts/"+accounts["gmail"].ID+"/disconnect", nil)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "Mailbox disconnected.")
	assert.Equal(t, 1, strings.Count(body, "ada@demo.example</b>"))

	_, err := ts.app.mgr.Account(t.Context(), accounts["gmail"].ID)
	assert.ErrorIs(t, err, mailmanager.ErrNotFound)
	assert.Equal(t, revoked+1, ts.app.demo.oauth.Stats().Revocations, "the grant was revoked at Google")
	assert.Zero(t, ts.app.index.count(accounts["gmail"].ID))
	_, body = b.get("/mail")
	assert.NotContains(t, body, `<span class="badge gmail"`)
	assert.Contains(t, body, `<span class="badge outlook"`)
}

func TestApp_ReconnectAfterRevocation(t *testing.T) {
	ts := startTestServer(t)
	// Tokens that live less than the Manager's refresh margin are renewed
	// before every call, so the revocation shows at the next one.
	ts.app.demo.oauth.SetAccessTTL(30 * time.Second)
	b := ts.browser(t)
	b.signIn("ada")
	b.saveDemoCredentials()
	res, body := b.connect("gmail")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	accounts, err := ts.app.mgr.Accounts(t.Context(), "ada")
	require.NoError(t, err)
	require.Len(t, accounts, 1)
	id := accounts[0].ID
	ctx := context.WithoutCancel(t.Context())
	require.NoError(t, ts.app.syncer.run(ctx, id))

	ts.app.demo.oauth.Revoke("ada@demo.example")
	err = ts.app.syncer.run(ctx, id)
	require.ErrorIs(t, err, mailmanager.ErrReauthRequired)
	_, body = b.get("/accounts")
	assert.Contains(t, body, "Needs re-authorization")
	assert.Contains(t, body, "Reconnect")
	link := regexpFind(t, body, `href="(/oauth/connect/gmail\?[^"]+)"[^>]*>Reconnect`)
	q, err := url.ParseQuery(strings.SplitN(strings.ReplaceAll(link, "&amp;", "&"), "?", 2)[1])
	require.NoError(t, err)
	assert.Equal(t, "ada@demo.example", q.Get("login_hint"))
	_, body = b.get("/mail")
	assert.Contains(t, body, "Needs reconnecting")

	res, body = b.connect("gmail")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	acc, err := ts.app.mgr.Account(t.Context(), id)
	require.NoError(t, err)
	assert.Equal(t, mailmanager.StatusActive, acc.Status, "reconnecting keeps the account")
	assert.NoError(t, ts.app.syncer.run(ctx, acc.ID))
}

func regexpFind(t *testing.T, s, expr string) string {
	t.Helper()
	m := regexp.MustCompile(expr).FindStringSubmatch(s)
	require.NotNil(t, m, "no match for %s", expr)
	return m[1]
}

func TestApp_SyncProgressShown(t *testing.T) {
	ts := startTestServer(t)
	b := ts.browser(t)
	b.signIn("ada")
	b.saveDemoCredentials()

	// Hold the first Graph request made after the first page of the
	// first sync was accepted, until the page has been looked at.
	blocked, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	ts.app.demo.graph.SetFault(func(r *http.Request) (int, time.Duration) {
		if ts.pagesSynced() > 0 {
			once.Do(func() {
				close(blocked)
				<-release
			})
		}
		return 0, 0
	})
	res, body := b.connect("outlook")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	<-blocked

	_, body = b.get("/mail")
	assert.Contains(t, body, `<meta http-equiv="refresh" content="2">`)
	assert.Contains(t, body, "for the first time:")
	assert.Contains(t, body, "in 1 page so far")
	_, body = b.get("/accounts")
	assert.Contains(t, body, "Syncing…")

	close(release)
	ts.syncAll(t)
	_, body = b.get("/mail")
	assert.NotContains(t, body, `http-equiv="refresh"`, "the page stops refreshing when the sync is done")
	assert.Contains(t, body, "Lunch on Friday?")
}

// pagesSynced counts the pages the running syncs have accepted.
func (ts *testServer) pagesSynced() int {
	s := ts.app.syncer
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, st := range s.states {
		if st.progress.Running {
			n += st.progress.Pages
		}
	}
	return n
}

func TestApp_RefreshButtonSyncsNewMail(t *testing.T) {
	ts, b, accounts := connected(t)
	raw := "From: New <new@fresh.example>\r\nTo: ada@demo.example\r\nSubject: Fresh news\r\n" +
		"Message-ID: <fresh@fresh.example>\r\n\r\nJust arrived.\r\n"
	_, err := ts.app.demo.gmail.Deliver(accounts["gmail"].Address, []byte(raw))
	require.NoError(t, err)

	b.get("/mail")
	res, body := b.post("/sync", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "Checking for new mail.")
	ts.syncAll(t) // runs after the sync the button started
	_, body = b.get("/mail")
	assert.Contains(t, body, "Fresh news")
}

func TestSyncer_BackgroundRunAndStop(t *testing.T) {
	ts, _, accounts := connected(t)
	raw := "From: Later <later@fresh.example>\r\nTo: ada@demo.example\r\nSubject: Later news\r\n" +
		"Message-ID: <later@fresh.example>\r\n\r\nArrived later.\r\n"
	_, err := ts.app.demo.gmail.Deliver(accounts["gmail"].Address, []byte(raw))
	require.NoError(t, err)

	// What the ticker does every few minutes.
	ts.app.syncer.triggerAll()
	ts.syncAll(t)
	find(t, ts, accounts["gmail"], "Later news")

	ts.app.syncer.stop()
	ts.app.syncer.trigger(accounts["gmail"].ID)
	assert.False(t, ts.app.syncer.progress(accounts["gmail"].ID).Running,
		"a stopped syncer starts nothing")
}

func TestApp_RealModeUsesRealEndpoints(t *testing.T) {
	ts := startTestServer(t, func(o *options) {
		o.demo = false
		o.baseURL = "https://mail.example.com"
	})
	assert.Nil(t, ts.app.demo)
	b := ts.browser(t)
	res, body := b.get("/")
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie {
			session = c
		}
	}
	require.NotNil(t, session)
	assert.True(t, session.Secure, "an https base URL makes the session cookie secure")
	assert.True(t, session.HttpOnly)
	assert.Equal(t, "https://mail.example.com/oauth/callback/gmail", ts.app.mgr.RedirectURI("gmail"))
	assert.NotContains(t, body, "This is the demo")

	// The test talks plain HTTP to loopback, where the jar drops a Secure
	// cookie; hand it over.
	u, err := url.Parse(ts.url)
	require.NoError(t, err)
	session.Secure = false
	b.c.Jar.SetCookies(u, []*http.Cookie{session})
	res, body = b.post("/signin", url.Values{"user": {"ada"}})
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	_, body = b.get("/settings")
	assert.Contains(t, body, "https://mail.example.com/oauth/callback/outlook")
	assert.NotContains(t, body, "Use demo credentials")
}

func TestConnectSignedOutGoesToSignIn(t *testing.T) {
	ts := startTestServer(t)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(ts.url + "/oauth/connect/gmail")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/", res.Header.Get("Location"))
}
