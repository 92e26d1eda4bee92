package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mailmanager/mailmanager"
)

// AcquireLease grants the lease named key to holder for ttl from now, by
// the database's clock, if nobody holds it, its holder's time ran out, or
// holder holds it already (a renewal, which sets the expiry to ttl from
// now). Otherwise it fails with an error wrapping
// [mailmanager.ErrConflict] and changes nothing. The grant is one INSERT
// ... ON CONFLICT, so of many processes asking at once exactly one wins.
// Leases last to the microsecond, and at least one.
func (s *Store) AcquireLease(ctx context.Context, key, holder string, ttl time.Duration) error {
	if holder == "" || ttl <= 0 {
		return errors.New("sqlstore: acquire lease: empty holder or non-positive duration")
	}
	tag, err := s.pool.Exec(ctx, s.q(`INSERT INTO {leases} AS l (key, holder, expires_at)
		VALUES ($1, $2, now() + $3::bigint * interval '1 microsecond')
		ON CONFLICT (key) DO UPDATE
		SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE l.holder = excluded.holder OR l.expires_at <= now()`),
		key, holder, max(ttl.Microseconds(), 1))
	if err != nil {
		return fmt.Errorf("sqlstore: acquire lease %q: %w", key, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("sqlstore: acquire lease %q: held by another: %w",
			key, mailmanager.ErrConflict)
	}
	return nil
}

// ReleaseLease gives up the lease named key if holder holds it; otherwise
// it does nothing.
func (s *Store) ReleaseLease(ctx context.Context, key, holder string) error {
	_, err := s.pool.Exec(ctx, s.q(`DELETE FROM {leases} WHERE key = $1 AND holder = $2`),
		key, holder)
	if err != nil {
		return fmt.Errorf("sqlstore: release lease %q: %w", key, err)
	}
	return nil
}
