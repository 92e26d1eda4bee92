package mailtest

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func TestOAuthServer_Userinfo(t *testing.T) {
	tests := []struct {
		name          string
		header        func(s *OAuthServer, tok *oauth2.Token) string
		wantStatus    int
		wantName      string
		wantChallenge string
	}{
		{"valid token", func(_ *OAuthServer, tok *oauth2.Token) string {
			return "Bearer " + tok.AccessToken
		}, http.StatusOK, "Ada Lovelace", ""},
		{"display name set", func(s *OAuthServer, tok *oauth2.Token) string {
			s.SetDisplayName("ADA.LOVELACE@example.com", "Countess of Lovelace")
			return "bearer " + tok.AccessToken
		}, http.StatusOK, "Countess of Lovelace", ""},
		{"no token", func(*OAuthServer, *oauth2.Token) string { return "" },
			http.StatusUnauthorized, "", `Bearer realm="mailtest"`},
		{"basic credentials", func(*OAuthServer, *oauth2.Token) string { return "Basic YTpi" },
			http.StatusUnauthorized, "", `Bearer realm="mailtest"`},
		{"unknown token", func(*OAuthServer, *oauth2.Token) string { return "Bearer ya29.nope" },
			http.StatusUnauthorized, "", `Bearer error="invalid_token"`},
		{"expired token", func(s *OAuthServer, tok *oauth2.Token) string {
			s.ExpireAccessTokens()
			return "Bearer " + tok.AccessToken
		}, http.StatusUnauthorized, "", `Bearer error="invalid_token"`},
		{"revoked grant", func(s *OAuthServer, tok *oauth2.Token) string {
			s.Revoke("ada.lovelace@example.com")
			return "Bearer " + tok.AccessToken
		}, http.StatusUnauthorized, "", `Bearer error="invalid_token"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestOAuthServer(t)
			tok := oauthConnect(t, oauthTestConfig(s, false),
				oauth2.SetAuthURLParam("login_hint", "Ada.Lovelace@example.com"))
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet,
				s.UserinfoURL(), nil)
			require.NoError(t, err)
			if h := tt.header(s, tok); h != "" {
				req.Header.Set("Authorization", h)
			}

			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body := decodeOAuthJSON(t, resp)

			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, tt.wantChallenge, resp.Header.Get("WWW-Authenticate"))
			assert.Equal(t, 1, s.Stats().UserinfoRequests)
			if tt.wantStatus != http.StatusOK {
				assert.NotContains(t, body, "email")
				return
			}
			assert.Equal(t, "ada.lovelace@example.com", body["email"])
			assert.Equal(t, tt.wantName, body["name"])
			assert.Equal(t, true, body["email_verified"])
			assert.Regexp(t, `^1[0-9]{20}$`, body["sub"])
		})
	}
}

func TestNameFromAddress(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"ada.lovelace@example.com", "Ada Lovelace"},
		{"grace_hopper+mail@example.com", "Grace Hopper Mail"},
		{"émile@example.com", "Émile"},
		{"...@example.com", "..."},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			assert.Equal(t, tt.want, oauthDisplayName(tt.addr))
		})
	}
}

func TestOAuthServer_Grant(t *testing.T) {
	for _, fc := range oauthFlavorCases() {
		t.Run(fc.name, func(t *testing.T) {
			s := newTestOAuthServer(t)
			cfg := oauthTestConfig(s, fc.microsoft)

			tok, err := s.Grant(oauthTestClient, "Bench@Example.com", fc.microsoft, cfg.Scopes...)

			require.NoError(t, err)
			addr, ok := s.Authenticate(tok.AccessToken)
			assert.True(t, ok)
			assert.Equal(t, "bench@example.com", addr)
			assert.Equal(t, tok.RefreshToken, s.RefreshToken("bench@example.com"))
			assert.WithinDuration(t, time.Now().Add(time.Hour), tok.Expiry, time.Minute)
			fresh, err := oauthRefresh(t, cfg, tok.RefreshToken)
			require.NoError(t, err)
			_, ok = s.Authenticate(fresh.AccessToken)
			assert.True(t, ok)
			other := oauthTestConfig(s, !fc.microsoft)
			_, err = oauthRefresh(t, other, tok.RefreshToken)
			assert.Equal(t, "invalid_grant", oauthRetrieveError(t, err).ErrorCode,
				"the grant belongs to its flavor")
			st := s.Stats()
			assert.Zero(t, st.Authorizations)
			assert.Zero(t, st.Exchanges)
		})
	}
}

func TestOAuthServer_GrantRejects(t *testing.T) {
	s := newTestOAuthServer(t)
	tests := []struct{ name, client, address string }{
		{"unknown client", "nope", "a@example.com"},
		{"not an address", oauthTestClient, "someone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Grant(tt.client, tt.address, false, "email")
			assert.ErrorContains(t, err, "mailtest: grant: ")
		})
	}
}

func TestOAuthServer_SweepDropsExpiredTokens(t *testing.T) {
	s := newTestOAuthServer(t)
	s.SetAccessTTL(time.Minute)
	old, err := s.Grant(oauthTestClient, "a@example.com", false, "email")
	require.NoError(t, err)
	later := time.Now().Add(2 * time.Minute)
	s.SetClock(func() time.Time { return later })

	var last *oauth2.Token
	for range oauthMinSweep {
		last, err = s.Grant(oauthTestClient, "a@example.com", false, "email")
		require.NoError(t, err)
	}

	s.mu.Lock()
	_, oldKept := s.access[old.AccessToken]
	_, lastKept := s.access[last.AccessToken]
	n := len(s.access)
	s.mu.Unlock()
	assert.False(t, oldKept)
	assert.True(t, lastKept)
	assert.Equal(t, oauthMinSweep, n)
}

func TestOAuthServer_RegisterClientPanicsOnEmptyID(t *testing.T) {
	s := newTestOAuthServer(t)
	assert.PanicsWithValue(t, "mailtest: RegisterClient with an empty client ID", func() {
		s.RegisterClient("", "secret")
	})
}

func TestOAuthServer_RegisterClientReplacesSecret(t *testing.T) {
	s := newTestOAuthServer(t)
	cfg := oauthTestConfig(s, false)
	tok := oauthConnect(t, cfg, oauthOfflineOptions(false)...)

	s.RegisterClient(oauthTestClient, "rotated-secret")

	_, err := oauthRefresh(t, cfg, tok.RefreshToken)
	assert.Equal(t, "invalid_client", oauthRetrieveError(t, err).ErrorCode)
	cfg.ClientSecret = "rotated-secret"
	_, err = oauthRefresh(t, cfg, tok.RefreshToken)
	assert.NoError(t, err)
}
