package mailtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func TestOAuthServer_RefreshWithoutRotationKeepsToken(t *testing.T) {
	for _, fc := range oauthFlavorCases() {
		t.Run(fc.name, func(t *testing.T) {
			s := newTestOAuthServer(t)
			cfg := oauthTestConfig(s, fc.microsoft)
			first := oauthConnect(t, cfg, oauthOfflineOptions(fc.microsoft)...)

			for i := range 2 {
				tok, err := oauthRefresh(t, cfg, first.RefreshToken)
				require.NoError(t, err, "refresh %d", i)
				assert.Nil(t, tok.Extra("refresh_token"), "the answer has no refresh_token")
				assert.NotEqual(t, first.AccessToken, tok.AccessToken)
				addr, ok := s.Authenticate(tok.AccessToken)
				assert.True(t, ok)
				assert.Equal(t, "user@example.com", addr)
			}
			assert.Equal(t, 2, s.Stats().Refreshes)
			assert.Equal(t, first.RefreshToken, s.RefreshToken("user@example.com"))
		})
	}
}

func TestOAuthServer_RefreshRotates(t *testing.T) {
	for _, fc := range oauthFlavorCases() {
		t.Run(fc.name, func(t *testing.T) {
			s := newTestOAuthServer(t)
			s.SetRotation(true)
			cfg := oauthTestConfig(s, fc.microsoft)
			first := oauthConnect(t, cfg, oauthOfflineOptions(fc.microsoft)...)

			second, err := oauthRefresh(t, cfg, first.RefreshToken)
			require.NoError(t, err)
			rotated, _ := second.Extra("refresh_token").(string)
			require.NotEmpty(t, rotated)
			assert.NotEqual(t, first.RefreshToken, rotated)
			assert.Equal(t, rotated, s.RefreshToken("user@example.com"))

			_, err = oauthRefresh(t, cfg, first.RefreshToken)
			re := oauthRetrieveError(t, err)
			assert.Equal(t, "invalid_grant", re.ErrorCode)
			assertOAuthErrorBody(t, re, fc.microsoft)

			_, err = oauthRefresh(t, cfg, rotated)
			assert.NoError(t, err)
			assert.Equal(t, 2, s.Stats().Refreshes)
		})
	}
}

func TestOAuthServer_RevokeKillsGrant(t *testing.T) {
	tests := []struct {
		name      string
		microsoft bool
		revoke    func(t *testing.T, s *OAuthServer, tok *oauth2.Token)
		endpoint  bool
	}{
		{name: "Revoke google", revoke: func(_ *testing.T, s *OAuthServer, _ *oauth2.Token) {
			s.Revoke("User@Example.com")
		}},
		{name: "Revoke microsoft", microsoft: true,
			revoke: func(_ *testing.T, s *OAuthServer, _ *oauth2.Token) {
				s.Revoke("user@example.com")
			}},
		{name: "endpoint with refresh token", endpoint: true,
			revoke: func(t *testing.T, s *OAuthServer, tok *oauth2.Token) {
				assert.Equal(t, http.StatusOK, postOAuthRevoke(t, s, tok.RefreshToken))
			}},
		{name: "endpoint with access token", endpoint: true,
			revoke: func(t *testing.T, s *OAuthServer, tok *oauth2.Token) {
				assert.Equal(t, http.StatusOK, postOAuthRevoke(t, s, tok.AccessToken))
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestOAuthServer(t)
			cfg := oauthTestConfig(s, tt.microsoft)
			tok := oauthConnect(t, cfg, oauthOfflineOptions(tt.microsoft)...)
			pendingVerifier := oauth2.GenerateVerifier()
			pending := oauthAuthorize(t, cfg, pendingVerifier).Get("code")

			tt.revoke(t, s, tok)

			_, err := oauthRefresh(t, cfg, tok.RefreshToken)
			re := oauthRetrieveError(t, err)
			assert.Equal(t, "invalid_grant", re.ErrorCode)
			assertOAuthErrorBody(t, re, tt.microsoft)
			_, ok := s.Authenticate(tok.AccessToken)
			assert.False(t, ok)
			assert.Empty(t, s.RefreshToken("user@example.com"))
			if tt.endpoint {
				assert.Equal(t, 1, s.Stats().Revocations)
				assert.Equal(t, http.StatusBadRequest, postOAuthRevoke(t, s, tok.RefreshToken),
					"a revoked token cannot be revoked again")
			} else {
				_, err = cfg.Exchange(t.Context(), pending, oauth2.VerifierOption(pendingVerifier))
				assert.Equal(t, "invalid_grant", oauthRetrieveError(t, err).ErrorCode,
					"codes die with the grant")
			}

			// A new consent without prompt=consent is a first one again.
			var opts []oauth2.AuthCodeOption
			if !tt.microsoft {
				opts = append(opts, oauth2.AccessTypeOffline)
			}
			again := oauthConnect(t, cfg, opts...)
			assert.NotEmpty(t, again.RefreshToken)
			_, err = oauthRefresh(t, cfg, again.RefreshToken)
			assert.NoError(t, err)
		})
	}
}

