package sqlstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest"
)

// TestManagers_RotatingRefreshAcrossInstances has three Managers, each
// with a pool of its own on one database, refresh a token whose refresh
// token rotates at every use, all three at once, round after round. The
// compare-and-swap in the database must keep every rotation: no Manager may
// be left with a refresh token the provider no longer takes.
func TestManagers_RotatingRefreshAcrossInstances(t *testing.T) {
	rounds := 1000
	if testing.Short() {
		rounds = 100
	}
	const address = "alice@example.com"
	oauth := mailtest.NewOAuthServer()
	t.Cleanup(oauth.Close)
	oauth.SetDefaultAddress(address)
	clk := &clock{now: time.Now()}
	h := newHost(t, oauth, mailmanager.Config{
		Providers: []mailmanager.Provider{&mailtest.Provider{ProviderName: "gmail", Server: oauth}},
		Now:       clk.Now,
	})
	managers := []*mailmanager.Manager{h.newManager(nil), h.newManager(nil), h.newManager(nil)}
	id := h.connect(managers[0], "u1", "gmail", address)
	oauth.SetRotation(true)
	ctx := context.Background()

	for round := range rounds {
		clk.Advance(2 * time.Hour)
		errs := make([]error, len(managers))
		var wg sync.WaitGroup
		for i, m := range managers {
			wg.Go(func() { _, errs[i] = m.Token(ctx, id) })
		}
		wg.Wait()
		for i, err := range errs {
			require.NoError(t, err, "round %d, manager %d", round, i)
		}
	}

	current := oauth.RefreshToken(address)
	require.NotEmpty(t, current)
	var seen []string
	for i, m := range managers {
		tok, err := m.Token(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, current, tok.RefreshToken, "manager %d ends with the newest refresh token", i)
		seen = append(seen, tok.AccessToken)
	}
	a, err := managers[0].Account(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, mailmanager.StatusActive, a.Status)
	assert.GreaterOrEqual(t, a.TokenVersion, int64(rounds), "a refresh per round at least")

	// The stored token still refreshes at the provider, from every Manager.
	for i, m := range managers {
		clk.Advance(2 * time.Hour)
		tok, err := m.Token(ctx, id)
		require.NoError(t, err, "refresh by manager %d after the race", i)
		seen = append(seen, tok.AccessToken, tok.RefreshToken)
	}
	h.assertNoSecretLogged(append(seen, current)...)
	t.Logf("%d rounds: token version %d, %s", rounds, a.TokenVersion,
		fmt.Sprintf("%d token requests", oauth.Stats().TokenRequests))
}
