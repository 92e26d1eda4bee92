package mailtest

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// consentPage is the interactive page as a test reads it.
type consentPage struct {
	status int
	body   string
	action string // path the form posts to
	id     string // the consent field
	state  string
}

var (
	consentActionRE = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	consentIDRE     = regexp.MustCompile(`name="consent" value="([^"]+)"`)
)

// openConsent requests the consent page of cfg.
func openConsent(t *testing.T, cfg *oauth2.Config, verifier string,
	opts ...oauth2.AuthCodeOption) consentPage {
	t.Helper()
	state := "state-" + oauthRandom(8)
	opts = append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, opts...)
	resp, err := stopAtRedirect(cfg.RedirectURL).Get(cfg.AuthCodeURL(state, opts...))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	p := consentPage{status: resp.StatusCode, body: string(b), state: state}
	if m := consentActionRE.FindStringSubmatch(p.body); m != nil {
		p.action = m[1]
	}
	if m := consentIDRE.FindStringSubmatch(p.body); m != nil {
		p.id = m[1]
	}
	return p
}

// answerConsent posts the consent form and returns the answer; it does not
// follow a redirect to the app.
func answerConsent(t *testing.T, s *OAuthServer, action string, form url.Values) *http.Response {
	t.Helper()
	resp, err := stopAtRedirect(oauthTestRedirect).PostForm(s.URL()+action, form)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestOAuthServer_InteractivePageRenders(t *testing.T) {
	for _, fc := range oauthFlavorCases() {
		t.Run(fc.name, func(t *testing.T) {
			s := newTestOAuthServer(t)
			s.SetInteractive(true)
			s.SetDefaultAddress("Default.User@example.com")
			cfg := oauthTestConfig(s, fc.microsoft)

			page := openConsent(t, cfg, oauth2.GenerateVerifier())

			brand := "Fake Google"
			if fc.microsoft {
				brand = "Fake Microsoft"
			}
			assert.Equal(t, http.StatusOK, page.status)
			assert.Contains(t, page.body, "<title>Sign in - "+brand+"</title>")
			assert.Contains(t, page.body, "<code>"+oauthTestClient+"</code>")
			for _, sc := range cfg.Scopes {
				assert.Contains(t, page.body, "<li><code>"+sc+"</code></li>")
			}
			assert.Contains(t, page.body, `value="default.user@example.com"`)
			assert.Contains(t, page.body, `value="allow"`)
			assert.Contains(t, page.body, `value="deny"`)
			assert.NotContains(t, page.body, "<script")
			assert.Equal(t, cfg.Endpoint.AuthURL, s.URL()+page.action)
			assert.NotEmpty(t, page.id)
			assert.Zero(t, s.Stats().Authorizations)
		})
	}
}

func TestOAuthServer_InteractivePagePrefillsLoginHint(t *testing.T) {
	s := newTestOAuthServer(t)
	s.SetInteractive(true)

	page := openConsent(t, oauthTestConfig(s, false), oauth2.GenerateVerifier(),
		oauth2.SetAuthURLParam("login_hint", "hint@example.com"))

	assert.Contains(t, page.body, `value="hint@example.com"`)
}

func TestOAuthServer_InteractiveConsent(t *testing.T) {
	tests := []struct {
		name      string
		decision  string
		address   string
		wantError string
		wantAddr  string // the mailbox the token is for
	}{
		{"deny", "deny", "", "access_denied", ""},
		{"allow as typed address", "allow", " Bob@Example.com ", "", "bob@example.com"},
		{"allow as declining address", "allow", "eve@example.com", "access_denied", ""},
	}
	for _, fc := range oauthFlavorCases() {
		for _, tt := range tests {
			t.Run(fc.name+"/"+tt.name, func(t *testing.T) {
				s := newTestOAuthServer(t)
				s.SetInteractive(true)
				s.DenyAddress("Eve@example.com")
				cfg := oauthTestConfig(s, fc.microsoft)
				verifier := oauth2.GenerateVerifier()
				page := openConsent(t, cfg, verifier)
				require.NotEmpty(t, page.id)

				resp := answerConsent(t, s, page.action, url.Values{"consent": {page.id},
					"decision": {tt.decision}, "address": {tt.address}})

				require.Equal(t, http.StatusFound, resp.StatusCode)
				loc, err := resp.Location()
				require.NoError(t, err)
				q := loc.Query()
				assert.Equal(t, page.state, q.Get("state"))
				assert.Equal(t, tt.wantError, q.Get("error"))
				if tt.wantError != "" {
					assert.Empty(t, q.Get("code"))
					assert.Equal(t, 1, s.Stats().Denials)
					if fc.microsoft {
						assert.Contains(t, q.Get("error_description"), "AADSTS65004")
					}
					return
				}
				tok, err := cfg.Exchange(t.Context(), q.Get("code"),
					oauth2.VerifierOption(verifier))
				require.NoError(t, err)
				addr, ok := s.Authenticate(tok.AccessToken)
				assert.True(t, ok)
				assert.Equal(t, tt.wantAddr, addr)
			})
		}
	}
}

func TestOAuthServer_InteractiveConsentRefuses(t *testing.T) {
	tests := []struct {
		name   string
		answer func(t *testing.T, s *OAuthServer, p consentPage) *http.Response
	}{
		{"answered twice", func(t *testing.T, s *OAuthServer, p consentPage) *http.Response {
			form := url.Values{"consent": {p.id}, "decision": {"deny"}}
			require.Equal(t, http.StatusFound, answerConsent(t, s, p.action, form).StatusCode)
			return answerConsent(t, s, p.action, form)
		}},
		{"unknown consent", func(t *testing.T, s *OAuthServer, p consentPage) *http.Response {
			form := url.Values{"consent": {"made-up"}, "decision": {"allow"},
				"address": {"a@example.com"}}
			return answerConsent(t, s, p.action, form)
		}},
		{"other flavor", func(t *testing.T, s *OAuthServer, p consentPage) *http.Response {
			form := url.Values{"consent": {p.id}, "decision": {"allow"},
				"address": {"a@example.com"}}
			return answerConsent(t, s, "/microsoft/common/oauth2/v2.0/authorize", form)
		}},
		{"no decision", func(t *testing.T, s *OAuthServer, p consentPage) *http.Response {
			return answerConsent(t, s, p.action, url.Values{"consent": {p.id}})
		}},
		{"expired", func(t *testing.T, s *OAuthServer, p consentPage) *http.Response {
			later := time.Now().Add(consentTTL + time.Minute)
			s.SetClock(func() time.Time { return later })
			form := url.Values{"consent": {p.id}, "decision": {"allow"},
				"address": {"a@example.com"}}
			return answerConsent(t, s, p.action, form)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestOAuthServer(t)
			s.SetInteractive(true)
			page := openConsent(t, oauthTestConfig(s, false), oauth2.GenerateVerifier())
			require.NotEmpty(t, page.id)

			resp := tt.answer(t, s, page)

			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Empty(t, resp.Header.Get("Location"))
			assert.Zero(t, s.Stats().Authorizations)
		})
	}
}

func TestOAuthServer_InteractiveConsentAsksAgainForBadAddress(t *testing.T) {
	s := newTestOAuthServer(t)
	s.SetInteractive(true)
	page := openConsent(t, oauthTestConfig(s, true), oauth2.GenerateVerifier())
	require.NotEmpty(t, page.id)

	resp := answerConsent(t, s, page.action, url.Values{"consent": {page.id},
		"decision": {"allow"}, "address": {"not an address"}})
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)

	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, string(b), `role="alert"`)
	assert.Contains(t, string(b), `value="not an address"`)
	again := answerConsent(t, s, page.action, url.Values{"consent": {page.id},
		"decision": {"allow"}, "address": {"ok@example.com"}})
	assert.Equal(t, http.StatusFound, again.StatusCode, "the same consent can be answered again")
}

func TestOAuthServer_DenyAddressAutoConsent(t *testing.T) {
	s := newTestOAuthServer(t)
	s.DenyAddress("eve@example.com")
	cfg := oauthTestConfig(s, false)

	denied := oauthAuthorize(t, cfg, oauth2.GenerateVerifier(),
		oauth2.SetAuthURLParam("login_hint", "EVE@example.com"))
	allowed := oauthAuthorize(t, cfg, oauth2.GenerateVerifier())

	assert.Equal(t, "access_denied", denied.Get("error"))
	assert.Empty(t, denied.Get("code"))
	assert.NotEmpty(t, allowed.Get("code"), "the default address still consents")
	st := s.Stats()
	assert.Equal(t, 1, st.Denials)
	assert.Equal(t, 1, st.Authorizations)
}
