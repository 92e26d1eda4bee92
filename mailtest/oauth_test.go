package mailtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

const (
	oauthTestClient   = "app-1.apps.example.test"
	oauthTestSecret   = "test-client-secret"
	oauthTestRedirect = "http://127.0.0.1/callback"
)

// oauthFlavorCase names a flow for table-driven tests.
type oauthFlavorCase struct {
	name      string
	microsoft bool
}

func oauthFlavorCases() []oauthFlavorCase {
	return []oauthFlavorCase{{"google", false}, {"microsoft", true}}
}

// newTestOAuthServer starts a server with the test client registered.
func newTestOAuthServer(t *testing.T) *OAuthServer {
	t.Helper()
	s := NewOAuthServer()
	t.Cleanup(s.Close)
	s.RegisterClient(oauthTestClient, oauthTestSecret)
	return s
}

// oauthTestConfig returns the test client's config for one flavor of s.
func oauthTestConfig(s *OAuthServer, microsoft bool) *oauth2.Config {
	cfg := &oauth2.Config{
		ClientID:     oauthTestClient,
		ClientSecret: oauthTestSecret,
		RedirectURL:  oauthTestRedirect,
		Endpoint:     s.GoogleEndpoint(),
		Scopes:       []string{"openid", "email"},
	}
	if microsoft {
		cfg.Endpoint = s.MicrosoftEndpoint("common")
		cfg.Scopes = []string{"offline_access", "User.Read"}
	}
	return cfg
}

// oauthOfflineOptions are the auth URL options with which every consent of the
// flavor issues a refresh token.
func oauthOfflineOptions(microsoft bool) []oauth2.AuthCodeOption {
	if microsoft {
		return nil
	}
	return []oauth2.AuthCodeOption{oauth2.AccessTypeOffline, oauth2.ApprovalForce}
}

// stopAtRedirect returns a client that follows redirects until one goes
// to prefix.
func stopAtRedirect(prefix string) *http.Client {
	return &http.Client{CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), prefix) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

// oauthAuthorize visits the consent URL of cfg with a PKCE challenge of
// verifier and returns the query of the redirect back to the app.
func oauthAuthorize(t *testing.T, cfg *oauth2.Config, verifier string,
	opts ...oauth2.AuthCodeOption) url.Values {
	t.Helper()
	state := "state-" + oauthRandom(8)
	opts = slices.Concat(opts, []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)})
	resp, err := stopAtRedirect(cfg.RedirectURL).Get(cfg.AuthCodeURL(state, opts...))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := resp.Location()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(loc.String(), cfg.RedirectURL), "redirect to %s", loc.Path)
	q := loc.Query()
	require.Equal(t, state, q.Get("state"))
	return q
}

// oauthConnect runs the whole flow of cfg and returns the exchanged token.
func oauthConnect(t *testing.T, cfg *oauth2.Config, opts ...oauth2.AuthCodeOption) *oauth2.Token {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	q := oauthAuthorize(t, cfg, verifier, opts...)
	require.NotEmpty(t, q.Get("code"), "redirect error %q", q.Get("error"))
	tok, err := cfg.Exchange(t.Context(), q.Get("code"), oauth2.VerifierOption(verifier))
	require.NoError(t, err)
	return tok
}

// oauthRefresh refreshes rt through cfg.
func oauthRefresh(t *testing.T, cfg *oauth2.Config, rt string) (*oauth2.Token, error) {
	t.Helper()
	return cfg.TokenSource(t.Context(), &oauth2.Token{RefreshToken: rt}).Token()
}

// oauthRetrieveError returns the token endpoint's error inside err.
func oauthRetrieveError(t *testing.T, err error) *oauth2.RetrieveError {
	t.Helper()
	var re *oauth2.RetrieveError
	require.ErrorAs(t, err, &re)
	return re
}

// assertOAuthErrorBody checks the flavor's extra fields of a token error body.
func assertOAuthErrorBody(t *testing.T, re *oauth2.RetrieveError, microsoft bool) {
	t.Helper()
	var body map[string]any
	require.NoError(t, json.Unmarshal(re.Body, &body))
	if !microsoft {
		assert.NotContains(t, body, "error_codes")
		return
	}
	assert.NotEmpty(t, body["error_codes"])
	assert.NotEmpty(t, body["trace_id"])
	assert.True(t, strings.HasPrefix(re.ErrorDescription, "AADSTS"), re.ErrorDescription)
}

