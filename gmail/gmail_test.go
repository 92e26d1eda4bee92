package gmail_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/gmail"
	"github.com/mailmanager/mailmanager/mailtest/gmailfake"
)

func TestProvider_Defaults(t *testing.T) {
	p := gmail.New(gmail.Config{})
	assert.Equal(t, "gmail", p.Name())
	assert.Equal(t, "https://accounts.google.com/o/oauth2/auth", p.Endpoint().AuthURL)
	assert.Equal(t, []string{"https://www.googleapis.com/auth/gmail.modify", "openid", "email"},
		p.Scopes())

	cfg := oauth2.Config{ClientID: "id", Endpoint: p.Endpoint(), Scopes: p.Scopes()}
	u, err := url.Parse(cfg.AuthCodeURL("state", p.AuthCodeOptions()...))
	require.NoError(t, err)
	assert.Equal(t, "offline", u.Query().Get("access_type"))
	assert.Equal(t, "consent", u.Query().Get("prompt"))

	var _ mailmanager.Provider = p
	var _ mailmanager.Revoker = p
}

func TestProvider_ScopesAreCopies(t *testing.T) {
	p := gmail.New(gmail.Config{Scopes: []string{"a"}})
	s := p.Scopes()
	s[0] = "changed"
	assert.Equal(t, []string{"a"}, p.Scopes())
}

func TestProvider_Revoke(t *testing.T) {
	tests := []struct {
		name      string
		token     *oauth2.Token
		status    int
		answer    string
		wantToken string
		wantErr   bool
	}{
		{"refresh token preferred", &oauth2.Token{AccessToken: "at-1", RefreshToken: "rt-1"},
			200, "{}", "rt-1", false},
		{"access token alone", &oauth2.Token{AccessToken: "at-2"}, 200, "{}", "at-2", false},
		{"already invalid counts as revoked", &oauth2.Token{RefreshToken: "rt-3"},
			400, `{"error":"invalid_token","error_description":"Token expired or revoked"}`,
			"rt-3", false},
		{"server fault", &oauth2.Token{RefreshToken: "rt-secret-4"},
			503, `{"error":"backend_error"}`, "rt-secret-4", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var got url.Values
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				got, _ = url.ParseQuery(string(b))
				mu.Unlock()
				assert.Equal(t, http.MethodPost, r.Method)
				assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.answer)
			}))
			defer srv.Close()

			p := gmail.New(gmail.Config{RevokeURL: srv.URL + "/revoke"})
			err := p.Revoke(context.Background(), srv.Client(), tt.token)
			mu.Lock()
			assert.Equal(t, tt.wantToken, got.Get("token"))
			mu.Unlock()
			if !tt.wantErr {
				assert.NoError(t, err)
				return
			}
			var ae *mailmanager.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, 503, ae.Status)
			assert.Equal(t, "backend_error", ae.Code)
			assert.NotContains(t, err.Error(), tt.wantToken)
		})
	}
}

func TestProvider_RevokeRefusesEmptyToken(t *testing.T) {
	p := gmail.New(gmail.Config{RevokeURL: "http://127.0.0.1:1/revoke"})
	assert.Error(t, p.Revoke(context.Background(), http.DefaultClient, &oauth2.Token{}))
	assert.Error(t, p.Revoke(context.Background(), http.DefaultClient, nil))
}

func TestMailbox_ProfileAndConcurrentUse(t *testing.T) {
	e := newEnv(t)
	id := e.deliver(t, plain("Shared", "shared@example.org"))
	ctx := context.Background()

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			p, err := e.mb.Profile(ctx)
			if assert.NoError(t, err) {
				assert.Equal(t, alice, p.Address)
			}
			m, err := e.mb.Message(ctx, id)
			if assert.NoError(t, err) {
				assert.Equal(t, "Shared", m.Subject)
			}
			_, err = e.mb.Send(ctx, &mailmanager.Outgoing{
				Mode: mailmanager.SendReply, Original: id, Text: "ok",
			})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Len(t, e.fake.Sent(alice), 8)
}

func TestMailbox_RejectedTokenStaysOutOfErrors(t *testing.T) {
	fake := gmailfake.New(tokens{aliceToken: alice})
	t.Cleanup(fake.Close)
	fake.AddMailbox(alice)
	const secret = "ya29.secret-access-token"
	client := &http.Client{Transport: &oauth2.Transport{
		Source: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: secret}),
	}}
	mb, err := gmail.New(gmail.Config{APIURL: fake.URL() + "/"}).Open(context.Background(), client)
	require.NoError(t, err)

	_, err = mb.Profile(context.Background())
	var ae *mailmanager.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusUnauthorized, ae.Status)
	assert.NotContains(t, err.Error(), secret)

	err = mb.Sync(context.Background(), "", mailmanager.SyncOptions{},
		func(context.Context, *mailmanager.Changes) error { return nil })
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secret)
}
