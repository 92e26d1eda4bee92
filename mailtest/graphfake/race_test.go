package graphfake

import (
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServer_Concurrent hammers one mailbox through the API and the Go
// methods at once; run with -race. At the end a fresh delta round must
// list exactly the inbox.
func TestServer_Concurrent(t *testing.T) {
	f := newFixture(t)
	seed := f.deliver(ada, "", 20)
	start := f.runDelta("/me/mailFolders/inbox/messages/delta", imm...)

	var wg sync.WaitGroup
	ok := func(status int) bool {
		switch status {
		case 200, 201, 202, 204, http.StatusTooManyRequests:
			return true
		}
		return false
	}
	wg.Go(func() {
		for range 30 {
			f.deliver(ada, "", 1)
		}
	})
	wg.Go(func() {
		for i, id := range seed[:10] {
			if i%2 == 0 {
				f.s.Move(ada, id, "archive")
			} else {
				f.s.Update(ada, id, func(m *Message) { m.IsRead = true })
			}
		}
	})
	wg.Go(func() {
		for _, id := range seed[10:] {
			res := f.call("PATCH", "/me/messages/"+url.PathEscape(id),
				map[string]any{"flag": map[string]any{"flagStatus": "flagged"}}, imm...)
			assert.True(t, ok(res.status), res.status)
		}
	})
	wg.Go(func() {
		for range 10 {
			res := f.call("GET", "/me/mailFolders/inbox/messages?$top=5", nil, imm...)
			assert.True(t, ok(res.status), res.status)
			res = f.call("GET", start.deltaLink, nil, imm...)
			assert.True(t, ok(res.status), res.status)
		}
	})
	wg.Go(func() {
		for range 10 {
			res := f.call("POST", "/me/sendMail", map[string]any{"message": map[string]any{
				"subject": "hi", "toRecipients": []any{rcpt(bob)}}})
			assert.True(t, ok(res.status), res.status)
			_ = f.s.Messages(bob)
		}
	})
	wg.Wait()

	inboxID := f.call("GET", "/me/mailFolders/inbox", nil).str("id")
	var inbox []string
	for _, m := range f.s.Messages(ada) {
		if m.ParentFolderID == inboxID {
			inbox = append(inbox, m.ID)
		}
	}
	fresh := f.runDelta("/me/mailFolders/inbox/messages/delta", imm...)
	changed, removed := split(fresh.items)
	assert.ElementsMatch(t, inbox, changed)
	assert.Empty(t, removed)
	require.Len(t, inbox, 45, "20 seeded, 5 moved out, 30 delivered")
	assert.Equal(t, len(f.s.Sent(ada)), len(f.s.Messages(bob)))
}