func TestOAuthServer_ExchangeIssuesTokens(t *testing.T) {
	styles := []struct {
		name  string
		style oauth2.AuthStyle
	}{
		{"auto-detect", oauth2.AuthStyleAutoDetect},
		{"in params", oauth2.AuthStyleInParams},
		{"in header", oauth2.AuthStyleInHeader},
	}
	for _, fc := range oauthFlavorCases() {
		for _, sc := range styles {
			t.Run(fc.name+"/"+sc.name, func(t *testing.T) {
				s := newTestOAuthServer(t)
				cfg := oauthTestConfig(s, fc.microsoft)
				cfg.Endpoint.AuthStyle = sc.style
				hint := oauth2.SetAuthURLParam("login_hint", "Alice@Example.com")
				before := time.Now()

				tok := oauthConnect(t, cfg, slices.Concat(oauthOfflineOptions(fc.microsoft),
					[]oauth2.AuthCodeOption{hint})...)

				assert.NotEmpty(t, tok.AccessToken)
				assert.Equal(t, "Bearer", tok.TokenType)
				assert.NotEmpty(t, tok.RefreshToken)
				assert.Equal(t, int64(3600), tok.ExpiresIn)
				assert.WithinRange(t, tok.Expiry, before.Add(time.Hour), time.Now().Add(time.Hour))
				assert.Equal(t, strings.Join(cfg.Scopes, " "), tok.Extra("scope"))
				if fc.microsoft {
					assert.EqualValues(t, 3600, tok.Extra("ext_expires_in"))
				}
				addr, ok := s.Authenticate(tok.AccessToken)
				assert.True(t, ok)
				assert.Equal(t, "alice@example.com", addr)
				assert.Equal(t, tok.RefreshToken, s.RefreshToken("alice@example.com"))
				st := s.Stats()
				assert.Equal(t, 1, st.Authorizations)
				assert.Equal(t, 1, st.Exchanges)
				assert.Equal(t, 1, st.TokenRequests, "both client auth styles accepted at once")
			})
		}
	}
}

// exchangeFunc exchanges code, made with a challenge of verifier, in some
// way.
type exchangeFunc func(t *testing.T, s *OAuthServer, cfg *oauth2.Config,
	code, verifier string) error

