// Package memstore is an in-memory [mailmanager.TokenStore].
//
// It suits a single process: the examples, the demo and the tests use it,
// and a host may start with it. Everything it holds is lost when the
// process exits, and it cannot be shared between processes: a host that
// runs more than one process, or wants its users to stay connected across
// restarts, provides a store backed by its own database.
//
// The Manager seals tokens and client secrets before they reach a store, so
// a Store holds only ciphertext for them. [Store.Dump] shows what it holds,
// for debugging.
package memstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/mailmanager/mailmanager"
)

// Store is an in-memory [mailmanager.TokenStore]. It is safe for concurrent
// use. The zero value is an empty store ready to use; a Store must not be
// copied after first use.
type Store struct {
	mu       sync.RWMutex
	accounts map[string]*mailmanager.StoredAccount // by account ID
	byOwner  map[owner]string                      // account ID by owner
	settings map[string][]byte
	nonces   map[string]time.Time // expiry by nonce
	// sweepAt is the number of nonces at which the next claim drops the
	// expired ones.
	sweepAt int
	leases  map[string]lease // by key
}

// owner is what makes an account unique besides its ID.
type owner struct {
	userID, provider, address string
}

func ownerOf(a *mailmanager.StoredAccount) owner {
	return owner{userID: a.UserID, provider: a.Provider, address: a.Address}
}

// New returns an empty store.
func New() *Store {
	return &Store{}
}

// Setting returns a copy of the value stored under key, or an error
// wrapping [mailmanager.ErrNotFound].
func (s *Store) Setting(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: setting %q: %w", key, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.settings[key]
	if !ok {
		return nil, fmt.Errorf("memstore: setting %q: %w", key, mailmanager.ErrNotFound)
	}
	return clone(v), nil
}

// PutSetting stores a copy of value under key, replacing any earlier value.
func (s *Store) PutSetting(ctx context.Context, key string, value []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: put setting %q: %w", key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.settings == nil {
		s.settings = make(map[string][]byte)
	}
	s.settings[key] = clone(value)
	return nil
}

// clone returns a copy of b that is never nil, so that an empty value
// stays distinct from a missing one.
func clone(b []byte) []byte {
	return append([]byte{}, b...)
}
