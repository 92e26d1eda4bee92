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

// testClaimNonce runs sequences of claims, each on a new store. Expiry
// offsets are an hour, so clock skew between the test and a shared store
// does not matter.
func testClaimNonce(t *testing.T, newStore newStoreFunc) {
	type claim struct {
		nonce   string
		expires time.Duration // from now
		want    error
	}
	const live, expired = time.Hour, -time.Hour
	tests := []struct {
		name   string
		claims []claim
	}{
		{"second claim conflicts", []claim{
			{"n1", live, nil},
			{"n1", live, mailmanager.ErrConflict},
		}},
		{"nonces are independent", []claim{
			{"n1", live, nil},
			{"n2", live, nil},
			{"n1", live, mailmanager.ErrConflict},
			{"n2", live, mailmanager.ErrConflict},
		}},
		{"expired nonce may be claimed again", []claim{
			{"n1", expired, nil},
			{"n1", live, nil},
			{"n1", live, mailmanager.ErrConflict},
		}},
		{"refused claim keeps the expiry", []claim{
			{"n1", live, nil},
			{"n1", expired, mailmanager.ErrConflict},
			{"n1", live, mailmanager.ErrConflict},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			s := newStore(t)
			for i, c := range tt.claims {
				err := s.ClaimNonce(ctx, c.nonce, time.Now().Add(c.expires))
				assertErrIs(t, err, c.want, "claim %d of %s", i, c.nonce)
			}
		})
	}
}

// testClaimNonceRace claims each of a few nonces from many goroutines at
// once: exactly one claim of each must win.
func testClaimNonceRace(t *testing.T, newStore newStoreFunc) {
	const workers, nonces = 50, 20
	ctx := t.Context()
	s := newStore(t)
	expires := time.Now().Add(time.Hour)

	wins := make([][]string, workers) // nonces won, by worker
	failures := make([]error, workers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			<-start
			for n := range nonces {
				nonce := fmt.Sprintf("contested-%d", n)
				err := s.ClaimNonce(ctx, nonce, expires)
				switch {
				case err == nil:
					wins[w] = append(wins[w], nonce)
				case !errors.Is(err, mailmanager.ErrConflict):
					failures[w] = err
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	require.NoError(t, errors.Join(failures...), "a claim may only win or conflict")

	winners := make(map[string]int)
	for _, won := range wins {
		for _, nonce := range won {
			winners[nonce]++
		}
	}
	for n := range nonces {
		nonce := fmt.Sprintf("contested-%d", n)
		assert.Equal(t, 1, winners[nonce], "winning claims of %s", nonce)
	}
}
