package mailtest

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/mailmanager/mailmanager"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// testProviderConfig returns the test client's config built from p, the way
// the Manager builds it.
func testProviderConfig(p *Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     oauthTestClient,
		ClientSecret: oauthTestSecret,
		RedirectURL:  oauthTestRedirect,
		Endpoint:     p.Endpoint(),
		Scopes:       p.Scopes(),
	}
}

// openTestMailbox connects address through p and opens its mailbox.
func openTestMailbox(t *testing.T, p *Provider, address string) (*oauth2.Config, *oauth2.Token,
	mailmanager.Mailbox) {
	t.Helper()
	cfg := testProviderConfig(p)
	opts := append(p.AuthCodeOptions(), oauth2.SetAuthURLParam("login_hint", address))
	tok := oauthConnect(t, cfg, opts...)
	require.NotEmpty(t, tok.RefreshToken, "the provider's options get a refresh token")
	mb, err := p.Open(t.Context(), cfg.Client(t.Context(), tok))
	require.NoError(t, err)
	return cfg, tok, mb
}

func TestProvider_Metadata(t *testing.T) {
	s := newTestOAuthServer(t)
	tests := []struct {
		name         string
		p            *Provider
		wantName     string
		wantEndpoint oauth2.Endpoint
		wantScopes   []string
		wantParams   url.Values
	}{
		{"google", &Provider{Server: s}, "fakegoogle", s.GoogleEndpoint(),
			[]string{"openid", "email"},
			url.Values{"access_type": {"offline"}, "prompt": {"consent"}}},
		{"microsoft", &Provider{Server: s, Microsoft: true}, "fakemicrosoft",
			s.MicrosoftEndpoint("common"), []string{"offline_access", "User.Read"},
			url.Values{}},
		{"named", &Provider{ProviderName: "gmail", Server: s}, "gmail", s.GoogleEndpoint(),
			[]string{"openid", "email"},
			url.Values{"access_type": {"offline"}, "prompt": {"consent"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.wantName, tt.p.Name())
			assert.Equal(t, tt.wantEndpoint, tt.p.Endpoint())
			assert.Equal(t, tt.wantScopes, tt.p.Scopes())

			cfg := testProviderConfig(tt.p)
			u, err := url.Parse(cfg.AuthCodeURL("s", tt.p.AuthCodeOptions()...))
			require.NoError(t, err)
			got := url.Values{}
			for _, k := range []string{"access_type", "prompt"} {
				if v := u.Query().Get(k); v != "" {
					got.Set(k, v)
				}
			}
			assert.Equal(t, tt.wantParams, got)
		})
	}
}

func TestProvider_Profile(t *testing.T) {
	for _, fc := range oauthFlavorCases() {
		t.Run(fc.name, func(t *testing.T) {
			s := newTestOAuthServer(t)
			p := &Provider{Server: s, Microsoft: fc.microsoft}
			_, _, mb := openTestMailbox(t, p, "Ada.Lovelace@Example.COM")

			prof, err := mb.Profile(t.Context())

			require.NoError(t, err)
			assert.Equal(t, &mailmanager.Profile{Address: "ada.lovelace@example.com",
				Name: "Ada Lovelace"}, prof)
		})
	}
}

func TestProvider_ProfileRefreshesExpiredToken(t *testing.T) {
	s := newTestOAuthServer(t)
	p := &Provider{Server: s}
	cfg, tok, _ := openTestMailbox(t, p, "a@example.com")
	tok.Expiry = time.Now().Add(-time.Minute)
	mb, err := p.Open(t.Context(), cfg.Client(t.Context(), tok))
	require.NoError(t, err)

	prof, err := mb.Profile(t.Context())

	require.NoError(t, err)
	assert.Equal(t, "a@example.com", prof.Address)
	assert.Equal(t, 1, s.Stats().Refreshes)
}

