package mailmanager

import (
	"context"
	"time"
)

// TokenStore persists what a [Manager] needs to remember: accounts with their
// sealed tokens and sync cursors, provider settings, and used OAuth state
// nonces. The host provides it; memstore is an in-memory one.
//
// The Manager seals every token and client secret before it reaches the
// store, so a store only ever holds ciphertext in [StoredAccount.Token] and
// in settings.
//
// Contract:
//   - Methods are safe for concurrent use, by one process or several sharing
//     the same backing storage.
//   - A missing record yields an error wrapping [ErrNotFound].
//   - Values passed in and returned are copies: the caller may keep and
//     modify them, the store may not keep references to them.
//   - [TokenStore.UpdateToken] is a compare-and-swap on the token version.
//
// storetest.TestTokenStore, in package mailtest/storetest, checks an
// implementation against this contract.
type TokenStore interface {
	// CreateAccount stores a new account. It fails with [ErrConflict] if an
	// account with the same ID, or the same user, provider and address,
	// exists. The store keeps Token, TokenVersion and every other field as
	// given.
	CreateAccount(ctx context.Context, a *StoredAccount) error

	// Account returns the account with the given ID.
	Account(ctx context.Context, id string) (*StoredAccount, error)

	// FindAccount returns the account of userID at provider with address.
	FindAccount(ctx context.Context, userID, provider, address string) (*StoredAccount, error)

	// Accounts returns the accounts of userID, or of every user when userID
	// is "", ordered by creation time and then ID.
	Accounts(ctx context.Context, userID string) ([]*StoredAccount, error)

	// UpdateToken replaces the sealed token of an account if its version
	// is still version, and returns the new version (version+1). If the
	// stored version differs it changes nothing and fails with
	// [ErrConflict].
	UpdateToken(ctx context.Context, id string, version int64, token []byte) (int64, error)

	// UpdateStatus sets the status of an account.
	UpdateStatus(ctx context.Context, id string, status AccountStatus) error

	// UpdateCursor sets the sync cursor of an account.
	UpdateCursor(ctx context.Context, id string, cursor string) error

	// DeleteAccount removes an account.
	DeleteAccount(ctx context.Context, id string) error

	// Setting returns the value stored under key.
	Setting(ctx context.Context, key string) ([]byte, error)

	// PutSetting stores value under key, replacing any earlier value.
	PutSetting(ctx context.Context, key string, value []byte) error

	// ClaimNonce records that nonce has been used. It fails with
	// [ErrConflict] if the nonce was claimed before and has not yet
	// expired. The store may forget a nonce after expires.
	ClaimNonce(ctx context.Context, nonce string, expires time.Time) error
}

// AccountStatus says whether an account can be used.
type AccountStatus string

// Account statuses.
const (
	// StatusActive is an account whose grant works.
	StatusActive AccountStatus = "active"
	// StatusNeedsReauth is an account whose grant the provider refused; the
	// user reconnects it through the connect handler.
	StatusNeedsReauth AccountStatus = "needs_reauth"
)

// Account is a mailbox connected by a user. The host reads it; the Manager
// changes it.
type Account struct {
	// ID is the account's ID, chosen by the Manager.
	ID string
	// UserID is the host's ID of the user who connected the mailbox.
	UserID string
	// Provider is the provider's name, such as "gmail".
	Provider string
	// Address is the mailbox's address, lower case.
	Address string
	// Status says whether the account's grant works.
	Status AccountStatus
	// TokenVersion counts the token's replacements; it guards the token's
	// compare-and-swap.
	TokenVersion int64
	// Cursor is the account's sync state, opaque to the host and the
	// store: the provider's cursor and what a resync needs. It is "" before
	// the first sync.
	Cursor string
	// CreatedAt and UpdatedAt are when the account was first and last
	// connected.
	CreatedAt time.Time
	UpdatedAt time.Time
}

// StoredAccount is an [Account] as a [TokenStore] keeps it, with its token
// sealed.
type StoredAccount struct {
	Account
	// Token is the sealed OAuth token. The store treats it as opaque bytes.
	Token []byte
}

// Clone returns a deep copy of a.
func (a *StoredAccount) Clone() *StoredAccount {
	c := *a
	c.Token = append([]byte(nil), a.Token...)
	return &c
}