func TestOAuthServer_ExchangeRejects(t *testing.T) {
	tests := []struct {
		name       string
		exchange   exchangeFunc
		wantStatus int
		wantCode   string
	}{{
		name: "wrong verifier",
		exchange: func(t *testing.T, _ *OAuthServer, cfg *oauth2.Config, code, _ string) error {
			other := oauth2.GenerateVerifier()
			_, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(other))
			return err
		},
		wantStatus: http.StatusBadRequest, wantCode: "invalid_grant",
	}, {
		name: "missing verifier",
		exchange: func(t *testing.T, _ *OAuthServer, cfg *oauth2.Config, code, _ string) error {
			_, err := cfg.Exchange(t.Context(), code)
			return err
		},
		wantStatus: http.StatusBadRequest, wantCode: "invalid_grant",
	}, {
		name: "reused code",
		exchange: func(t *testing.T, _ *OAuthServer, cfg *oauth2.Config, code, v string) error {
			_, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(v))
			require.NoError(t, err)
			_, err = cfg.Exchange(t.Context(), code, oauth2.VerifierOption(v))
			return err
		},
		wantStatus: http.StatusBadRequest, wantCode: "invalid_grant",
	}, {
		name: "wrong redirect_uri",
		exchange: func(t *testing.T, _ *OAuthServer, cfg *oauth2.Config, code, v string) error {
			other := *cfg
			other.RedirectURL = oauthTestRedirect + "/other"
			_, err := other.Exchange(t.Context(), code, oauth2.VerifierOption(v))
			return err
		},
		wantStatus: http.StatusBadRequest, wantCode: "invalid_grant",
	}, {
		name: "wrong secret",
		exchange: func(t *testing.T, _ *OAuthServer, cfg *oauth2.Config, code, v string) error {
			other := *cfg
			other.ClientSecret = "not-the-secret"
			_, err := other.Exchange(t.Context(), code, oauth2.VerifierOption(v))
			return err
		},
		wantStatus: http.StatusUnauthorized, wantCode: "invalid_client",
	}, {
		name: "unknown client",
		exchange: func(t *testing.T, _ *OAuthServer, cfg *oauth2.Config, code, v string) error {
			other := *cfg
			other.ClientID = "unknown-app"
			_, err := other.Exchange(t.Context(), code, oauth2.VerifierOption(v))
			return err
		},
		wantStatus: http.StatusUnauthorized, wantCode: "invalid_client",
	}, {
		name: "code of another client",
		exchange: func(t *testing.T, s *OAuthServer, cfg *oauth2.Config, code, v string) error {
			s.RegisterClient("app-2", "secret-2")
			other := *cfg
			other.ClientID, other.ClientSecret = "app-2", "secret-2"
			_, err := other.Exchange(t.Context(), code, oauth2.VerifierOption(v))
			return err
		},
		wantStatus: http.StatusBadRequest, wantCode: "invalid_grant",
	}, {
		name: "expired code",
		exchange: func(t *testing.T, s *OAuthServer, cfg *oauth2.Config, code, v string) error {
			later := time.Now().Add(authCodeTTL + time.Minute)
			s.SetClock(func() time.Time { return later })
			_, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(v))
			return err
		},
		wantStatus: http.StatusBadRequest, wantCode: "invalid_grant",
	}}
	for _, fc := range oauthFlavorCases() {
		for _, tt := range tests {
			t.Run(fc.name+"/"+tt.name, func(t *testing.T) {
				s := newTestOAuthServer(t)
				cfg := oauthTestConfig(s, fc.microsoft)
				verifier := oauth2.GenerateVerifier()
				code := oauthAuthorize(t, cfg, verifier).Get("code")
				require.NotEmpty(t, code)

				err := tt.exchange(t, s, cfg, code, verifier)

				re := oauthRetrieveError(t, err)
				assert.Equal(t, tt.wantStatus, re.Response.StatusCode)
				assert.Equal(t, tt.wantCode, re.ErrorCode)
				assertOAuthErrorBody(t, re, fc.microsoft)
				assert.NotContains(t, string(re.Body), code)
				assert.NotContains(t, string(re.Body), verifier)
			})
		}
	}
}

func TestOAuthServer_ExchangeAtOtherFlavorFails(t *testing.T) {
	s := newTestOAuthServer(t)
	google, microsoft := oauthTestConfig(s, false), oauthTestConfig(s, true)
	verifier := oauth2.GenerateVerifier()
	code := oauthAuthorize(t, google, verifier).Get("code")

	_, err := microsoft.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))

	re := oauthRetrieveError(t, err)
	assert.Equal(t, "invalid_grant", re.ErrorCode)
	_, err = google.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
	assert.NoError(t, err, "a failed exchange leaves the code usable")
}

func TestOAuthServer_AuthorizeRejects(t *testing.T) {
	tests := []struct {
		name      string
		microsoft bool
		mutate    func(q url.Values)
		wantCode  string
	}{
		{"unknown client", false, func(q url.Values) { q.Set("client_id", "nope") },
			"invalid_client"},
		{"missing client_id", true, func(q url.Values) { q.Del("client_id") }, "invalid_request"},
		{"missing redirect_uri", false, func(q url.Values) { q.Del("redirect_uri") },
			"invalid_request"},
		{"relative redirect_uri", true, func(q url.Values) { q.Set("redirect_uri", "/cb") },
			"invalid_request"},
		{"redirect_uri with fragment", false,
			func(q url.Values) { q.Set("redirect_uri", oauthTestRedirect+"#x") },
			"invalid_request"},
		{"implicit flow", false, func(q url.Values) { q.Set("response_type", "token") },
			"unsupported_response_type"},
		{"missing scope", true, func(q url.Values) { q.Del("scope") }, "invalid_request"},
		{"missing state", false, func(q url.Values) { q.Del("state") }, "invalid_request"},
		{"missing code_challenge", true, func(q url.Values) { q.Del("code_challenge") },
			"invalid_request"},
		{"missing code_challenge_method", false,
			func(q url.Values) { q.Del("code_challenge_method") }, "invalid_request"},
		{"plain challenge", true, func(q url.Values) { q.Set("code_challenge_method", "plain") },
			"invalid_request"},
		{"short challenge", false, func(q url.Values) { q.Set("code_challenge", "abc") },
			"invalid_request"},
		{"repeated state", true, func(q url.Values) { q.Add("state", "again") },
			"invalid_request"},
		{"bad access_type", false, func(q url.Values) { q.Set("access_type", "forever") },
			"invalid_request"},
		{"form_post response mode", true,
			func(q url.Values) { q.Set("response_mode", "form_post") }, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestOAuthServer(t)
			cfg := oauthTestConfig(s, tt.microsoft)
			u, err := url.Parse(cfg.AuthCodeURL("some-state",
				oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
			require.NoError(t, err)
			q := u.Query()
			tt.mutate(q)
			u.RawQuery = q.Encode()

			resp, err := stopAtRedirect("").Get(u.String())
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)

			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Empty(t, resp.Header.Get("Location"))
			assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
			assert.Contains(t, string(body), "Error 400: "+tt.wantCode)
			assert.Zero(t, s.Stats().Authorizations)
		})
	}
}

