package mailmanager

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Leaser is implemented by a [TokenStore] that grants leases, so that among
// the processes sharing the store only one at a time syncs a mailbox.
// [Manager.Sync] takes the account's lease whenever its store offers them,
// renews it while the sync runs and gives it up at the end; a crashed
// holder's lease expires and another process takes over, resuming from the
// stored cursor.
type Leaser interface {
	// AcquireLease grants the lease named key to holder for ttl from now,
	// by the store's clock, if nobody holds it, its holder's time ran out,
	// or holder already holds it (a renewal). Otherwise it fails with
	// [ErrConflict] and changes nothing.
	AcquireLease(ctx context.Context, key, holder string, ttl time.Duration) error

	// ReleaseLease gives up the lease if holder holds it; otherwise it
	// does nothing.
	ReleaseLease(ctx context.Context, key, holder string) error
}

// QuotaStore is implemented by a [TokenStore] that keeps quota budgets
// shared between the processes using it, so that together they stay
// within a provider's per-mailbox limits. A Manager whose store offers it
// spends each request's units there instead of in its own process.
type QuotaStore interface {
	// SpendQuota spends units from the budget named key, which allows
	// limit units in any window of the given length ending now, by the
	// store's clock. If the budget has room it records the spending and
	// returns zero; otherwise it records nothing and returns how long to
	// wait before trying again.
	SpendQuota(ctx context.Context, key string, units, limit int, window time.Duration) (time.Duration, error)
}

// ErrSyncInProgress reports that another process holds the account's sync
// lease. It wraps [ErrConflict].
var ErrSyncInProgress = fmt.Errorf("mailmanager: another process is syncing this account: %w", ErrConflict)

// leaseTTL is the default lease duration: a crashed holder blocks others
// for at most that long.
const leaseTTL = time.Minute

func leaseKey(accountID string) string { return "sync/" + accountID }

// holdLease takes the account's sync lease if the store offers leases and
// keeps renewing it until the returned stop function is called. The
// returned context ends when the lease is lost, so the sync stops before
// another holder starts.
func (m *Manager) holdLease(ctx context.Context, accountID string) (context.Context, func(), error) {
	l, ok := m.store.(Leaser)
	if !ok {
		return ctx, func() {}, nil
	}
	key := leaseKey(accountID)
	// Each run holds the lease under its own name, so two runs in one
	// Manager exclude each other too, and one's release never frees the
	// other's lease.
	holder := newID(m.holder + "/")
	err := l.AcquireLease(ctx, key, holder, m.leaseTTL)
	if errors.Is(err, ErrConflict) {
		return nil, nil, fmt.Errorf("mailmanager: sync %s: %w", accountID, ErrSyncInProgress)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("mailmanager: sync %s: take lease: %w", accountID, err)
	}

	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(m.leaseRenew)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := l.AcquireLease(ctx, key, holder, m.leaseTTL); err != nil {
					m.log.WarnContext(ctx, "sync lease lost", "account", accountID, "error", err.Error())
					cancel(fmt.Errorf("mailmanager: sync %s: lease lost: %w", accountID, err))
					return
				}
			}
		}
	}()
	stop := func() {
		close(done)
		cancel(nil)
		// Give the lease up even if the sync's context has ended.
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer rcancel()
		if err := l.ReleaseLease(rctx, key, holder); err != nil {
			m.log.WarnContext(rctx, "sync lease not released", "account", accountID, "error", err.Error())
		}
	}
	return ctx, stop, nil
}
