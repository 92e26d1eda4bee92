package memstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mailmanager/mailmanager"
)

// CreateAccount stores a copy of a. It fails with an error wrapping
// [mailmanager.ErrConflict] if an account with the same ID, or with the same
// user, provider and address, exists.
func (s *Store) CreateAccount(ctx context.Context, a *mailmanager.StoredAccount) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: create account: %w", err)
	}
	if a == nil || a.ID == "" {
		return errors.New("memstore: create account: no account id")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.accounts[a.ID]; ok {
		return fmt.Errorf("memstore: create account %s: id taken: %w", a.ID,
			mailmanager.ErrConflict)
	}
	if _, ok := s.byOwner[ownerOf(a)]; ok {
		return fmt.Errorf("memstore: create account %s: mailbox already connected: %w",
			a.ID, mailmanager.ErrConflict)
	}
	if s.accounts == nil {
		s.accounts = make(map[string]*mailmanager.StoredAccount)
		s.byOwner = make(map[owner]string)
	}
	s.accounts[a.ID] = a.Clone()
	s.byOwner[ownerOf(a)] = a.ID
	return nil
}

// Account returns a copy of the account with the given ID.
func (s *Store) Account(ctx context.Context, id string) (*mailmanager.StoredAccount, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: account %s: %w", id, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.accounts[id]
	if !ok {
		return nil, fmt.Errorf("memstore: account %s: %w", id, mailmanager.ErrNotFound)
	}
	return a.Clone(), nil
}

// FindAccount returns a copy of the account of userID at provider with
// address. The match is exact: the Manager lower-cases addresses.
func (s *Store) FindAccount(
	ctx context.Context, userID, provider, address string,
) (*mailmanager.StoredAccount, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: find account: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.byOwner[owner{userID: userID, provider: provider, address: address}]
	if !ok {
		return nil, fmt.Errorf("memstore: find account of user %s at %s: %w",
			userID, provider, mailmanager.ErrNotFound)
	}
	return s.accounts[id].Clone(), nil
}

// Accounts returns copies of the accounts of userID, or of every user when
// userID is "", ordered by creation time and then ID. It returns an empty
// slice, not an error, when there are none.
func (s *Store) Accounts(
	ctx context.Context, userID string,
) ([]*mailmanager.StoredAccount, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: accounts: %w", err)
	}
	s.mu.RLock()
	list := make([]*mailmanager.StoredAccount, 0, len(s.accounts))
	for _, a := range s.accounts {
		if userID == "" || a.UserID == userID {
			list = append(list, a.Clone())
		}
	}
	s.mu.RUnlock()

	slices.SortFunc(list, byCreation)
	return list, nil
}

// byCreation orders accounts by creation time and then ID.
func byCreation(a, b *mailmanager.StoredAccount) int {
	return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
}

// UpdateToken replaces the sealed token of an account with a copy of token
// if its version is still version, and returns the new version. If the
// stored version differs it changes nothing and fails with an error
// wrapping [mailmanager.ErrConflict].
func (s *Store) UpdateToken(
	ctx context.Context, id string, version int64, token []byte,
) (int64, error) {
	var next int64
	err := s.update(ctx, "update token", id, func(a *mailmanager.StoredAccount) error {
		if a.TokenVersion != version {
			return fmt.Errorf("memstore: update token of account %s: version %d is stale: %w",
				id, version, mailmanager.ErrConflict)
		}
		a.TokenVersion++
		a.Token = clone(token)
		next = a.TokenVersion
		return nil
	})
	return next, err
}

// UpdateStatus sets the status of an account.
func (s *Store) UpdateStatus(
	ctx context.Context, id string, status mailmanager.AccountStatus,
) error {
	return s.update(ctx, "update status", id, func(a *mailmanager.StoredAccount) error {
		a.Status = status
		return nil
	})
}

// UpdateCursor sets the sync cursor of an account.
func (s *Store) UpdateCursor(ctx context.Context, id string, cursor string) error {
	return s.update(ctx, "update cursor", id, func(a *mailmanager.StoredAccount) error {
		a.Cursor = cursor
		return nil
	})
}

// DeleteAccount removes an account.
func (s *Store) DeleteAccount(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: delete account %s: %w", id, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[id]
	if !ok {
		return fmt.Errorf("memstore: delete account %s: %w", id, mailmanager.ErrNotFound)
	}
	delete(s.byOwner, ownerOf(a))
	delete(s.accounts, id)
	return nil
}

// update runs fn on the stored account id under the write lock. fn changes
// the account in place; it must not change the fields that make up the
// account's owner.
func (s *Store) update(
	ctx context.Context, op, id string, fn func(*mailmanager.StoredAccount) error,
) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: %s of account %s: %w", op, id, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[id]
	if !ok {
		return fmt.Errorf("memstore: %s of account %s: %w", op, id, mailmanager.ErrNotFound)
	}
	return fn(a)
}
