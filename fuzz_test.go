package mailmanager_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest"
	"github.com/mailmanager/mailmanager/memstore"
)

// FuzzCallbackState feeds arbitrary state values to the callback handler:
// none may panic, and none may be accepted, since no valid state can be
// made without the key.
func FuzzCallbackState(f *testing.F) {
	for _, s := range []string{"", "a", "AQAAAAA", "not base64!", string(bytes.Repeat([]byte("A"), 5000)),
		"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8w"} {
		f.Add(s)
	}
	m, err := mailmanager.New(mailmanager.Config{
		Store:       memstore.New(),
		Providers:   []mailmanager.Provider{&mailtest.Provider{ProviderName: "gmail"}},
		Key:         bytes.Repeat([]byte{9}, 32),
		BaseURL:     "https://app.example.com",
		CurrentUser: func(*http.Request) (string, error) { return "u1", nil },
	})
	if err != nil {
		f.Fatal(err)
	}
	h := m.CallbackHandler()
	f.Fuzz(func(t *testing.T, state string) {
		q := url.Values{"state": {state}, "code": {"c"}}
		req := httptest.NewRequest(http.MethodGet, "/oauth/callback/gmail?"+q.Encode(), nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("state %q answered %d, want 400", state, rec.Code)
		}
	})
}
