package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
)

// testUpdateToken checks the compare-and-swap of UpdateToken: the current
// version wins once, any other version changes nothing.
func testUpdateToken(t *testing.T, newStore newStoreFunc) {
	ctx := t.Context()
	s := newStore(t)
	a := newAccount("acct-1", "user-1", "gmail", "ann@example.com", epoch())
	require.NoError(t, s.CreateAccount(ctx, a))

	v, err := s.UpdateToken(ctx, a.ID, a.TokenVersion, []byte("sealed-token-2"))
	require.NoError(t, err)
	assert.Equal(t, a.TokenVersion+1, v, "returned version")
	want := a.Clone()
	want.TokenVersion, want.Token = a.TokenVersion+1, []byte("sealed-token-2")
	got, err := s.Account(ctx, a.ID)
	require.NoError(t, err)
	assertAccount(t, want, got)

	for _, stale := range []int64{a.TokenVersion, a.TokenVersion + 2, 0} {
		t.Run(fmt.Sprintf("version=%d", stale), func(t *testing.T) {
			_, err := s.UpdateToken(ctx, a.ID, stale, []byte("sealed-token-lost"))
			assert.ErrorIs(t, err, mailmanager.ErrConflict)
			got, err := s.Account(ctx, a.ID)
			require.NoError(t, err)
			assertAccount(t, want, got)
		})
	}
}

// testUpdateTokenRace runs many read-then-swap loops on one account at once
// and checks that the successful swaps form one unbroken chain of versions
// ending in the stored token.
func testUpdateTokenRace(t *testing.T, newStore newStoreFunc) {
	const workers, rounds = 32, 50
	ctx := t.Context()
	s := newStore(t)
	a := newAccount("acct-1", "user-1", "gmail", "ann@example.com", epoch())
	require.NoError(t, s.CreateAccount(ctx, a))

	type win struct {
		version int64
		token   string
	}
	wins := make([][]win, workers)
	failures := make([]error, workers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			<-start
			for r := range rounds {
				cur, err := s.Account(ctx, a.ID)
				if err != nil {
					failures[w] = err
					return
				}
				token := fmt.Sprintf("sealed-token-%d-%d", w, r)
				v, err := s.UpdateToken(ctx, a.ID, cur.TokenVersion, []byte(token))
				switch {
				case err == nil:
					wins[w] = append(wins[w], win{version: v, token: token})
				case !errors.Is(err, mailmanager.ErrConflict):
					failures[w] = err
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	require.NoError(t, errors.Join(failures...), "only ErrConflict may fail a swap")

	final, err := s.Account(ctx, a.ID)
	require.NoError(t, err)
	all := slices.Concat(wins...)
	slices.SortFunc(all, func(x, y win) int { return cmp.Compare(x.version, y.version) })
	require.NotEmpty(t, all, "the first swap cannot lose")
	assert.Len(t, all, int(final.TokenVersion-a.TokenVersion), "successes")
	want := make([]int64, 0, len(all))
	got := make([]int64, 0, len(all))
	for i, w := range all {
		want = append(want, a.TokenVersion+int64(i)+1)
		got = append(got, w.version)
	}
	assert.Equal(t, want, got, "versions returned by successful swaps")
	assert.Equal(t, all[len(all)-1].token, string(final.Token), "token of the last success")
}

// testUpdateStatus checks that UpdateStatus sets the status and nothing else.
func testUpdateStatus(t *testing.T, newStore newStoreFunc) {
	ctx := t.Context()
	s := newStore(t)
	a := newAccount("acct-1", "user-1", "gmail", "ann@example.com", epoch())
	require.NoError(t, s.CreateAccount(ctx, a))

	want := a.Clone()
	for _, status := range []mailmanager.AccountStatus{
		mailmanager.StatusNeedsReauth, mailmanager.StatusActive,
	} {
		t.Run(string(status), func(t *testing.T) {
			require.NoError(t, s.UpdateStatus(ctx, a.ID, status))
			want.Status = status
			got, err := s.Account(ctx, a.ID)
			require.NoError(t, err)
			assertAccount(t, want, got)
		})
	}
}

// testUpdateCursor checks that UpdateCursor sets the cursor, "" included,
// and nothing else.
func testUpdateCursor(t *testing.T, newStore newStoreFunc) {
	ctx := t.Context()
	s := newStore(t)
	a := newAccount("acct-1", "user-1", "gmail", "ann@example.com", epoch())
	require.NoError(t, s.CreateAccount(ctx, a))

	want := a.Clone()
	for _, cursor := range []string{"cursor-2", ""} {
		t.Run("cursor="+cursor, func(t *testing.T) {
			require.NoError(t, s.UpdateCursor(ctx, a.ID, cursor))
			want.Cursor = cursor
			got, err := s.Account(ctx, a.ID)
			require.NoError(t, err)
			assertAccount(t, want, got)
		})
	}
}

// testDeleteAccount checks that a deleted account is gone by every path,
// that other accounts stay, and that its ID and mailbox may be used again.
func testDeleteAccount(t *testing.T, newStore newStoreFunc) {
	ctx := t.Context()
	s := newStore(t)
	now := epoch()
	a := newAccount("acct-1", "user-1", "gmail", "ann@example.com", now)
	other := newAccount("acct-2", "user-1", "outlook", "ann@example.com", now)
	require.NoError(t, s.CreateAccount(ctx, a))
	require.NoError(t, s.CreateAccount(ctx, other))

	require.NoError(t, s.DeleteAccount(ctx, a.ID))

	_, err := s.Account(ctx, a.ID)
	assert.ErrorIs(t, err, mailmanager.ErrNotFound, "Account")
	_, err = s.FindAccount(ctx, a.UserID, a.Provider, a.Address)
	assert.ErrorIs(t, err, mailmanager.ErrNotFound, "FindAccount")
	list, err := s.Accounts(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, []string{other.ID}, ids(list), "Accounts")
	got, err := s.Account(ctx, other.ID)
	require.NoError(t, err)
	assertAccount(t, other, got)
	assert.ErrorIs(t, s.DeleteAccount(ctx, a.ID), mailmanager.ErrNotFound, "second delete")

	again := newAccount(a.ID, a.UserID, a.Provider, a.Address, now.Add(time.Minute))
	again.Token = []byte("sealed-token-again")
	require.NoError(t, s.CreateAccount(ctx, again), "create after delete")
	got, err = s.FindAccount(ctx, a.UserID, a.Provider, a.Address)
	require.NoError(t, err)
	assertAccount(t, again, got)
}
