package outlook_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/oauth2"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/outlook"
)

func TestProvider_Config(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cfg      outlook.Config
		authURL  string
		tokenURL string
		scopes   []string
	}{
		{"zero", outlook.Config{},
			"https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
			"https://login.microsoftonline.com/common/oauth2/v2.0/token",
			[]string{"offline_access", "User.Read", "Mail.ReadWrite", "Mail.Send"}},
		{"tenant", outlook.Config{Tenant: "contoso.onmicrosoft.com"},
			"https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize",
			"https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
			[]string{"offline_access", "User.Read", "Mail.ReadWrite", "Mail.Send"}},
		{"own endpoint and scopes", outlook.Config{
			Endpoint: oauth2.Endpoint{
				AuthURL: "http://127.0.0.1/a", TokenURL: "http://127.0.0.1/t",
			},
			Scopes: []string{"Mail.Read"},
		}, "http://127.0.0.1/a", "http://127.0.0.1/t", []string{"Mail.Read"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := outlook.New(tc.cfg)

			assert.Equal(t, "outlook", p.Name())
			assert.Equal(t, tc.authURL, p.Endpoint().AuthURL)
			assert.Equal(t, tc.tokenURL, p.Endpoint().TokenURL)
			assert.Equal(t, tc.scopes, p.Scopes())
			assert.Empty(t, p.AuthCodeOptions())
		})
	}
}

func TestProvider_ScopesAreCopies(t *testing.T) {
	scopes := []string{"Mail.Read"}
	p := outlook.New(outlook.Config{Scopes: scopes})

	scopes[0] = "changed"
	got := p.Scopes()
	got[0] = "changed too"

	assert.Equal(t, []string{"Mail.Read"}, p.Scopes())
}

var (
	_ mailmanager.Provider = (*outlook.Provider)(nil)
	_ mailmanager.Drafter  = (*outlook.Mailbox)(nil)
)
