package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/sqlstore"
)

// BenchmarkStore16Managers measures store operations per second with 16
// Managers, each with a Store and a pool of two connections of its own, on
// one database, all working at once. Each does what a Manager does most, in
// turn: read an account, swap its token, save its sync cursor, and claim an
// OAuth state nonce, on four accounts of its own. It reports ops/s, every
// call counted once, and the share of token swaps that conflicted.
func BenchmarkStore16Managers(b *testing.B) {
	const managers, accountsEach = 16, 4
	ctx := context.Background()
	d := newDB(b)
	stores := make([]*sqlstore.Store, managers)
	for i := range stores {
		stores[i] = d.open(2)
		for j := range accountsEach {
			id := fmt.Sprintf("acct-%d-%d", i, j)
			require.NoError(b, stores[i].CreateAccount(ctx,
				account(id, fmt.Sprintf("user-%d", i), id+"@example.com")))
		}
	}

	var next, conflicts, swaps atomic.Int64
	failures := make([]error, managers)
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := range managers {
		wg.Go(func() {
			s := stores[w]
			versions := make([]int64, accountsEach)
			for i := 0; next.Add(1) <= int64(b.N); i++ {
				k := i / 4 % accountsEach
				id := fmt.Sprintf("acct-%d-%d", w, k)
				var err error
				switch i % 4 {
				case 0:
					var a *mailmanager.StoredAccount
					if a, err = s.Account(ctx, id); err == nil {
						versions[k] = a.TokenVersion
					}
				case 1:
					swaps.Add(1)
					var v int64
					v, err = s.UpdateToken(ctx, id, versions[k], []byte("sealed-token"))
					if errors.Is(err, mailmanager.ErrConflict) {
						conflicts.Add(1)
						err = nil
					}
					versions[k] = v
				case 2:
					err = s.UpdateCursor(ctx, id, fmt.Sprintf("cursor-%d", i))
				case 3:
					err = s.ClaimNonce(ctx, fmt.Sprintf("nonce-%d-%d", w, i), time.Now().Add(time.Hour))
				}
				if err != nil {
					failures[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	require.NoError(b, errors.Join(failures...))
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	if swaps.Load() > 0 {
		b.ReportMetric(float64(conflicts.Load())/float64(swaps.Load()), "conflicts/swap")
	}
}
