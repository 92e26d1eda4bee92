package mailmanager_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest"
	"github.com/mailmanager/mailmanager/memstore"
)

func TestNew_ValidatesConfig(t *testing.T) {
	valid := func() mailmanager.Config {
		return mailmanager.Config{
			Store:       memstore.New(),
			Providers:   []mailmanager.Provider{&mailtest.Provider{ProviderName: "gmail"}},
			Key:         bytes.Repeat([]byte{1}, 32),
			BaseURL:     "https://app.example.com",
			CurrentUser: userFromHeader,
		}
	}
	cases := []struct {
		name   string
		change func(c *mailmanager.Config)
		want   string
	}{
		{"missing store", func(c *mailmanager.Config) { c.Store = nil }, "Store is required"},
		{"short key", func(c *mailmanager.Config) { c.Key = make([]byte, 31) }, "at least 32"},
		{"short previous key", func(c *mailmanager.Config) { c.PreviousKeys = [][]byte{{1}} }, "at least 32"},
		{"duplicate provider", func(c *mailmanager.Config) {
			c.Providers = append(c.Providers, &mailtest.Provider{ProviderName: "gmail"})
		}, `duplicate provider "gmail"`},
		{"bad provider name", func(c *mailmanager.Config) {
			c.Providers = []mailmanager.Provider{&mailtest.Provider{ProviderName: "a/b"}}
		}, "invalid provider name"},
		{"relative base URL", func(c *mailmanager.Config) { c.BaseURL = "/app" }, "BaseURL"},
		{"missing current user", func(c *mailmanager.Config) { c.CurrentUser = nil }, "CurrentUser is required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.change(&c)
			m, err := mailmanager.New(c)
			assert.Nil(t, m)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), "mailmanager: config")
		})
	}

	m, err := mailmanager.New(valid())
	require.NoError(t, err)
	assert.Equal(t, []string{"gmail"}, m.Providers())
	assert.Equal(t, "https://app.example.com/oauth/callback/gmail", m.RedirectURI("gmail"))
}

func TestManager_RedirectURIUsesBaseAndCallbackPath(t *testing.T) {
	m, err := mailmanager.New(mailmanager.Config{
		Store:        memstore.New(),
		Providers:    []mailmanager.Provider{&mailtest.Provider{ProviderName: "outlook"}},
		Key:          bytes.Repeat([]byte{1}, 32),
		BaseURL:      "https://example.com/app/",
		CallbackPath: "auth/return/",
		CurrentUser:  userFromHeader,
	})
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/app/auth/return/outlook", m.RedirectURI("outlook"))
}

func TestSettings_PersistRedactedAndShared(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	fresh := newBareStore()
	e.config.Store = fresh
	m := e.newManager()

	ps, err := m.Settings(ctx, "gmail")
	require.NoError(t, err)
	assert.False(t, ps.Configured)
	assert.Empty(t, ps.ClientSecret)
	assert.Equal(t, e.app.URL+"/oauth/callback/gmail", ps.RedirectURI)

	require.NoError(t, m.SaveCredentials(ctx, "gmail",
		mailmanager.Credentials{ClientID: " id-1 ", ClientSecret: "secret-one"}))
	noteSecret("secret-one")

	// Another process sharing the store sees them at once.
	other := e.newManager()
	ps, err = other.Settings(ctx, "gmail")
	require.NoError(t, err)
	assert.True(t, ps.Configured)
	assert.Equal(t, "id-1", ps.ClientID)
	assert.NotEmpty(t, ps.ClientSecret)
	assert.NotContains(t, ps.ClientSecret, "secret")
	assert.NotContains(t, string(fresh.Dump()), "secret-one")

	// A blank secret keeps the stored one.
	require.NoError(t, other.SaveCredentials(ctx, "gmail", mailmanager.Credentials{ClientID: "id-2"}))
	ps, err = m.Settings(ctx, "gmail")
	require.NoError(t, err)
	assert.True(t, ps.Configured)
	assert.Equal(t, "id-2", ps.ClientID)

	_, err = m.Settings(ctx, "yahoo")
	assert.ErrorIs(t, err, mailmanager.ErrNotFound)
	err = m.SaveCredentials(ctx, "gmail", mailmanager.Credentials{ClientID: ""})
	assert.ErrorContains(t, err, "client ID is empty")
	err = m.SaveCredentials(ctx, "gmail", mailmanager.Credentials{ClientID: "a\r\nb", ClientSecret: "x"})
	assert.ErrorContains(t, err, "line break")
}

func TestCredentials_PrintRedacted(t *testing.T) {
	c := mailmanager.Credentials{ClientID: "id", ClientSecret: "hunter2-secret"}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
		assert.NotContains(t, s, "hunter2")
		assert.Contains(t, s, "id")
	}
}

func TestManager_DisconnectRevokesAndDeletes(t *testing.T) {
	e := newEnv(t)
	e.connect("u1", "gmail", "")
	a := e.onlyAccount("u1")
	ctx := context.Background()

	require.NoError(t, e.m.Disconnect(ctx, a.ID))

	assert.Equal(t, 1, e.oauth.Stats().Revocations)
	_, err := e.m.Account(ctx, a.ID)
	assert.ErrorIs(t, err, mailmanager.ErrNotFound)
	assert.ErrorIs(t, e.m.Disconnect(ctx, a.ID), mailmanager.ErrNotFound)
	resp, err := e.m.Client(a.ID).Get(e.oauth.UserinfoURL())
	if err == nil {
		resp.Body.Close()
	}
	assert.ErrorIs(t, err, mailmanager.ErrNotFound)
}

func TestManager_DisconnectWithoutRevoker(t *testing.T) {
	e := newEnv(t)
	e.connect("u1", "outlook", "")
	a := e.onlyAccount("u1")
	require.NoError(t, e.m.Disconnect(context.Background(), a.ID))
	accts, err := e.m.Accounts(context.Background(), "u1")
	require.NoError(t, err)
	assert.Empty(t, accts)
}

func TestErrorText_NeverQuotesTheError(t *testing.T) {
	err := fmt.Errorf("mailmanager: secret detail: %w", mailmanager.ErrStateInvalid)
	text := mailmanager.ErrorText(err)
	assert.NotContains(t, text, "secret detail")
	assert.NotEmpty(t, mailmanager.ErrorText(fmt.Errorf("other")))
}
