package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
)

// TestLeaser checks that a store's leases keep the contract documented on
// mailmanager.Leaser. newStore returns a new, empty store each call, as for
// TestTokenStore; the test fails if it does not implement Leaser.
//
// Leases that must stay live last an hour and leases that must expire last
// a few milliseconds, and the test waits for the latter to pass, so clock
// skew between the test and a shared store does not matter.
func TestLeaser(t *testing.T, newStore func(t *testing.T) mailmanager.TokenStore) {
	tests := []struct {
		name string
		run  func(*testing.T, newStoreFunc)
	}{
		{"Grant", testLeaseGrant},
		{"Renew", testLeaseRenew},
		{"Expiry", testLeaseExpiry},
		{"Release", testLeaseRelease},
		{"Invalid", testLeaseInvalid},
		{"Race", testLeaseRace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, newStore) })
	}
}

// Durations of leases that must stay live and of leases that must expire.
const (
	leaseLive  = time.Hour
	leaseBrief = 5 * time.Millisecond
)

// leaser returns a new store as a Leaser.
func leaser(t *testing.T, newStore newStoreFunc) mailmanager.Leaser {
	t.Helper()
	s := newStore(t)
	l, ok := s.(mailmanager.Leaser)
	require.True(t, ok, "%T does not implement mailmanager.Leaser", s)
	return l
}

// outlive sleeps until a lease granted for leaseBrief before the call has
// expired, with room for clock granularity.
func outlive() { time.Sleep(4 * leaseBrief) }

// testLeaseGrant checks that a free lease is granted, that another holder
// is refused while it lasts, and that keys are independent.
func testLeaseGrant(t *testing.T, newStore newStoreFunc) {
	ctx := t.Context()
	l := leaser(t, newStore)

	require.NoError(t, l.AcquireLease(ctx, "sync/acct-1", "holder-a", leaseLive), "free lease")
	err := l.AcquireLease(ctx, "sync/acct-1", "holder-b", leaseLive)
	assert.ErrorIs(t, err, mailmanager.ErrConflict, "lease held by another")
	assert.NoError(t, l.AcquireLease(ctx, "sync/acct-2", "holder-b", leaseLive), "another key")
	err = l.AcquireLease(ctx, "sync/acct-2", "holder-a", leaseLive)
	assert.ErrorIs(t, err, mailmanager.ErrConflict, "the other key is held too")
}

// testLeaseRenew checks that the holder renews its lease, and that a
// renewal sets the expiry anew, both longer and shorter.
func testLeaseRenew(t *testing.T, newStore newStoreFunc) {
	ctx := t.Context()
	l := leaser(t, newStore)

	require.NoError(t, l.AcquireLease(ctx, "k", "holder-a", leaseBrief))
	require.NoError(t, l.AcquireLease(ctx, "k", "holder-a", leaseLive), "renewal")
	outlive()
	err := l.AcquireLease(ctx, "k", "holder-b", leaseLive)
	assert.ErrorIs(t, err, mailmanager.ErrConflict, "the renewal outlasts the first grant")

	require.NoError(t, l.AcquireLease(ctx, "k", "holder-a", leaseBrief), "renewal shortens it")
	outlive()
	assert.NoError(t, l.AcquireLease(ctx, "k", "holder-b", leaseLive), "after the short renewal")
}

// testLeaseExpiry checks that an expired lease goes to another holder, and
// that its former holder can then neither renew nor release it.
func testLeaseExpiry(t *testing.T, newStore newStoreFunc) {
	ctx := t.Context()
	l := leaser(t, newStore)

	require.NoError(t, l.AcquireLease(ctx, "k", "holder-a", leaseBrief))
	outlive()
	require.NoError(t, l.AcquireLease(ctx, "k", "holder-b", leaseLive), "expired lease")

	err := l.AcquireLease(ctx, "k", "holder-a", leaseLive)
	assert.ErrorIs(t, err, mailmanager.ErrConflict, "the former holder cannot renew")
	require.NoError(t, l.ReleaseLease(ctx, "k", "holder-a"), "a release by the former holder")
	err = l.AcquireLease(ctx, "k", "holder-c", leaseLive)
	assert.ErrorIs(t, err, mailmanager.ErrConflict, "the release by the former holder did nothing")
}

