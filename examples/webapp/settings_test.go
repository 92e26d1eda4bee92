package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestApp_SettingsSaveAndRedaction(t *testing.T) {
	ts := startTestServer(t)
	b := ts.browser(t)
	b.signIn("ada")

	_, body := b.get("/settings")
	assert.Equal(t, 2, strings.Count(body, "Not configured"))
	assert.Contains(t, body, ts.app.mgr.RedirectURI("gmail"))
	assert.Contains(t, body, ts.app.mgr.RedirectURI("outlook"))
	assert.Contains(t, body, "demo-gmail", "the demo shows its client ID as a hint")

	res, body := b.post("/settings/gmail", url.Values{
		"client_id": {"demo-gmail"}, "client_secret": {"demo-gmail-secret"},
	})
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, body, "Settings saved.")
	assert.Equal(t, 1, strings.Count(body, "Not configured"))
	assert.Contains(t, body, "•••••••• saved")
	assert.NotContains(t, body, `value="demo-gmail-secret"`, "a saved secret is never sent back")

	// A blank secret keeps the saved one.
	_, body = b.post("/settings/gmail", url.Values{"client_id": {"demo-gmail"}, "client_secret": {""}})
	assert.Contains(t, body, "Settings saved.")
	ps, err := ts.app.mgr.Settings(t.Context(), "gmail")
	require.NoError(t, err)
	assert.True(t, ps.Configured)
	assert.Equal(t, "demo-gmail", ps.ClientID)

	// The demo button fills the inputs; nothing is saved until Save.
	_, body = b.get("/settings?fill=demo")
	assert.Contains(t, body, `value="demo-outlook-secret"`)
	ps, err = ts.app.mgr.Settings(t.Context(), "outlook")
	require.NoError(t, err)
	assert.False(t, ps.Configured)

	// Saving one filled card keeps the demo credentials in the other.
	_, body = b.post("/settings/gmail", url.Values{
		"client_id": {"demo-gmail"}, "client_secret": {"demo-gmail-secret"}, "fill": {"demo"}})
	assert.Contains(t, body, "Settings saved.")
	assert.Contains(t, body, `value="demo-outlook-secret"`)

	res, _ = b.post("/settings/unknown", url.Values{"client_id": {"x"}})
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	res, _ = b.post("/settings/outlook", url.Values{"client_id": {""}, "client_secret": {"s"}})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
}
