package mailmanager

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// cursorPrefix marks a cursor the Manager wrapped; anything else stored as
// a cursor is taken as a provider's cursor alone.
const cursorPrefix = "mm1."

// syncState is what the Manager stores as an account's cursor: the
// provider's cursor plus what a resync needs to know.
type syncState struct {
	// Provider is the provider's own cursor.
	Provider string `json:"c,omitempty"`
	// Since is the boundary of the account's first sync, reused when the
	// mailbox must be synced again in full.
	Since int64 `json:"s,omitempty"`
	// Resets are the times of recent resets, newest last, for the loop
	// guard.
	Resets []int64 `json:"r,omitempty"`
	// Resetting reports a full sync after a reset that has not finished,
	// so a resumed run still marks its pages as a reset.
	Resetting bool `json:"x,omitempty"`
}

func parseSyncState(s string) syncState {
	if !strings.HasPrefix(s, cursorPrefix) {
		return syncState{Provider: s}
	}
	b, err := base64.RawURLEncoding.DecodeString(s[len(cursorPrefix):])
	var st syncState
	if err != nil || json.Unmarshal(b, &st) != nil {
		// An unreadable cursor starts over; the provider sees "".
		return syncState{}
	}
	return st
}

func (st syncState) String() string {
	b, err := json.Marshal(st)
	if err != nil {
		panic("mailmanager: marshal sync state: " + err.Error())
	}
	return cursorPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// recentResets returns the resets within window before now.
func (st syncState) recentResets(now time.Time, window time.Duration) int {
	n := 0
	for _, r := range st.Resets {
		if now.Sub(time.Unix(r, 0)) < window {
			n++
		}
	}
	return n
}