// testLeaseRelease checks that a release by the holder frees the lease and
// that a release by anyone else, or of a lease nobody holds, does nothing.
func testLeaseRelease(t *testing.T, newStore newStoreFunc) {
	ctx := t.Context()
	l := leaser(t, newStore)

	require.NoError(t, l.ReleaseLease(ctx, "k", "holder-a"), "release of a free lease")
	require.NoError(t, l.AcquireLease(ctx, "k", "holder-a", leaseLive))
	require.NoError(t, l.ReleaseLease(ctx, "k", "holder-b"), "release by another")
	err := l.AcquireLease(ctx, "k", "holder-c", leaseLive)
	assert.ErrorIs(t, err, mailmanager.ErrConflict, "a release by another does nothing")

	require.NoError(t, l.ReleaseLease(ctx, "k", "holder-a"), "release by the holder")
	assert.NoError(t, l.AcquireLease(ctx, "k", "holder-c", leaseLive), "after the release")
	require.NoError(t, l.ReleaseLease(ctx, "k", "holder-a"), "second release by the first holder")
	err = l.AcquireLease(ctx, "k", "holder-d", leaseLive)
	assert.ErrorIs(t, err, mailmanager.ErrConflict, "the second release did nothing")
}

// testLeaseInvalid checks that an empty holder and a non-positive duration
// are refused without granting anything.
func testLeaseInvalid(t *testing.T, newStore newStoreFunc) {
	tests := []struct {
		name   string
		holder string
		ttl    time.Duration
	}{
		{"empty holder", "", leaseLive},
		{"zero duration", "holder-a", 0},
		{"negative duration", "holder-a", -time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			l := leaser(t, newStore)
			err := l.AcquireLease(ctx, "k", tt.holder, tt.ttl)
			require.Error(t, err)
			assert.NotErrorIs(t, err, mailmanager.ErrConflict)
			assert.NoError(t, l.AcquireLease(ctx, "k", "holder-b", leaseLive), "nothing was granted")
		})
	}
}

// testLeaseRace has many holders ask for each of a few leases at once:
// exactly one of them must get each.
func testLeaseRace(t *testing.T, newStore newStoreFunc) {
	const workers, keys = 30, 10
	ctx := t.Context()
	l := leaser(t, newStore)

	wins := make([][]string, workers) // keys won, by worker
	failures := make([]error, workers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			<-start
			holder := fmt.Sprintf("holder-%d", w)
			for k := range keys {
				key := fmt.Sprintf("sync/acct-%d", k)
				err := l.AcquireLease(ctx, key, holder, leaseLive)
				switch {
				case err == nil:
					wins[w] = append(wins[w], key)
				case !errors.Is(err, mailmanager.ErrConflict):
					failures[w] = err
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	require.NoError(t, errors.Join(failures...), "an acquire may only win or conflict")

	winners := make(map[string][]int)
	for w, won := range wins {
		for _, key := range won {
			winners[key] = append(winners[key], w)
		}
	}
	for k := range keys {
		key := fmt.Sprintf("sync/acct-%d", k)
		if assert.Len(t, winners[key], 1, "holders granted %s", key) {
			// The winner holds it: it renews, and others are refused.
			holder := fmt.Sprintf("holder-%d", winners[key][0])
			assert.NoError(t, l.AcquireLease(ctx, key, holder, leaseLive), "renewal by the winner")
			err := l.AcquireLease(ctx, key, "latecomer", leaseLive)
			assert.ErrorIs(t, err, mailmanager.ErrConflict, "%s after the race", key)
		}
	}
}
