package sqlstore_test

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/sqlstore"
)

// errKilled is what a killed process's store and host answer.
var errKilled = errors.New("process killed")

// killable is the Store of a process that can be killed: after kill, every
// call fails at once, so the process neither renews nor releases its
// leases, as if it had vanished.
type killable struct {
	s    *sqlstore.Store
	dead atomic.Bool
}

func (k *killable) kill() { k.dead.Store(true) }

func (k *killable) check() error {
	if k.dead.Load() {
		return errKilled
	}
	return nil
}

func (k *killable) CreateAccount(ctx context.Context, a *mailmanager.StoredAccount) error {
	if err := k.check(); err != nil {
		return err
	}
	return k.s.CreateAccount(ctx, a)
}

func (k *killable) Account(ctx context.Context, id string) (*mailmanager.StoredAccount, error) {
	if err := k.check(); err != nil {
		return nil, err
	}
	return k.s.Account(ctx, id)
}

func (k *killable) FindAccount(
	ctx context.Context, userID, provider, address string,
) (*mailmanager.StoredAccount, error) {
	if err := k.check(); err != nil {
		return nil, err
	}
	return k.s.FindAccount(ctx, userID, provider, address)
}

func (k *killable) Accounts(
	ctx context.Context, userID string,
) ([]*mailmanager.StoredAccount, error) {
	if err := k.check(); err != nil {
		return nil, err
	}
	return k.s.Accounts(ctx, userID)
}

func (k *killable) UpdateToken(
	ctx context.Context, id string, version int64, token []byte,
) (int64, error) {
	if err := k.check(); err != nil {
		return 0, err
	}
	return k.s.UpdateToken(ctx, id, version, token)
}

func (k *killable) UpdateStatus(
	ctx context.Context, id string, status mailmanager.AccountStatus,
) error {
	if err := k.check(); err != nil {
		return err
	}
	return k.s.UpdateStatus(ctx, id, status)
}

func (k *killable) UpdateCursor(ctx context.Context, id string, cursor string) error {
	if err := k.check(); err != nil {
		return err
	}
	return k.s.UpdateCursor(ctx, id, cursor)
}

func (k *killable) DeleteAccount(ctx context.Context, id string) error {
	if err := k.check(); err != nil {
		return err
	}
	return k.s.DeleteAccount(ctx, id)
}

func (k *killable) Setting(ctx context.Context, key string) ([]byte, error) {
	if err := k.check(); err != nil {
		return nil, err
	}
	return k.s.Setting(ctx, key)
}

func (k *killable) PutSetting(ctx context.Context, key string, value []byte) error {
	if err := k.check(); err != nil {
		return err
	}
	return k.s.PutSetting(ctx, key, value)
}

func (k *killable) ClaimNonce(ctx context.Context, nonce string, expires time.Time) error {
	if err := k.check(); err != nil {
		return err
	}
	return k.s.ClaimNonce(ctx, nonce, expires)
}

func (k *killable) AcquireLease(ctx context.Context, key, holder string, ttl time.Duration) error {
	if err := k.check(); err != nil {
		return err
	}
	return k.s.AcquireLease(ctx, key, holder, ttl)
}

func (k *killable) ReleaseLease(ctx context.Context, key, holder string) error {
	if err := k.check(); err != nil {
		return err
	}
	return k.s.ReleaseLease(ctx, key, holder)
}

func (k *killable) SpendQuota(ctx context.Context, key string, units, limit int,
	window time.Duration) (time.Duration, error) {
	if err := k.check(); err != nil {
		return 0, err
	}
	return k.s.SpendQuota(ctx, key, units, limit, window)
}

var (
	_ mailmanager.TokenStore = (*killable)(nil)
	_ mailmanager.Leaser     = (*killable)(nil)
	_ mailmanager.QuotaStore = (*killable)(nil)
)
