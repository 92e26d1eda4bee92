// Package storetest checks a [mailmanager.TokenStore] against the contract
// documented on it. A store's own test calls [TestTokenStore]:
//
//	func TestStore(t *testing.T) {
//		storetest.TestTokenStore(t, newEmptyStore)
//	}
//
// where newEmptyStore has the type func(*testing.T) mailmanager.TokenStore
// and may use t to open a temporary database and register its cleanup.
// A store that implements the optional interfaces also calls [TestLeaser]
// and [TestQuotaStore] with the same function.
//
// The suite also fits stores that keep times to the microsecond and stores
// shared between processes: it compares times to within a microsecond and
// never relies on a store handing back the very values it was given.
package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/mailmanager/mailmanager"
)

// newStoreFunc returns a new, empty store for one test.
type newStoreFunc = func(t *testing.T) mailmanager.TokenStore

// TestTokenStore checks that a TokenStore keeps the contract documented
// on mailmanager.TokenStore. newStore returns a new, empty store each call.
//
// Each part of the contract runs as a subtest with a store of its own. The
// subtests do not run in parallel with each other; a few of them start many
// goroutines against one store.
func TestTokenStore(t *testing.T, newStore func(t *testing.T) mailmanager.TokenStore) {
	tests := []struct {
		name string
		run  func(*testing.T, newStoreFunc)
	}{
		{"CreateAndRead", testCreateAndRead},
		{"FindAccount", testFindAccount},
		{"AccountsOrder", testAccountsOrder},
		{"CreateConflict", testCreateConflict},
		{"CreateAllowed", testCreateAllowed},
		{"NotFound", testNotFound},
		{"Copies", testCopies},
		{"UpdateToken", testUpdateToken},
		{"UpdateTokenRace", testUpdateTokenRace},
		{"UpdateStatus", testUpdateStatus},
		{"UpdateCursor", testUpdateCursor},
		{"DeleteAccount", testDeleteAccount},
		{"Settings", testSettings},
		{"ClaimNonce", testClaimNonce},
		{"ClaimNonceRace", testClaimNonceRace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, newStore) })
	}
}

// epoch returns a start time for the accounts of one test, in whole
// milliseconds so that a store's rounding cannot reorder or merge times.
func epoch() time.Time {
	return time.Now().Truncate(time.Millisecond)
}

// newAccount returns an account with every field set.
func newAccount(
	id, userID, provider, address string, created time.Time,
) *mailmanager.StoredAccount {
	return &mailmanager.StoredAccount{
		Account: mailmanager.Account{
			ID:           id,
			UserID:       userID,
			Provider:     provider,
			Address:      address,
			Status:       mailmanager.StatusActive,
			TokenVersion: 7,
			Cursor:       "cursor-of-" + id,
			CreatedAt:    created,
			// Finer than a microsecond, as time.Now is.
			UpdatedAt: created.Add(90*time.Second + 1500*time.Nanosecond),
		},
		Token: []byte("sealed-token-of-" + id),
	}
}

// assertAccount asserts that got holds the same values as want, with times
// equal to within a microsecond.
func assertAccount(t *testing.T, want, got *mailmanager.StoredAccount) bool {
	t.Helper()
	if !assert.NotNil(t, got, "account %s", want.ID) {
		return false
	}
	ok := assert.WithinDuration(t, want.CreatedAt, got.CreatedAt, time.Microsecond,
		"CreatedAt of account %s", want.ID)
	ok = assert.WithinDuration(t, want.UpdatedAt, got.UpdatedAt, time.Microsecond,
		"UpdatedAt of account %s", want.ID) && ok
	ok = assert.Equal(t, want.Token, got.Token, "Token of account %s", want.ID) && ok

	// Compare every other field, including any added later, at once.
	w, g := want.Account, got.Account
	w.CreatedAt, w.UpdatedAt = time.Time{}, time.Time{}
	g.CreatedAt, g.UpdatedAt = time.Time{}, time.Time{}
	return assert.Equal(t, w, g, "account %s", want.ID) && ok
}

// ids returns the IDs of accounts, in order.
func ids(accounts []*mailmanager.StoredAccount) []string {
	out := make([]string, 0, len(accounts))
	for _, a := range accounts {
		out = append(out, a.ID)
	}
	return out
}

// assertErrIs asserts that err wraps target, or is nil if target is nil.
func assertErrIs(t *testing.T, err, target error, msgAndArgs ...any) bool {
	t.Helper()
	if target == nil {
		return assert.NoError(t, err, msgAndArgs...)
	}
	return assert.ErrorIs(t, err, target, msgAndArgs...)
}
