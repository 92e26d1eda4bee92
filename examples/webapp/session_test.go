package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestApp_SignInAndOut(t *testing.T) {
	ts := startTestServer(t)
	b := ts.browser(t)

	res, body := b.get("/mail")
	assert.Equal(t, "/", res.Request.URL.Path, "a visitor is sent to sign in")
	assert.Contains(t, body, "Ada Lovelace")
	assert.Contains(t, body, "Grace Hopper")

	b.signIn("grace")
	_, body = b.get("/mail")
	assert.Contains(t, body, "Connect a mailbox")
	assert.Contains(t, body, "Grace Hopper")
	assert.NotContains(t, body, `href="/settings"`, "only administrators see the settings")

	res, _ = b.get("/settings")
	assert.Equal(t, http.StatusForbidden, res.StatusCode)

	res, body = b.post("/signout", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "Sign in as")
	res, _ = b.get("/accounts")
	assert.Equal(t, "/", res.Request.URL.Path)
}

func TestApp_SignInRejectsForgedCookie(t *testing.T) {
	ts := startTestServer(t)
	b := ts.browser(t)
	b.signIn("ada")
	u, err := url.Parse(ts.url)
	require.NoError(t, err)
	var forged []*http.Cookie
	for _, c := range b.c.Jar.Cookies(u) {
		body, sig, _ := strings.Cut(c.Value, ".")
		// Change the payload but keep the signature.
		forged = append(forged, &http.Cookie{Name: c.Name, Value: body + "x." + sig})
	}
	b.c.Jar.SetCookies(u, forged)
	res, _ := b.get("/mail")
	assert.Equal(t, "/", res.Request.URL.Path, "a cookie with a broken signature signs nobody in")
}

func TestApp_CSRFRefused(t *testing.T) {
	ts := startTestServer(t)
	b := ts.browser(t)
	b.signIn("ada")
	other := ts.browser(t)
	other.get("/")
	otherToken := other.csrf()

	tests := []struct {
		name  string
		token []string
	}{
		{name: "missing"},
		{name: "empty", token: []string{""}},
		{name: "wrong", token: []string{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},
		{name: "another session's", token: []string{otherToken}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"client_id": {"evil"}, "client_secret": {"evil"}}
			b.get("/settings")
			req, err := http.NewRequest(http.MethodPost, ts.url+"/settings/gmail",
				strings.NewReader(withToken(form, tt.token).Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, body := b.do(req)
			assert.Equal(t, http.StatusForbidden, res.StatusCode)
			assert.Contains(t, body, "This form has expired")
			ps, err := ts.app.mgr.Settings(t.Context(), "gmail")
			require.NoError(t, err)
			assert.Empty(t, ps.ClientID, "the forged form changed the settings")
		})
	}

	t.Run("sign in", func(t *testing.T) {
		visitor := ts.browser(t)
		visitor.get("/")
		res, _ := visitor.post("/signin", url.Values{"user": {"ada"}, "csrf": {otherToken}})
		assert.Equal(t, http.StatusForbidden, res.StatusCode, "a login form from elsewhere")
		res, _ = visitor.get("/mail")
		assert.Equal(t, "/", res.Request.URL.Path)
	})
}

func withToken(form url.Values, token []string) url.Values {
	if token != nil {
		form["csrf"] = token
	}
	return form
}
