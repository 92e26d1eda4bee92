package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/mailmanager/mailmanager"
)

// lease is a granted lease: who holds it and until when.
type lease struct {
	holder  string
	expires time.Time
}

var _ mailmanager.Leaser = (*Store)(nil)

// AcquireLease grants the lease named key to holder for ttl, if it is free,
// expired or already held by holder. Otherwise it fails with an error
// wrapping [mailmanager.ErrConflict]. Leases live in this process only, so
// they keep Managers of one process from syncing a mailbox at once.
func (s *Store) AcquireLease(ctx context.Context, key, holder string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: acquire lease: %w", err)
	}
	if holder == "" || ttl <= 0 {
		return fmt.Errorf("memstore: acquire lease: empty holder or non-positive duration")
	}
	now := time.Now()

	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.leases[key]; ok && l.holder != holder && now.Before(l.expires) {
		return fmt.Errorf("memstore: acquire lease %q: held by another: %w", key, mailmanager.ErrConflict)
	}
	if s.leases == nil {
		s.leases = make(map[string]lease)
	}
	s.leases[key] = lease{holder: holder, expires: now.Add(ttl)}
	return nil
}

// ReleaseLease gives up the lease named key if holder holds it.
func (s *Store) ReleaseLease(ctx context.Context, key, holder string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: release lease: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.leases[key]; ok && l.holder == holder {
		delete(s.leases, key)
	}
	return nil
}
