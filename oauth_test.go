package mailmanager_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
)

func TestManager_ConnectFlow(t *testing.T) {
	e := newEnv(t)

	resp, body := e.connect("u1", "gmail", "/inbox?tab=new")

	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "/inbox", resp.Request.URL.Path, "returns to the local path asked for")
	assert.Equal(t, "tab=new", resp.Request.URL.RawQuery)
	assert.Equal(t, "home", body)
	a := e.onlyAccount("u1")
	assert.Equal(t, "gmail", a.Provider)
	assert.Equal(t, testAddress, a.Address)
	assert.Equal(t, "u1", a.UserID)
	assert.Equal(t, mailmanager.StatusActive, a.Status)
	access, refresh, err := e.token(e.m, a.ID)
	require.NoError(t, err)
	assert.NotEmpty(t, access)
	assert.NotEmpty(t, refresh, "Google-like flows must get a refresh token")
	st := e.oauth.Stats()
	assert.Equal(t, 1, st.Exchanges)

	// The account's client reaches the provider as the mailbox.
	mb, err := e.m.Mailbox(context.Background(), a.ID)
	require.NoError(t, err)
	prof, err := mb.Profile(context.Background())
	require.NoError(t, err)
	assert.Equal(t, testAddress, prof.Address)
}

func TestManager_ConnectMicrosoftAsksOfflineAccess(t *testing.T) {
	e := newEnv(t)
	resp, _ := visit(t, "u1", e.app.URL+"/oauth/connect/outlook")
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := resp.Location()
	require.NoError(t, err)
	q := loc.Query()
	assert.Contains(t, q.Get("scope"), "offline_access")
	assert.Equal(t, "S256", q.Get("code_challenge_method"))
	assert.NotEmpty(t, q.Get("code_challenge"))
	assert.Equal(t, e.m.RedirectURI("outlook"), q.Get("redirect_uri"))

	resp, _ = e.connect("u1", "outlook", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	a := e.onlyAccount("u1")
	assert.Equal(t, "outlook", a.Provider)
	_, refresh, err := e.token(e.m, a.ID)
	require.NoError(t, err)
	assert.NotEmpty(t, refresh)
}

func TestManager_ConnectGoogleAsksOfflineConsent(t *testing.T) {
	e := newEnv(t)
	resp, _ := visit(t, "u1", e.app.URL+"/oauth/connect/gmail")
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := resp.Location()
	require.NoError(t, err)
	q := loc.Query()
	assert.Equal(t, "offline", q.Get("access_type"))
	assert.Equal(t, "consent", q.Get("prompt"))
	assert.Equal(t, "S256", q.Get("code_challenge_method"))
	assert.Equal(t, testClientID, q.Get("client_id"))
	assert.Empty(t, q.Get("client_secret"))
}

func TestManager_ReconnectKeepsAccountAndRefreshToken(t *testing.T) {
	e := newEnv(t)
	e.connect("u1", "gmail", "")
	first := e.onlyAccount("u1")
	_, refresh1, err := e.token(e.m, first.ID)
	require.NoError(t, err)

	// The provider answers this consent without a refresh token.
	e.gmail.omitConsent.Store(true)
	resp, _ := e.connect("u1", "gmail", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)

	again := e.onlyAccount("u1")
	assert.Equal(t, first.ID, again.ID, "same user, provider and address is the same account")
	assert.Greater(t, again.TokenVersion, first.TokenVersion)
	_, refresh2, err := e.token(e.m, again.ID)
	require.NoError(t, err)
	assert.Equal(t, refresh1, refresh2, "a consent without a refresh token keeps the stored one")
}

func TestManager_AccountsAreBoundToTheirUser(t *testing.T) {
	e := newEnv(t)
	e.connect("u1", "gmail", "")
	e.connect("u2", "gmail", "")
	a1, a2 := e.onlyAccount("u1"), e.onlyAccount("u2")
	assert.NotEqual(t, a1.ID, a2.ID)
	all, err := e.m.Accounts(context.Background(), "")
	require.NoError(t, err)
	assert.Len(t, all, 2)
}

func TestCallback_RefusesBadState(t *testing.T) {
	cases := []struct {
		name   string
		user   string
		status int
		mangle func(e *env, cb *url.URL)
	}{
		{"missing", "u1", http.StatusBadRequest, func(e *env, cb *url.URL) {
			q := cb.Query()
			q.Del("state")
			cb.RawQuery = q.Encode()
		}},
		{"tampered", "u1", http.StatusBadRequest, func(e *env, cb *url.URL) {
			q := cb.Query()
			s := []byte(q.Get("state"))
			s[len(s)/2] ^= 1
			if s[len(s)/2] == '-' || s[len(s)/2] == '_' {
				s[len(s)/2] = 'A'
			}
			q.Set("state", string(s))
			cb.RawQuery = q.Encode()
		}},
		{"garbage", "u1", http.StatusBadRequest, func(e *env, cb *url.URL) {
			q := cb.Query()
			q.Set("state", "not-a-state")
			cb.RawQuery = q.Encode()
		}},
		{"expired", "u1", http.StatusBadRequest, func(e *env, cb *url.URL) {
			e.clock.Advance(11 * time.Minute)
		}},
		{"other user", "u2", http.StatusForbidden, func(e *env, cb *url.URL) {}},
		{"other provider", "u1", http.StatusBadRequest, func(e *env, cb *url.URL) {
			cb.Path = strings.Replace(cb.Path, "/gmail", "/outlook", 1)
		}},
		{"not signed in", "", http.StatusUnauthorized, func(e *env, cb *url.URL) {}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			cb := e.callbackURL("u1", "gmail")
			tc.mangle(e, cb)

			resp, body := visit(t, tc.user, cb.String())

			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, 0, e.oauth.Stats().Exchanges, "no code may be exchanged")
			assert.NotContains(t, body, "mailmanager:", "the page must not quote the error")
			accts, err := e.m.Accounts(context.Background(), "")
			require.NoError(t, err)
			assert.Empty(t, accts)
		})
	}
}

