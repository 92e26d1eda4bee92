package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
)

// testCreateAndRead checks that every field of a created account comes back
// from Account, FindAccount and Accounts.
func testCreateAndRead(t *testing.T, newStore newStoreFunc) {
	ctx := t.Context()
	s := newStore(t)
	a := newAccount("acct-1", "user-1", "gmail", "ann@example.com", epoch())
	require.NoError(t, s.CreateAccount(ctx, a))

	got, err := s.Account(ctx, a.ID)
	require.NoError(t, err)
	assertAccount(t, a, got)

	got, err = s.FindAccount(ctx, a.UserID, a.Provider, a.Address)
	require.NoError(t, err)
	assertAccount(t, a, got)

	list, err := s.Accounts(ctx, a.UserID)
	require.NoError(t, err)
	if assert.Len(t, list, 1) {
		assertAccount(t, a, list[0])
	}
}

// testFindAccount checks that FindAccount matches user, provider and address
// together.
func testFindAccount(t *testing.T, newStore newStoreFunc) {
	ctx := t.Context()
	s := newStore(t)
	now := epoch()
	mine := newAccount("acct-1", "user-1", "gmail", "ann@example.com", now)
	others := []*mailmanager.StoredAccount{
		newAccount("acct-2", "user-2", "gmail", "ann@example.com", now),
		newAccount("acct-3", "user-1", "outlook", "ann@example.com", now),
		newAccount("acct-4", "user-1", "gmail", "bob@example.com", now),
	}
	for _, a := range append([]*mailmanager.StoredAccount{mine}, others...) {
		require.NoError(t, s.CreateAccount(ctx, a))
	}

	tests := []struct {
		name                    string
		userID, provider, email string
		want                    *mailmanager.StoredAccount
	}{
		{"match", "user-1", "gmail", "ann@example.com", mine},
		{"other user", "user-2", "gmail", "ann@example.com", others[0]},
		{"other provider", "user-1", "outlook", "ann@example.com", others[1]},
		{"other address", "user-1", "gmail", "bob@example.com", others[2]},
		{"unknown user", "user-9", "gmail", "ann@example.com", nil},
		{"unknown provider", "user-2", "outlook", "ann@example.com", nil},
		{"unknown address", "user-1", "gmail", "eve@example.com", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.FindAccount(ctx, tt.userID, tt.provider, tt.email)
			if tt.want == nil {
				assert.ErrorIs(t, err, mailmanager.ErrNotFound)
				return
			}
			require.NoError(t, err)
			assertAccount(t, tt.want, got)
		})
	}
}

// testAccountsOrder checks that Accounts filters by user and orders by
// creation time, then ID, whatever the order of creation.
func testAccountsOrder(t *testing.T, newStore newStoreFunc) {
	ctx := t.Context()
	s := newStore(t)
	now := epoch()
	// Created in an order that is neither by time nor by ID; acct-a,
	// acct-aa and acct-b share a creation time, acct-0 has the smallest ID
	// but is the newest.
	created := []*mailmanager.StoredAccount{
		newAccount("acct-c", "user-1", "gmail", "c@example.com", now.Add(2*time.Second)),
		newAccount("acct-b", "user-1", "gmail", "b@example.com", now.Add(time.Second)),
		newAccount("acct-z", "user-2", "gmail", "z@example.com", now),
		newAccount("acct-a", "user-1", "outlook", "a@example.com", now.Add(time.Second)),
		newAccount("acct-0", "user-2", "outlook", "0@example.com", now.Add(3*time.Second)),
		newAccount("acct-aa", "user-1", "gmail", "aa@example.com", now.Add(time.Second)),
	}
	for _, a := range created {
		require.NoError(t, s.CreateAccount(ctx, a))
	}

	tests := []struct {
		userID string
		want   []string
	}{
		{"user-1", []string{"acct-a", "acct-aa", "acct-b", "acct-c"}},
		{"user-2", []string{"acct-z", "acct-0"}},
		{"", []string{"acct-z", "acct-a", "acct-aa", "acct-b", "acct-c", "acct-0"}},
		{"user-9", []string{}},
	}
	for _, tt := range tests {
		t.Run("user="+tt.userID, func(t *testing.T) {
			list, err := s.Accounts(ctx, tt.userID)
			require.NoError(t, err)
			assert.Equal(t, tt.want, ids(list))
		})
	}

	list, err := s.Accounts(ctx, "")
	require.NoError(t, err)
	byID := make(map[string]*mailmanager.StoredAccount)
	for _, a := range list {
		byID[a.ID] = a
	}
	for _, a := range created {
		assertAccount(t, a, byID[a.ID])
	}
}

