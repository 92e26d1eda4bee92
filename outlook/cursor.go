package outlook

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mailmanager/mailmanager"
)

// cursorVersion is the version of the cursor's layout.
const cursorVersion = 1

// syncState is what a Sync cursor holds: where each folder's delta query
// resumes and, within a run, the removals not yet delivered. It travels as
// base64url-encoded JSON; the host treats it as opaque.
type syncState struct {
	V int `json:"v"`
	// Links maps each synced folder's ID to the delta or next link to
	// follow, relative to the API URL; "" means the folder's first round has
	// not started.
	Links map[string]string `json:"l"`
	// Pending are IDs Graph reported removed during the run. They are
	// delivered on the run's last page, except those the run saw added in
	// another folder: those moved.
	Pending []string `json:"p,omitempty"`
	// Run reports a cursor taken in the middle of a run.
	Run bool `json:"r,omitempty"`
	// Full reports that the run is a first, full sync.
	Full bool `json:"f,omitempty"`
}

// decodeCursor reads a cursor; "" is the state before a first sync. A
// cursor it cannot read yields an error wrapping ErrCursorExpired, so the
// caller syncs again from the start.
func decodeCursor(s string) (*syncState, error) {
	if s == "" {
		return &syncState{V: cursorVersion, Links: map[string]string{}}, nil
	}
	st := &syncState{}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, st)
	}
	if err == nil && st.V != cursorVersion {
		err = fmt.Errorf("version %d", st.V)
	}
	if err == nil {
		for _, l := range st.Links {
			if l != "" && !strings.HasPrefix(l, "/") {
				err = fmt.Errorf("link outside the API")
				break
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("outlook: sync: unreadable cursor (%v): %w", err,
			mailmanager.ErrCursorExpired)
	}
	if st.Links == nil {
		st.Links = map[string]string{}
	}
	return st, nil
}

// encode returns the cursor of st.
func (st *syncState) encode() string {
	b, _ := json.Marshal(st) // strings, a map and bools cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

// relLink returns a link Graph gave, relative to the API URL. A link to
// anywhere else is refused: the cursor must never send the mailbox's token
// to another host.
func (m *Mailbox) relLink(link string) (string, error) {
	rest, ok := strings.CutPrefix(link, m.cfg.APIURL)
	if !ok || !strings.HasPrefix(rest, "/") {
		return "", fmt.Errorf("outlook: messages.delta: link outside %s", m.cfg.APIURL)
	}
	return rest, nil
}

// absLink returns the absolute form of a link from the cursor.
func (m *Mailbox) absLink(rel string) string {
	return m.cfg.APIURL + rel
}
