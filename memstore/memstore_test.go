package memstore

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest/storetest"
)

var _ mailmanager.TokenStore = (*Store)(nil)

func TestStore_Contract(t *testing.T) {
	t.Run("New", func(t *testing.T) {
		storetest.TestTokenStore(t, func(*testing.T) mailmanager.TokenStore { return New() })
	})
	t.Run("ZeroValue", func(t *testing.T) {
		storetest.TestTokenStore(t, func(*testing.T) mailmanager.TokenStore { return &Store{} })
	})
}

func TestStore_Leaser(t *testing.T) {
	storetest.TestLeaser(t, func(*testing.T) mailmanager.TokenStore { return New() })
}

// TestStore_ContractWithDatabaseTimes runs the suite on a store that keeps
// times as a database does, in UTC to the microsecond, to show that the
// suite does not demand exact times.
func TestStore_ContractWithDatabaseTimes(t *testing.T) {
	storetest.TestTokenStore(t, func(*testing.T) mailmanager.TokenStore {
		return dbTimes{New()}
	})
}

// dbTimes is a Store whose times pass through a database column.
type dbTimes struct{ *Store }

func (s dbTimes) CreateAccount(ctx context.Context, a *mailmanager.StoredAccount) error {
	if a == nil {
		return s.Store.CreateAccount(ctx, a)
	}
	c := a.Clone()
	c.CreatedAt = c.CreatedAt.Round(time.Microsecond).UTC()
	c.UpdatedAt = c.UpdatedAt.Round(time.Microsecond).UTC()
	return s.Store.CreateAccount(ctx, c)
}

func (s dbTimes) ClaimNonce(ctx context.Context, nonce string, expires time.Time) error {
	return s.Store.ClaimNonce(ctx, nonce, expires.Round(time.Microsecond).UTC())
}

// dumped is what a test reads back from a dump.
type dumped struct {
	Accounts []struct {
		ID           string          `json:"id"`
		UserID       string          `json:"user_id"`
		Provider     string          `json:"provider"`
		Address      string          `json:"address"`
		Status       string          `json:"status"`
		TokenVersion int64           `json:"token_version"`
		Token        json.RawMessage `json:"token"`
		Cursor       string          `json:"cursor"`
		CreatedAt    string          `json:"created_at"`
		UpdatedAt    string          `json:"updated_at"`
	} `json:"accounts"`
	Settings map[string]json.RawMessage `json:"settings"`
	Nonces   map[string]string          `json:"nonces"`
}

func readDump(t *testing.T, s *Store) dumped {
	t.Helper()
	var d dumped
	require.NoError(t, json.Unmarshal(s.Dump(), &d), "dump is JSON")
	return d
}

func TestStore_DumpEmpty(t *testing.T) {
	d := readDump(t, New())
	assert.Empty(t, d.Accounts)
	assert.Empty(t, d.Settings)
	assert.Empty(t, d.Nonces)
}

func TestStore_DumpShowsEverything(t *testing.T) {
	ctx := t.Context()
	s := New()
	created := time.Date(2025, 3, 4, 5, 6, 7, 8000, time.UTC)
	expires := created.Add(time.Hour)
	for i, user := range []string{"user-2", "user-1"} {
		require.NoError(t, s.CreateAccount(ctx, &mailmanager.StoredAccount{
			Account: mailmanager.Account{
				ID:           fmt.Sprintf("acct-%d", i+1),
				UserID:       user,
				Provider:     "gmail",
				Address:      user + "@example.com",
				Status:       mailmanager.StatusNeedsReauth,
				TokenVersion: 3,
				Cursor:       "history-42",
				CreatedAt:    created.Add(-time.Duration(i) * time.Second),
				UpdatedAt:    created,
			},
			Token: append([]byte{0x01, 0x00}, user...),
		}))
	}
	require.NoError(t, s.PutSetting(ctx, "gmail.client", []byte(`{"client_id":"id-1"}`)))
	require.NoError(t, s.ClaimNonce(ctx, "nonce-1", expires))

	d := readDump(t, s)

	require.Len(t, d.Accounts, 2)
	a := d.Accounts[0]
	assert.Equal(t, "acct-2", a.ID, "oldest account first")
	assert.Equal(t, "acct-1", d.Accounts[1].ID)
	assert.Equal(t, "user-1", a.UserID)
	assert.Equal(t, "gmail", a.Provider)
	assert.Equal(t, "user-1@example.com", a.Address)
	assert.Equal(t, "needs_reauth", a.Status)
	assert.Equal(t, int64(3), a.TokenVersion)
	assert.Equal(t, "history-42", a.Cursor)
	assert.Equal(t, created.Add(-time.Second).Format(time.RFC3339Nano), a.CreatedAt)
	assert.Equal(t, created.Format(time.RFC3339Nano), a.UpdatedAt)
	assert.JSONEq(t, `{"base64": "AQB1c2VyLTE="}`, string(a.Token))
	assert.JSONEq(t, `{"gmail.client": "{\"client_id\":\"id-1\"}"}`, settings(t, d))
	assert.Equal(t, map[string]string{"nonce-1": expires.Format(time.RFC3339Nano)}, d.Nonces)
}