// testCreateConflict checks both duplicates CreateAccount refuses, and that
// a refused account changes nothing.
func testCreateConflict(t *testing.T, newStore newStoreFunc) {
	now := epoch()
	tests := []struct {
		name   string
		second *mailmanager.StoredAccount
	}{
		{"same id", newAccount("acct-1", "user-2", "outlook", "bob@example.com", now)},
		{
			"same user provider and address",
			newAccount("acct-2", "user-1", "gmail", "ann@example.com", now),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			s := newStore(t)
			first := newAccount("acct-1", "user-1", "gmail", "ann@example.com", now)
			require.NoError(t, s.CreateAccount(ctx, first))

			err := s.CreateAccount(ctx, tt.second)
			assert.ErrorIs(t, err, mailmanager.ErrConflict)

			got, err := s.Account(ctx, first.ID)
			require.NoError(t, err)
			assertAccount(t, first, got)
			all, err := s.Accounts(ctx, "")
			require.NoError(t, err)
			assert.Equal(t, []string{first.ID}, ids(all))

			// The refused account must leave no trace under its ID or owner.
			if tt.second.ID != first.ID {
				_, err = s.Account(ctx, tt.second.ID)
				assert.ErrorIs(t, err, mailmanager.ErrNotFound)
			}
			got, err = s.FindAccount(ctx, tt.second.UserID, tt.second.Provider, tt.second.Address)
			if tt.second.Address == first.Address {
				require.NoError(t, err)
				assertAccount(t, first, got)
			} else {
				assert.ErrorIs(t, err, mailmanager.ErrNotFound)
			}
		})
	}
}

// testCreateAllowed checks that accounts differing from an existing one in
// ID and in user, provider or address are not duplicates.
func testCreateAllowed(t *testing.T, newStore newStoreFunc) {
	now := epoch()
	tests := []struct {
		name   string
		second *mailmanager.StoredAccount
	}{
		{"same address for another user", newAccount("acct-2", "user-2", "gmail",
			"ann@example.com", now)},
		{"same address at another provider", newAccount("acct-2", "user-1", "outlook",
			"ann@example.com", now)},
		{"another address of the same user", newAccount("acct-2", "user-1", "gmail",
			"ann.other@example.com", now)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			s := newStore(t)
			first := newAccount("acct-1", "user-1", "gmail", "ann@example.com", now)
			require.NoError(t, s.CreateAccount(ctx, first))

			require.NoError(t, s.CreateAccount(ctx, tt.second))

			for _, want := range []*mailmanager.StoredAccount{first, tt.second} {
				got, err := s.Account(ctx, want.ID)
				require.NoError(t, err)
				assertAccount(t, want, got)
				got, err = s.FindAccount(ctx, want.UserID, want.Provider, want.Address)
				require.NoError(t, err)
				assertAccount(t, want, got)
			}
		})
	}
}

// testNotFound checks that every method reports a missing record with an
// error wrapping ErrNotFound.
func testNotFound(t *testing.T, newStore newStoreFunc) {
	ctx := t.Context()
	s := newStore(t)
	a := newAccount("acct-1", "user-1", "gmail", "ann@example.com", epoch())
	require.NoError(t, s.CreateAccount(ctx, a))
	require.NoError(t, s.PutSetting(ctx, "present", []byte("value")))

	tests := []struct {
		name string
		call func(context.Context, mailmanager.TokenStore) error
	}{
		{"Account", func(ctx context.Context, s mailmanager.TokenStore) error {
			_, err := s.Account(ctx, "acct-missing")
			return err
		}},
		{"FindAccount", func(ctx context.Context, s mailmanager.TokenStore) error {
			_, err := s.FindAccount(ctx, "user-1", "gmail", "missing@example.com")
			return err
		}},
		{"UpdateToken", func(ctx context.Context, s mailmanager.TokenStore) error {
			_, err := s.UpdateToken(ctx, "acct-missing", a.TokenVersion, []byte("t"))
			return err
		}},
		{"UpdateStatus", func(ctx context.Context, s mailmanager.TokenStore) error {
			return s.UpdateStatus(ctx, "acct-missing", mailmanager.StatusNeedsReauth)
		}},
		{"UpdateCursor", func(ctx context.Context, s mailmanager.TokenStore) error {
			return s.UpdateCursor(ctx, "acct-missing", "cursor")
		}},
		{"DeleteAccount", func(ctx context.Context, s mailmanager.TokenStore) error {
			return s.DeleteAccount(ctx, "acct-missing")
		}},
		{"Setting", func(ctx context.Context, s mailmanager.TokenStore) error {
			_, err := s.Setting(ctx, "missing")
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(ctx, s)
			assert.ErrorIs(t, err, mailmanager.ErrNotFound)
		})
	}

	got, err := s.Account(ctx, a.ID)
	require.NoError(t, err)
	assertAccount(t, a, got)
}