func TestOAuthServer_RevokeEndpointRejects(t *testing.T) {
	s := newTestOAuthServer(t)
	ms := oauthConnect(t, oauthTestConfig(s, true))
	tests := []struct {
		name  string
		token string
	}{
		{"unknown token", "1//0unknown"},
		{"empty token", ""},
		{"microsoft token", ms.RefreshToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, http.StatusBadRequest, postOAuthRevoke(t, s, tt.token))
		})
	}
	assert.Zero(t, s.Stats().Revocations)
	_, ok := s.Authenticate(ms.AccessToken)
	assert.True(t, ok)
}

// postOAuthRevoke posts token to the revoke endpoint and returns the status.
func postOAuthRevoke(t *testing.T, s *OAuthServer, token string) int {
	t.Helper()
	resp, err := http.PostForm(s.GoogleRevokeURL(), url.Values{"token": {token}})
	require.NoError(t, err)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		assert.Equal(t, "invalid_token", decodeOAuthJSON(t, resp)["error"])
	}
	return resp.StatusCode
}

func TestOAuthServer_FailTokenRequests(t *testing.T) {
	tests := []struct {
		status   int
		wantCode string
	}{
		{http.StatusInternalServerError, "server_error"},
		{http.StatusServiceUnavailable, "temporarily_unavailable"},
		{http.StatusTooManyRequests, "temporarily_unavailable"},
		{http.StatusUnauthorized, "invalid_client"},
		{http.StatusBadRequest, "invalid_request"},
	}
	for _, fc := range oauthFlavorCases() {
		for _, tt := range tests {
			t.Run(fc.name+"/"+http.StatusText(tt.status), func(t *testing.T) {
				s := newTestOAuthServer(t)
				cfg := oauthTestConfig(s, fc.microsoft)
				cfg.Endpoint.AuthStyle = oauth2.AuthStyleInParams
				verifier := oauth2.GenerateVerifier()
				code := oauthAuthorize(t, cfg, verifier).Get("code")
				s.FailTokenRequests(2, tt.status)

				for range 2 {
					_, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
					re := oauthRetrieveError(t, err)
					assert.Equal(t, tt.status, re.Response.StatusCode)
					assert.Equal(t, tt.wantCode, re.ErrorCode)
					assertOAuthErrorBody(t, re, fc.microsoft)
				}
				_, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
				assert.NoError(t, err, "failures are used up and the code survived them")
				st := s.Stats()
				assert.Equal(t, 3, st.TokenRequests)
				assert.Equal(t, 2, st.TokenErrors)
				assert.Equal(t, 1, st.Exchanges)
			})
		}
	}
}

func TestOAuthServer_FailTokenRequestsWithAutoDetect(t *testing.T) {
	// x/oauth2 retries a failed request once with the other client auth
	// style until a style has worked, so one failure is not enough.
	s := newTestOAuthServer(t)
	cfg := oauthTestConfig(s, false)
	verifier := oauth2.GenerateVerifier()
	code := oauthAuthorize(t, cfg, verifier).Get("code")
	s.FailTokenRequests(1, http.StatusServiceUnavailable)

	_, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))

	assert.NoError(t, err)
	assert.Equal(t, 2, s.Stats().TokenRequests)
}

func TestOAuthServer_FailTokenRequestsCancel(t *testing.T) {
	s := newTestOAuthServer(t)
	cfg := oauthTestConfig(s, false)
	s.FailTokenRequests(5, http.StatusInternalServerError)
	s.FailTokenRequests(0, 0)

	oauthConnect(t, cfg)

	assert.Zero(t, s.Stats().TokenErrors)
}

func TestOAuthServer_LatencyDelaysTokenAnswers(t *testing.T) {
	s := newTestOAuthServer(t)
	cfg := oauthTestConfig(s, true)
	const latency = 50 * time.Millisecond
	s.SetLatency(latency)
	verifier := oauth2.GenerateVerifier()
	code := oauthAuthorize(t, cfg, verifier).Get("code")

	start := time.Now()
	_, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))

	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), latency)
}