// settings returns the settings of a dump as one JSON object.
func settings(t *testing.T, d dumped) string {
	t.Helper()
	b, err := json.Marshal(d.Settings)
	require.NoError(t, err)
	return string(b)
}

// TestStore_DumpShowsBytes checks that stored bytes show as text when they
// are text, so that a search of the dump finds what is stored in clear, and
// as base64 otherwise.
func TestStore_DumpShowsBytes(t *testing.T) {
	tests := []struct {
		name    string
		value   []byte
		want    string // JSON
		literal bool   // the raw dump holds value unescaped
	}{
		{"text", []byte("client-secret"), `"client-secret"`, true},
		{"empty", nil, `""`, false},
		{"line breaks and tabs", []byte("a\tb\r\nc"), `"a\tb\r\nc"`, false},
		{"html characters", []byte("<a&b>"), `"<a&b>"`, true},
		{"non-ascii text", []byte("grüße ✓"), `"grüße ✓"`, true},
		{"control character", []byte("bell\a"), `{"base64": "YmVsbAc="}`, false},
		{"nul", []byte{'a', 0, 'b'}, `{"base64": "YQBi"}`, false},
		{"invalid utf-8", []byte{'a', 0xff, 0xfe}, `{"base64": "Yf/+"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			s := New()
			require.NoError(t, s.PutSetting(ctx, "key", tt.value))
			require.NoError(t, s.CreateAccount(ctx, &mailmanager.StoredAccount{
				Account: mailmanager.Account{ID: "acct-1"},
				Token:   tt.value,
			}))

			d := readDump(t, s)

			assert.JSONEq(t, tt.want, string(d.Settings["key"]), "setting")
			require.Len(t, d.Accounts, 1)
			assert.JSONEq(t, tt.want, string(d.Accounts[0].Token), "token")
			if tt.literal {
				assert.Contains(t, string(s.Dump()), string(tt.value), "text as it is")
			}
		})
	}
}

// TestStore_ClaimNonceSweeps checks that expired nonces do not pile up and
// that the sweep keeps live ones.
func TestStore_ClaimNonceSweeps(t *testing.T) {
	ctx := t.Context()
	s := New()
	const live, expired = 10, 20 * minSweep
	for i := range live {
		require.NoError(t, s.ClaimNonce(ctx, fmt.Sprintf("live-%d", i), time.Now().Add(time.Hour)))
	}
	for i := range expired {
		require.NoError(t, s.ClaimNonce(ctx, fmt.Sprintf("old-%d", i), time.Now().Add(-time.Hour)))
	}

	d := readDump(t, s)
	assert.Less(t, len(d.Nonces), 2*minSweep, "nonces held after %d expired claims", expired)
	for i := range live {
		assert.Contains(t, d.Nonces, fmt.Sprintf("live-%d", i))
		err := s.ClaimNonce(ctx, fmt.Sprintf("live-%d", i), time.Now().Add(time.Hour))
		assert.ErrorIs(t, err, mailmanager.ErrConflict, "live nonce %d after sweeps", i)
	}
}

func TestStore_ErrorsNameNoSecret(t *testing.T) {
	ctx := t.Context()
	s := New()
	require.NoError(t, s.CreateAccount(ctx, &mailmanager.StoredAccount{
		Account: mailmanager.Account{ID: "acct-1", UserID: "user-1"},
		Token:   []byte("sealed-token"),
	}))
	require.NoError(t, s.ClaimNonce(ctx, "nonce-secret", time.Now().Add(time.Hour)))

	_, err := s.UpdateToken(ctx, "acct-1", 5, []byte("sealed-new-token"))
	require.ErrorIs(t, err, mailmanager.ErrConflict)
	assert.NotContains(t, err.Error(), "sealed")
	assert.Regexp(t, `^memstore: `, err.Error())
	err = s.ClaimNonce(ctx, "nonce-secret", time.Now().Add(time.Hour))
	require.ErrorIs(t, err, mailmanager.ErrConflict)
	assert.NotContains(t, err.Error(), "nonce-secret")
	assert.Regexp(t, `^memstore: `, err.Error())
}

func TestStore_CreateAccountWithoutID(t *testing.T) {
	tests := []struct {
		name string
		a    *mailmanager.StoredAccount
	}{
		{"nil", nil},
		{"empty id", &mailmanager.StoredAccount{Account: mailmanager.Account{UserID: "user-1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			err := s.CreateAccount(t.Context(), tt.a)
			assert.EqualError(t, err, "memstore: create account: no account id")
			list, err := s.Accounts(t.Context(), "")
			require.NoError(t, err)
			assert.Empty(t, list)
		})
	}
}

func TestStore_CanceledContext(t *testing.T) {
	s := New()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.Account(ctx, "acct-1")
	assert.ErrorIs(t, err, context.Canceled, "Account")
	err = s.PutSetting(ctx, "key", []byte("value"))
	assert.ErrorIs(t, err, context.Canceled, "PutSetting")
	_, err = s.Setting(t.Context(), "key")
	assert.ErrorIs(t, err, mailmanager.ErrNotFound, "a canceled put stores nothing")
}
