package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
)

// testCopies checks that a store keeps no reference to the values passed in
// and hands out none to the values it holds.
func testCopies(t *testing.T, newStore newStoreFunc) {
	tests := []struct {
		name string
		// mutate changes a value the store took or returned, and returns
		// what the store must still hold for a.
		mutate func(t *testing.T, s mailmanager.TokenStore,
			a *mailmanager.StoredAccount) *mailmanager.StoredAccount
	}{
		{"account passed to CreateAccount", func(_ *testing.T, _ mailmanager.TokenStore,
			a *mailmanager.StoredAccount) *mailmanager.StoredAccount {
			want := a.Clone()
			scribble(a)
			return want
		}},
		{"account returned by Account", func(t *testing.T, s mailmanager.TokenStore,
			a *mailmanager.StoredAccount) *mailmanager.StoredAccount {
			ctx := t.Context()
			got, err := s.Account(ctx, a.ID)
			require.NoError(t, err)
			scribble(got)
			return a
		}},
		{"account returned by FindAccount", func(t *testing.T, s mailmanager.TokenStore,
			a *mailmanager.StoredAccount) *mailmanager.StoredAccount {
			ctx := t.Context()
			got, err := s.FindAccount(ctx, a.UserID, a.Provider, a.Address)
			require.NoError(t, err)
			scribble(got)
			return a
		}},
		{"accounts returned by Accounts", func(t *testing.T, s mailmanager.TokenStore,
			a *mailmanager.StoredAccount) *mailmanager.StoredAccount {
			ctx := t.Context()
			list, err := s.Accounts(ctx, a.UserID)
			require.NoError(t, err)
			require.Len(t, list, 1)
			scribble(list[0])
			return a
		}},
		{"token passed to UpdateToken", func(t *testing.T, s mailmanager.TokenStore,
			a *mailmanager.StoredAccount) *mailmanager.StoredAccount {
			ctx := t.Context()
			token := []byte("sealed-token-2")
			v, err := s.UpdateToken(ctx, a.ID, a.TokenVersion, token)
			require.NoError(t, err)
			want := a.Clone()
			want.TokenVersion, want.Token = v, []byte("sealed-token-2")
			token[0] ^= 0xff
			return want
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			s := newStore(t)
			a := newAccount("acct-1", "user-1", "gmail", "ann@example.com", epoch())
			require.NoError(t, s.CreateAccount(ctx, a))

			want := tt.mutate(t, s, a)

			got, err := s.Account(ctx, want.ID)
			require.NoError(t, err)
			assertAccount(t, want, got)
		})
	}

	t.Run("setting values", func(t *testing.T) {
		ctx := t.Context()
		s := newStore(t)
		value := []byte("sealed-secret")
		require.NoError(t, s.PutSetting(ctx, "key", value))
		value[0] ^= 0xff
		got, err := s.Setting(ctx, "key")
		require.NoError(t, err)
		assert.Equal(t, []byte("sealed-secret"), got, "after changing the value put")

		got[0] ^= 0xff
		got, err = s.Setting(ctx, "key")
		require.NoError(t, err)
		assert.Equal(t, []byte("sealed-secret"), got, "after changing the value read")
	})
}

// scribble changes every field of a in place, token bytes included.
func scribble(a *mailmanager.StoredAccount) {
	for i := range a.Token {
		a.Token[i] ^= 0xff
	}
	a.ID += "-changed"
	a.UserID += "-changed"
	a.Provider += "-changed"
	a.Address += "-changed"
	a.Status = "changed"
	a.TokenVersion += 100
	a.Cursor += "-changed"
	a.CreatedAt = a.CreatedAt.Add(-time.Hour)
	a.UpdatedAt = a.UpdatedAt.Add(time.Hour)
}
