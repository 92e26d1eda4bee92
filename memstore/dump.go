package memstore

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"slices"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mailmanager/mailmanager"
)

// dump is the JSON form of a Store. Byte values are shown by showBytes.
type dump struct {
	Accounts []dumpAccount     `json:"accounts"`
	Settings map[string]any    `json:"settings"`
	Nonces   map[string]string `json:"nonces"`
}

type dumpAccount struct {
	ID           string                    `json:"id"`
	UserID       string                    `json:"user_id"`
	Provider     string                    `json:"provider"`
	Address      string                    `json:"address"`
	Status       mailmanager.AccountStatus `json:"status"`
	TokenVersion int64                     `json:"token_version"`
	Token        any                       `json:"token"`
	Cursor       string                    `json:"cursor"`
	CreatedAt    string                    `json:"created_at"`
	UpdatedAt    string                    `json:"updated_at"`
}

// Dump returns everything the store holds as indented JSON, for debugging:
// accounts ordered by creation time and then ID, settings by key, and
// claimed nonces (expired ones included until they are swept) with their
// expiry. The caller owns the returned slice.
//
// Tokens and setting values are shown as a JSON string when the stored
// bytes are printable UTF-8 text, and otherwise as {"base64": "..."}. The
// Manager seals tokens and secrets, so they show as base64, while anything
// stored in clear is readable, and searchable, as it is.
func (s *Store) Dump() []byte {
	var accounts []*mailmanager.StoredAccount
	d := dump{
		Accounts: []dumpAccount{},
		Settings: map[string]any{},
		Nonces:   map[string]string{},
	}

	s.mu.RLock()
	for _, a := range s.accounts {
		accounts = append(accounts, a.Clone())
	}
	for k, v := range s.settings {
		d.Settings[k] = showBytes(v)
	}
	for n, expires := range s.nonces {
		d.Nonces[n] = formatTime(expires)
	}
	s.mu.RUnlock()

	slices.SortFunc(accounts, byCreation)
	for _, a := range accounts {
		d.Accounts = append(d.Accounts, dumpAccount{
			ID:           a.ID,
			UserID:       a.UserID,
			Provider:     a.Provider,
			Address:      a.Address,
			Status:       a.Status,
			TokenVersion: a.TokenVersion,
			Token:        showBytes(a.Token),
			Cursor:       a.Cursor,
			CreatedAt:    formatTime(a.CreatedAt),
			UpdatedAt:    formatTime(a.UpdatedAt),
		})
	}
	// encoding/json writes map keys sorted, so the output is stable. HTML
	// escaping would hide characters of stored text.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		// Unreachable: a dump holds only strings, maps and numbers.
		panic("memstore: dump: " + err.Error())
	}
	return b.Bytes()
}

// encoded is how a dump shows bytes that are not text.
type encoded struct {
	Base64 string `json:"base64"`
}

// showBytes returns b as a string if it is printable UTF-8 text (tabs and
// line breaks allowed), and as base64 otherwise.
func showBytes(b []byte) any {
	if !utf8.Valid(b) {
		return encoded{Base64: base64.StdEncoding.EncodeToString(b)}
	}
	for _, r := range string(b) {
		if !unicode.IsGraphic(r) && r != '\t' && r != '\n' && r != '\r' {
			return encoded{Base64: base64.StdEncoding.EncodeToString(b)}
		}
	}
	return string(b)
}

// formatTime formats t for a dump. Unlike time.Time's MarshalJSON it
// accepts every year.
func formatTime(t time.Time) string {
	return t.Format(time.RFC3339Nano)
}