func TestOAuthServer_CloseEndsHeldRequests(t *testing.T) {
	s := NewOAuthServer()
	s.RegisterClient(oauthTestClient, oauthTestSecret)
	cfg := oauthTestConfig(s, false)
	cfg.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	verifier := oauth2.GenerateVerifier()
	code := oauthAuthorize(t, cfg, verifier).Get("code")
	s.SetLatency(time.Hour)

	done := make(chan error, 1)
	go func() {
		_, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
		done <- err
	}()
	require.Eventually(t, func() bool { return s.Stats().TokenRequests == 1 },
		time.Minute, time.Millisecond)
	s.Close()

	err := <-done
	require.Error(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, oauthRetrieveError(t, err).Response.StatusCode)
}

func TestOAuthServer_AccessTokenExpiry(t *testing.T) {
	s := newTestOAuthServer(t)
	cfg := oauthTestConfig(s, false)
	s.SetAccessTTL(90 * time.Second)
	tok := oauthConnect(t, cfg, oauthOfflineOptions(false)...)
	require.Equal(t, int64(90), tok.ExpiresIn)
	now := time.Now()

	s.SetClock(func() time.Time { return now.Add(89 * time.Second) })
	_, ok := s.Authenticate(tok.AccessToken)
	assert.True(t, ok, "valid before expiry")
	s.SetClock(func() time.Time { return now.Add(91 * time.Second) })
	_, ok = s.Authenticate(tok.AccessToken)
	assert.False(t, ok, "invalid after expiry")

	s.SetClock(nil)
	s.SetAccessTTL(1500 * time.Millisecond)
	fresh, err := oauthRefresh(t, cfg, tok.RefreshToken)
	require.NoError(t, err)
	assert.Equal(t, int64(2), fresh.ExpiresIn, "expires_in is rounded up")
	s.SetAccessTTL(0)
	fresh, err = oauthRefresh(t, cfg, tok.RefreshToken)
	require.NoError(t, err)
	assert.Equal(t, int64(3600), fresh.ExpiresIn, "zero restores the default")
}

func TestOAuthServer_ExpireAccessTokens(t *testing.T) {
	s := newTestOAuthServer(t)
	cfg := oauthTestConfig(s, true)
	tok := oauthConnect(t, cfg)

	s.ExpireAccessTokens()

	_, ok := s.Authenticate(tok.AccessToken)
	assert.False(t, ok)
	fresh, err := oauthRefresh(t, cfg, tok.RefreshToken)
	require.NoError(t, err, "refresh tokens survive")
	_, ok = s.Authenticate(fresh.AccessToken)
	assert.True(t, ok)
}

func TestOAuthServer_ConcurrentRefreshes(t *testing.T) {
	const n = 100
	tests := []struct {
		name        string
		rotation    bool
		wantSuccess int
	}{
		{"without rotation every refresh works", false, n},
		{"with rotation one refresh wins", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestOAuthServer(t)
			s.SetRotation(tt.rotation)
			cfg := oauthTestConfig(s, false)
			rt := oauthConnect(t, cfg, oauthOfflineOptions(false)...).RefreshToken

			var mu sync.Mutex
			var access, rotated []string
			var wg sync.WaitGroup
			for range n {
				wg.Go(func() {
					tok, err := oauthRefresh(t, cfg, rt)
					if err != nil {
						var re *oauth2.RetrieveError
						if assert.ErrorAs(t, err, &re) {
							assert.Equal(t, "invalid_grant", re.ErrorCode)
						}
						return
					}
					mu.Lock()
					defer mu.Unlock()
					access = append(access, tok.AccessToken)
					if r, ok := tok.Extra("refresh_token").(string); ok {
						rotated = append(rotated, r)
					}
				})
			}
			wg.Wait()

			assert.Len(t, access, tt.wantSuccess)
			assert.Equal(t, tt.wantSuccess, s.Stats().Refreshes)
			seen := make(map[string]bool)
			for _, a := range access {
				assert.False(t, seen[a], "access tokens are unique")
				seen[a] = true
				_, ok := s.Authenticate(a)
				assert.True(t, ok)
			}
			if tt.rotation {
				require.Len(t, rotated, 1)
				assert.Equal(t, rotated[0], s.RefreshToken("user@example.com"))
			} else {
				assert.Empty(t, rotated)
			}
		})
	}
}

