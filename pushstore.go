package mailmanager

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// pushRecord is a subscription as the Manager keeps it in the store's
// settings, under the account and, when it has one, under its ID, so any
// process sharing the store can check a notification. The client state is
// sealed. The store cannot delete settings, so an ended subscription is
// kept with Removed set.
type pushRecord struct {
	Account  string    `json:"a"`
	Provider string    `json:"p"`
	ID       string    `json:"i,omitempty"`
	Resource string    `json:"r,omitempty"`
	Expires  time.Time `json:"e"`
	RenewAt  time.Time `json:"n"`
	Cursor   string    `json:"c,omitempty"`
	State    []byte    `json:"s,omitempty"`
	Removed  bool      `json:"x,omitempty"`
}

func pushAccountKey(accountID string) string { return "push/account/" + accountID }

func pushSubKey(provider, id string) string { return "push/sub/" + provider + "/" + id }

func pushValidatingKey(provider string) string { return "push/validating/" + provider }

func (rec *pushRecord) subscription() *Subscription {
	return &Subscription{ID: rec.ID, Resource: rec.Resource, Expires: rec.Expires,
		RenewAt: rec.RenewAt, Cursor: rec.Cursor}
}

// loadPush returns the record stored under key, or an error wrapping
// ErrNotFound when there is none or it was removed.
func (m *Manager) loadPush(ctx context.Context, key string) (*pushRecord, error) {
	b, err := m.store.Setting(ctx, key)
	if err != nil {
		return nil, err
	}
	var rec pushRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("mailmanager: push record is malformed: %w", err)
	}
	if rec.Removed {
		return nil, ErrNotFound
	}
	return &rec, nil
}

// savePush stores rec under its account and its ID.
func (m *Manager) savePush(ctx context.Context, rec *pushRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("mailmanager: encode push record: %w", err)
	}
	if rec.ID != "" {
		if err := m.store.PutSetting(ctx, pushSubKey(rec.Provider, rec.ID), b); err != nil {
			return fmt.Errorf("mailmanager: save push record: %w", err)
		}
	}
	if err := m.store.PutSetting(ctx, pushAccountKey(rec.Account), b); err != nil {
		return fmt.Errorf("mailmanager: save push record: %w", err)
	}
	return nil
}

// removePush marks rec removed under its ID and, when it is still the
// account's current one, under the account.
func (m *Manager) removePush(ctx context.Context, rec *pushRecord) error {
	gone := *rec
	gone.Removed, gone.State = true, nil
	b, err := json.Marshal(&gone)
	if err != nil {
		return fmt.Errorf("mailmanager: encode push record: %w", err)
	}
	if rec.ID != "" {
		if err := m.store.PutSetting(ctx, pushSubKey(rec.Provider, rec.ID), b); err != nil {
			return fmt.Errorf("mailmanager: remove push record: %w", err)
		}
	}
	cur, err := m.loadPush(ctx, pushAccountKey(rec.Account))
	if err != nil || cur.ID != rec.ID {
		return nil
	}
	if err := m.store.PutSetting(ctx, pushAccountKey(rec.Account), b); err != nil {
		return fmt.Errorf("mailmanager: remove push record: %w", err)
	}
	return nil
}

func (m *Manager) sealClientState(accountID, state string) []byte {
	return m.secrets.seal([]byte(state), "push-state/"+accountID)
}

// clientStateMatches compares got with the record's secret in constant
// time.
func (m *Manager) clientStateMatches(rec *pushRecord, got string) bool {
	want, err := m.secrets.open(rec.State, "push-state/"+rec.Account)
	if err != nil || len(want) == 0 {
		return false
	}
	a, b := sha256.Sum256(want), sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// openValidation lets validation requests for provider in for a while,
// as a subscription is being created.
func (m *Manager) openValidation(ctx context.Context, provider string) error {
	until := m.now().Add(validationWindow).UnixNano()
	b, _ := json.Marshal(until)
	return m.store.PutSetting(ctx, pushValidatingKey(provider), b)
}

// validationWindow is how long after a subscription request validation
// requests are answered. Graph gives the receiver 10 seconds.
const validationWindow = 30 * time.Second

// acceptValidation reports whether a validation request with token may be
// answered: a subscription of provider is being created and the token was
// not seen before.
func (m *Manager) acceptValidation(ctx context.Context, provider, token string) (bool, error) {
	b, err := m.store.Setting(ctx, pushValidatingKey(provider))
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var until int64
	if json.Unmarshal(b, &until) != nil || !m.now().Before(time.Unix(0, until)) {
		return false, nil
	}
	sum := sha256.Sum256([]byte(provider + "\x00" + token))
	nonce := "push-validation/" + hex.EncodeToString(sum[:])
	err = m.store.ClaimNonce(ctx, nonce, m.now().Add(24*time.Hour))
	if errors.Is(err, ErrConflict) {
		return false, nil
	}
	return err == nil, err
}