func TestOAuthServer_GoogleRefreshTokenIssuance(t *testing.T) {
	offline, force := oauth2.AccessTypeOffline, oauth2.ApprovalForce
	offlineOpts := func(o ...oauth2.AuthCodeOption) []oauth2.AuthCodeOption { return o }
	type step struct {
		opts         []oauth2.AuthCodeOption
		revokeBefore bool
		wantRefresh  bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"first offline consent", []step{{opts: offlineOpts(offline), wantRefresh: true}}},
		{"online consent", []step{{wantRefresh: false}}},
		{"second offline consent without prompt", []step{
			{opts: offlineOpts(offline), wantRefresh: true},
			{opts: offlineOpts(offline), wantRefresh: false},
		}},
		{"second offline consent with prompt=consent", []step{
			{opts: offlineOpts(offline), wantRefresh: true},
			{opts: offlineOpts(offline, force), wantRefresh: true},
		}},
		{"offline after an online consent", []step{
			{wantRefresh: false},
			{opts: offlineOpts(offline), wantRefresh: false},
		}},
		{"offline consent after a revocation", []step{
			{opts: offlineOpts(offline), wantRefresh: true},
			{opts: offlineOpts(offline), revokeBefore: true, wantRefresh: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestOAuthServer(t)
			cfg := oauthTestConfig(s, false)
			for i, st := range tt.steps {
				if st.revokeBefore {
					s.Revoke("user@example.com")
				}
				tok := oauthConnect(t, cfg, st.opts...)
				assert.Equal(t, st.wantRefresh, tok.RefreshToken != "", "step %d", i)
			}
		})
	}
}

func TestOAuthServer_MicrosoftRefreshTokenIssuance(t *testing.T) {
	tests := []struct {
		name        string
		scopes      []string
		wantRefresh bool
	}{
		{"with offline_access", []string{"offline_access", "Mail.Read"}, true},
		{"without offline_access", []string{"Mail.Read", "User.Read"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestOAuthServer(t)
			cfg := oauthTestConfig(s, true)
			cfg.Scopes = tt.scopes
			for i := range 2 { // a second consent changes nothing
				tok := oauthConnect(t, cfg)
				assert.Equal(t, tt.wantRefresh, tok.RefreshToken != "", "consent %d", i)
			}
		})
	}
}

func TestOAuthServer_NewGrantSupersedesNothing(t *testing.T) {
	for _, fc := range oauthFlavorCases() {
		t.Run(fc.name, func(t *testing.T) {
			s := newTestOAuthServer(t)
			cfg := oauthTestConfig(s, fc.microsoft)
			first := oauthConnect(t, cfg, oauthOfflineOptions(fc.microsoft)...)
			second := oauthConnect(t, cfg, oauthOfflineOptions(fc.microsoft)...)
			require.NotEqual(t, first.RefreshToken, second.RefreshToken)

			for _, rt := range []string{first.RefreshToken, second.RefreshToken} {
				_, err := oauthRefresh(t, cfg, rt)
				assert.NoError(t, err)
			}
			assert.Equal(t, second.RefreshToken, s.RefreshToken("user@example.com"))
			_, ok := s.Authenticate(first.AccessToken)
			assert.True(t, ok)
		})
	}
}