func TestOAuthServer_TokenEndpointRejects(t *testing.T) {
	s := newTestOAuthServer(t)
	s.RegisterClient("app-2", "secret-2")
	google := oauthConnect(t, oauthTestConfig(s, false), oauthOfflineOptions(false)...)
	refresh := func(kv ...string) url.Values {
		form := url.Values{"grant_type": {"refresh_token"}}
		for i := 0; i+1 < len(kv); i += 2 {
			form.Set(kv[i], kv[i+1])
		}
		return form
	}
	tests := []struct {
		name       string
		microsoft  bool
		form       url.Values
		basic      string // secret sent with the test client's ID in a Basic header
		wantStatus int
		wantCode   string
	}{
		{"unsupported grant_type", false, url.Values{"grant_type": {"password"}},
			oauthTestSecret, 400, "unsupported_grant_type"},
		{"missing grant_type", true, url.Values{}, oauthTestSecret, 400, "invalid_request"},
		{"missing client_id", false, refresh(), "", 400, "invalid_request"},
		{"two client auth methods", false, refresh("client_secret", oauthTestSecret),
			oauthTestSecret, 400, "invalid_request"},
		{"missing refresh_token", true, refresh(), oauthTestSecret, 400, "invalid_request"},
		{"refresh token of another client", false, refresh("refresh_token",
			google.RefreshToken, "client_id", "app-2", "client_secret", "secret-2"), "",
			400, "invalid_grant"},
		{"refresh token of the other flavor", true,
			refresh("refresh_token", google.RefreshToken), oauthTestSecret,
			400, "invalid_grant"},
		{"scope beyond the grant", false, refresh("refresh_token", google.RefreshToken,
			"scope", "email Mail.Send"), oauthTestSecret, 400, "invalid_scope"},
		{"repeated parameter", false, url.Values{"grant_type": {"refresh_token"},
			"refresh_token": {google.RefreshToken, google.RefreshToken}}, oauthTestSecret,
			400, "invalid_request"},
		{"wrong secret in header", false, refresh("refresh_token", google.RefreshToken),
			"not-the-secret", 401, "invalid_client"},
		{"client_id disagrees with header", true, refresh("refresh_token",
			google.RefreshToken, "client_id", "app-2"), oauthTestSecret, 401, "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			endpoint := s.GoogleEndpoint()
			if tt.microsoft {
				endpoint = s.MicrosoftEndpoint("")
			}
			resp := postOAuthToken(t, endpoint.TokenURL, tt.form, tt.basic)
			defer resp.Body.Close()
			body := decodeOAuthJSON(t, resp)

			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, tt.wantCode, body["error"])
			assert.Equal(t, tt.microsoft, body["error_codes"] != nil)
			if tt.wantStatus == http.StatusUnauthorized {
				assert.Contains(t, resp.Header.Get("WWW-Authenticate"), "Basic")
			}
			assert.NotContains(t, body["error_description"], google.RefreshToken)
		})
	}
	assert.Zero(t, s.Stats().Refreshes)
}

func TestOAuthServer_TokenEndpointNarrowsScope(t *testing.T) {
	s := newTestOAuthServer(t)
	tok := oauthConnect(t, oauthTestConfig(s, false), oauthOfflineOptions(false)...)

	resp := postOAuthToken(t, s.GoogleEndpoint().TokenURL, url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken},
		"scope": {"email"}}, oauthTestSecret)
	defer resp.Body.Close()
	body := decodeOAuthJSON(t, resp)

	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "email", body["scope"])
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
}

func TestOAuthServer_TokenEndpointNeedsForm(t *testing.T) {
	s := newTestOAuthServer(t)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost,
		s.GoogleEndpoint().TokenURL, strings.NewReader(`{"grant_type":"refresh_token"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(oauthTestClient, oauthTestSecret)

	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()

	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, "invalid_request", decodeOAuthJSON(t, resp)["error"])
}

// postOAuthToken posts form to a token URL, with the test client's ID and the
// secret basic in a Basic header unless basic is "".
func postOAuthToken(t *testing.T, tokenURL string, form url.Values, basic string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, tokenURL,
		strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic != "" {
		req.SetBasicAuth(url.QueryEscape(oauthTestClient), url.QueryEscape(basic))
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	return resp
}

// decodeOAuthJSON decodes a JSON object answer.
func decodeOAuthJSON(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return body
}

func BenchmarkOAuthServer_Refresh(b *testing.B) {
	s := NewOAuthServer()
	defer s.Close()
	s.RegisterClient(oauthTestClient, oauthTestSecret)
	cfg := oauthTestConfig(s, false)
	tok, err := s.Grant(oauthTestClient, "bench@example.com", false, cfg.Scopes...)
	require.NoError(b, err)

	for b.Loop() {
		src := cfg.TokenSource(b.Context(), &oauth2.Token{RefreshToken: tok.RefreshToken})
		if _, err := src.Token(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOAuthServer_Authenticate(b *testing.B) {
	s := NewOAuthServer()
	defer s.Close()
	s.RegisterClient(oauthTestClient, oauthTestSecret)
	tok, err := s.Grant(oauthTestClient, "bench@example.com", false, "email")
	require.NoError(b, err)

	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, ok := s.Authenticate(tok.AccessToken); !ok {
				b.Error("token refused")
				return
			}
		}
	})
}
