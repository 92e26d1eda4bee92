package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
)

// TestQuotaStore checks that a store's quota budgets keep the contract
// documented on mailmanager.QuotaStore. newStore returns a new, empty store
// each call, as for TestTokenStore; the test fails if it does not implement
// QuotaStore.
//
// Most budgets have a window of an hour, so nothing leaves them during the
// test; the one that slides waits as long as the store says, so clock skew
// between the test and a shared store does not matter.
func TestQuotaStore(t *testing.T, newStore func(t *testing.T) mailmanager.TokenStore) {
	tests := []struct {
		name string
		run  func(*testing.T, newStoreFunc)
	}{
		{"Spend", testQuotaSpend},
		{"KeysIndependent", testQuotaKeys},
		{"WaitFreesEnough", testQuotaWait},
		{"WindowSlides", testQuotaSlides},
		{"Race", testQuotaRace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, newStore) })
	}
}

// quotaWindow is the window of budgets from which nothing leaves during a
// test.
const quotaWindow = time.Hour

// quotaStore returns a new store as a QuotaStore.
func quotaStore(t *testing.T, newStore newStoreFunc) mailmanager.QuotaStore {
	t.Helper()
	s := newStore(t)
	q, ok := s.(mailmanager.QuotaStore)
	require.True(t, ok, "%T does not implement mailmanager.QuotaStore", s)
	return q
}

// testQuotaSpend runs sequences of spendings from a budget of 10 units,
// each on a new store: spendings are granted up to the limit, a refused one
// waits for more than zero and at most the window, and records nothing.
func testQuotaSpend(t *testing.T, newStore newStoreFunc) {
	const limit = 10
	tests := []struct {
		name    string
		units   []int
		granted []bool
	}{
		{"up to the limit", []int{3, 3, 4, 1}, []bool{true, true, true, false}},
		{"the whole budget at once", []int{10, 1}, []bool{true, false}},
		{"a refused spending records nothing", []int{6, 5, 4, 1}, []bool{true, false, true, false}},
		{"refused until it fits", []int{9, 2, 2, 1, 1}, []bool{true, false, false, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			q := quotaStore(t, newStore)
			for i, units := range tt.units {
				wait, err := q.SpendQuota(ctx, "quota/acct-1", units, limit, quotaWindow)
				require.NoError(t, err, "spending %d of %d units", i, units)
				if tt.granted[i] {
					assert.Zero(t, wait, "spending %d of %d units is granted", i, units)
					continue
				}
				assert.Positive(t, wait, "spending %d of %d units waits", i, units)
				assert.LessOrEqual(t, wait, quotaWindow, "spending %d of %d units", i, units)
			}
		})
	}
}

// testQuotaKeys checks that budgets of different keys do not meet.
func testQuotaKeys(t *testing.T, newStore newStoreFunc) {
	ctx := t.Context()
	q := quotaStore(t, newStore)

	wait, err := q.SpendQuota(ctx, "quota/acct-1", 10, 10, quotaWindow)
	require.NoError(t, err)
	require.Zero(t, wait)
	wait, err = q.SpendQuota(ctx, "quota/acct-2", 10, 10, quotaWindow)
	require.NoError(t, err)
	assert.Zero(t, wait, "another key has its own budget")
	for _, key := range []string{"quota/acct-1", "quota/acct-2"} {
		wait, err = q.SpendQuota(ctx, key, 1, 10, quotaWindow)
		require.NoError(t, err)
		assert.Positive(t, wait, "%s is spent", key)
	}
}

// testQuotaWait checks that a refused spending waits for as many of the
// oldest spendings to leave as it needs: a larger one waits longer.
func testQuotaWait(t *testing.T, newStore newStoreFunc) {
	ctx := t.Context()
	q := quotaStore(t, newStore)
	const key, limit = "quota/acct-1", 10

	wait, err := q.SpendQuota(ctx, key, 4, limit, quotaWindow)
	require.NoError(t, err)
	require.Zero(t, wait)
	time.Sleep(5 * time.Millisecond) // so the spendings' times differ
	wait, err = q.SpendQuota(ctx, key, 6, limit, quotaWindow)
	require.NoError(t, err)
	require.Zero(t, wait)

	// 5 units need both spendings gone, 4 only the first.
	waitBoth, err := q.SpendQuota(ctx, key, 5, limit, quotaWindow)
	require.NoError(t, err)
	waitFirst, err := q.SpendQuota(ctx, key, 4, limit, quotaWindow)
	require.NoError(t, err)
	assert.Positive(t, waitFirst)
	assert.Greater(t, waitBoth, waitFirst, "a spending that needs more room waits longer")
	assert.LessOrEqual(t, waitBoth, quotaWindow)
}

// testQuotaSlides checks that a refused spending is granted once it has
// waited as long as the store said.
func testQuotaSlides(t *testing.T, newStore newStoreFunc) {
	ctx := t.Context()
	q := quotaStore(t, newStore)
	const key, limit, window = "quota/acct-1", 10, 200 * time.Millisecond

	wait, err := q.SpendQuota(ctx, key, limit, limit, window)
	require.NoError(t, err)
	require.Zero(t, wait)
	wait, err = q.SpendQuota(ctx, key, 5, limit, window)
	require.NoError(t, err)
	require.Positive(t, wait, "the budget is spent")
	require.LessOrEqual(t, wait, window)

	time.Sleep(wait)
	for i := range 2 {
		wait, err = q.SpendQuota(ctx, key, 5, limit, window)
		require.NoError(t, err)
		assert.Zero(t, wait, "spending %d after the wait", i)
	}
	wait, err = q.SpendQuota(ctx, key, 1, limit, window)
	require.NoError(t, err)
	assert.Positive(t, wait, "the new window is spent")
}

// testQuotaRace has many spenders take one unit at a time from one budget
// at once: exactly the limit is granted, and every refusal waits.
func testQuotaRace(t *testing.T, newStore newStoreFunc) {
	const workers, tries, limit = 20, 8, 50
	ctx := t.Context()
	q := quotaStore(t, newStore)

	granted := make([]int, workers)
	failures := make([]error, workers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			<-start
			for range tries {
				wait, err := q.SpendQuota(ctx, "quota/acct-1", 1, limit, quotaWindow)
				switch {
				case err != nil:
					failures[w] = err
					return
				case wait == 0:
					granted[w]++
				case wait < 0 || wait > quotaWindow:
					failures[w] = errors.New("wait out of range: " + wait.String())
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	require.NoError(t, errors.Join(failures...))

	total := 0
	for _, n := range granted {
		total += n
	}
	assert.Equal(t, limit, total, "units granted to %d spenders of %d tries", workers, tries)
}
