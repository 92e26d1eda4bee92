package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/mailmanager/mailmanager"
)

// minSweep is the smallest number of remembered nonces at which a claim
// drops the expired ones.
const minSweep = 64

// ClaimNonce records that nonce has been used until expires. It fails with
// an error wrapping [mailmanager.ErrConflict] if the nonce was claimed
// before and has not yet expired; a failed claim changes nothing.
//
// Expiry is judged by the wall clock of this process. Expired nonces are
// dropped lazily: a claim of an expired nonce replaces it, and a claim that
// finds the store holding twice as many nonces as after the previous sweep
// (and at least 64) drops every expired one, which keeps the cost of
// sweeping constant per claim on average.
func (s *Store) ClaimNonce(ctx context.Context, nonce string, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: claim nonce: %w", err)
	}
	now := time.Now()

	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.nonces[nonce]; ok && now.Before(old) {
		return fmt.Errorf("memstore: claim nonce: already claimed: %w", mailmanager.ErrConflict)
	}
	if s.nonces == nil {
		s.nonces = make(map[string]time.Time)
	}
	s.nonces[nonce] = expires
	if len(s.nonces) >= max(s.sweepAt, minSweep) {
		s.sweep(now)
	}
	return nil
}

// sweep drops the nonces expired at now and sets when to sweep next. The
// caller holds the write lock.
func (s *Store) sweep(now time.Time) {
	for n, expires := range s.nonces {
		if !now.Before(expires) {
			delete(s.nonces, n)
		}
	}
	s.sweepAt = 2 * len(s.nonces)
}