func TestCallback_RefusesReplayedState(t *testing.T) {
	e := newEnv(t)
	cb := e.callbackURL("u1", "gmail")

	resp, _ := visit(t, "u1", cb.String())
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, 1, e.oauth.Stats().Exchanges)

	// The same state again, even from another Manager sharing the store.
	other := e.newManager()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, cb.String(), nil)
	req.Header.Set("X-Test-User", "u1")
	other.CallbackHandler().ServeHTTP(rec, req)

	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Contains(t, rec.Body.String(), "invalid or has expired")
	assert.Equal(t, 1, e.oauth.Stats().Exchanges, "a replayed state exchanges nothing")
}

func TestCallback_AccessDenied(t *testing.T) {
	e := newEnv(t)
	e.oauth.DenyAddress(testAddress)

	resp, body := e.connect("u1", "gmail", "")

	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Contains(t, body, "access was not granted")
	assert.Equal(t, 0, e.oauth.Stats().Exchanges)
	accts, err := e.m.Accounts(context.Background(), "u1")
	require.NoError(t, err)
	assert.Empty(t, accts)
}

func TestCallback_HooksReceiveOutcome(t *testing.T) {
	e := newEnv(t)
	var connected *mailmanager.Account
	var failed error
	e.config.OnConnected = func(w http.ResponseWriter, r *http.Request, a *mailmanager.Account, next string) {
		connected = a
		http.Redirect(w, r, "/welcome", http.StatusSeeOther)
	}
	e.config.OnError = func(w http.ResponseWriter, r *http.Request, status int, err error) {
		failed = err
		w.WriteHeader(status)
	}
	m := e.newManager()
	cb := e.callbackURL("u1", "gmail")
	req := httptest.NewRequest(http.MethodGet, cb.String(), nil)
	req.Header.Set("X-Test-User", "u1")
	rec := httptest.NewRecorder()
	m.CallbackHandler().ServeHTTP(rec, req)

	require.NotNil(t, connected)
	assert.Equal(t, "/welcome", rec.Header().Get("Location"))
	assert.Equal(t, testAddress, connected.Address)

	rec = httptest.NewRecorder()
	m.CallbackHandler().ServeHTTP(rec, req)
	assert.ErrorIs(t, failed, mailmanager.ErrStateInvalid)
	assert.Equal(t, http.StatusBadRequest, rec.Code)
}

func TestConnect_Refusals(t *testing.T) {
	e := newEnv(t)

	resp, body := visit(t, "", e.app.URL+"/oauth/connect/gmail")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, body, "sign in")

	resp, _ = visit(t, "u1", e.app.URL+"/oauth/connect/yahoo")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	// A provider without credentials yet.
	e.config.Store = newBareStore()
	m := e.newManager()
	req := httptest.NewRequest(http.MethodGet, "/oauth/connect/gmail", nil)
	req.Header.Set("X-Test-User", "u1")
	rec := httptest.NewRecorder()
	m.ConnectHandler().ServeHTTP(rec, req)
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Contains(t, rec.Body.String(), "not set up yet")
}

func TestConnect_OpenRedirectRefused(t *testing.T) {
	for _, next := range []string{
		"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
		"evil.example", "/%0d%0aLocation:%20x", "\\\\evil",
	} {
		t.Run(next, func(t *testing.T) {
			e := newEnv(t)
			resp, _ := e.connect("u1", "gmail", next)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, strings.TrimPrefix(e.app.URL, "http://"), resp.Request.URL.Host)
			if next != "/%0d%0aLocation:%20x" {
				assert.Equal(t, "/", resp.Request.URL.Path)
			}
		})
	}
}

func TestLocalPath(t *testing.T) {
	cases := map[string]string{
		"/":                  "/",
		"/inbox?x=1#top":     "/inbox?x=1#top",
		"":                   "",
		"inbox":              "",
		"//evil.example":     "",
		"/\\evil.example":    "",
		"https://evil.test/": "",
		"/a\r\nb":            "",
		"/a\\b":              "",
		"/ok/../path":        "/ok/../path",
	}
	for in, want := range cases {
		assert.Equal(t, want, mailmanager.LocalPath(in), "LocalPath(%q)", in)
	}
}