func TestProvider_ProfileFails(t *testing.T) {
	tests := []struct {
		name  string
		spoil func(s *OAuthServer, tok *oauth2.Token)
		check func(t *testing.T, err error)
	}{
		{"access token refused", func(s *OAuthServer, _ *oauth2.Token) {
			s.ExpireAccessTokens()
		}, func(t *testing.T, err error) {
			var apiErr *mailmanager.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, http.StatusUnauthorized, apiErr.Status)
			assert.Equal(t, "invalid_token", apiErr.Code)
			assert.Equal(t, "fakegoogle", apiErr.Provider)
			assert.Equal(t, "userinfo", apiErr.Op)
		}},
		{"grant revoked before a refresh", func(s *OAuthServer, tok *oauth2.Token) {
			s.Revoke("a@example.com")
			tok.Expiry = time.Now().Add(-time.Minute)
		}, func(t *testing.T, err error) {
			var re *oauth2.RetrieveError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, "invalid_grant", re.ErrorCode)
		}},
		{"token endpoint down", func(s *OAuthServer, tok *oauth2.Token) {
			s.FailTokenRequests(2, http.StatusServiceUnavailable)
			tok.Expiry = time.Now().Add(-time.Minute)
		}, func(t *testing.T, err error) {
			var re *oauth2.RetrieveError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, http.StatusServiceUnavailable, re.Response.StatusCode)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestOAuthServer(t)
			p := &Provider{Server: s}
			cfg, tok, _ := openTestMailbox(t, p, "a@example.com")
			tt.spoil(s, tok)
			mb, err := p.Open(t.Context(), cfg.Client(t.Context(), tok))
			require.NoError(t, err)

			_, err = mb.Profile(t.Context())

			require.Error(t, err)
			tt.check(t, err)
			assert.NotContains(t, err.Error(), tok.AccessToken)
			assert.NotContains(t, err.Error(), tok.RefreshToken)
		})
	}
}

func TestProvider_OtherOperationsUnsupported(t *testing.T) {
	s := newTestOAuthServer(t)
	_, _, mb := openTestMailbox(t, &Provider{Server: s}, "a@example.com")
	ctx := t.Context()
	ops := map[string]func() error{
		"sync": func() error {
			return mb.Sync(ctx, "", mailmanager.SyncOptions{},
				func(context.Context, *mailmanager.Changes) error { return nil })
		},
		"message":    func() error { _, err := mb.Message(ctx, "m1"); return err },
		"attachment": func() error { _, err := mb.Attachment(ctx, "m1", "a1"); return err },
		"send": func() error {
			_, err := mb.Send(ctx, &mailmanager.Outgoing{Subject: "hi"})
			return err
		},
		"modify": func() error {
			return mb.Modify(ctx, []string{"m1"}, mailmanager.Modification{})
		},
		"folders": func() error { _, err := mb.Folders(ctx); return err },
	}
	for name, op := range ops {
		t.Run(name, func(t *testing.T) {
			err := op()
			assert.ErrorIs(t, err, errors.ErrUnsupported)
			assert.ErrorContains(t, err, "mailtest: "+name+" is not supported")
		})
	}
}

func TestProvider_OpenNeedsServerAndClient(t *testing.T) {
	s := newTestOAuthServer(t)
	_, err := (&Provider{}).Open(t.Context(), http.DefaultClient)
	assert.ErrorContains(t, err, "mailtest: open: ")
	_, err = (&Provider{Server: s}).Open(t.Context(), nil)
	assert.ErrorContains(t, err, "mailtest: open: ")
	assert.PanicsWithValue(t, "mailtest: Provider.Server is nil", func() {
		(&Provider{}).Endpoint()
	})
}

func TestProvider_Revoke(t *testing.T) {
	tests := []struct {
		name      string
		microsoft bool
		token     func(tok *oauth2.Token) *oauth2.Token
		wantDead  bool
	}{
		{"google refresh token", false,
			func(tok *oauth2.Token) *oauth2.Token { return tok }, true},
		{"google access token", false, func(tok *oauth2.Token) *oauth2.Token {
			return &oauth2.Token{AccessToken: tok.AccessToken}
		}, true},
		{"microsoft does nothing", true, func(tok *oauth2.Token) *oauth2.Token { return tok },
			false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestOAuthServer(t)
			p := &Provider{Server: s, Microsoft: tt.microsoft}
			cfg, tok, _ := openTestMailbox(t, p, "a@example.com")

			err := p.Revoke(t.Context(), nil, tt.token(tok))

			require.NoError(t, err)
			_, err = oauthRefresh(t, cfg, tok.RefreshToken)
			assert.Equal(t, tt.wantDead, err != nil)
			_, ok := s.Authenticate(tok.AccessToken)
			assert.Equal(t, !tt.wantDead, ok)
		})
	}
}

func TestProvider_RevokeFails(t *testing.T) {
	s := newTestOAuthServer(t)
	p := &Provider{Server: s}
	_, tok, _ := openTestMailbox(t, p, "a@example.com")
	require.NoError(t, p.Revoke(t.Context(), http.DefaultClient, tok))

	err := p.Revoke(t.Context(), http.DefaultClient, tok)

	var apiErr *mailmanager.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadRequest, apiErr.Status)
	assert.Equal(t, "invalid_token", apiErr.Code)
	assert.Equal(t, "revoke", apiErr.Op)
	assert.NotContains(t, err.Error(), tok.RefreshToken)
	assert.ErrorContains(t, p.Revoke(t.Context(), nil, &oauth2.Token{}), "mailtest: revoke: ")
	assert.ErrorContains(t, p.Revoke(t.Context(), nil, nil), "mailtest: revoke: ")
}
