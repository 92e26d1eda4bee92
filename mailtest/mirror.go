package mailtest

import (
	"context"
	"sync"

	"github.com/mailmanager/mailmanager"
)

// Mirror is a host's copy of one mailbox, kept up to date by the pages of
// [mailmanager.Manager.Sync]: pass its Apply as the page function. It
// handles reset runs as a host should: messages that a reset does not
// deliver again are dropped when its last page arrives. Tests compare it
// with a fake's mailbox. It is safe for concurrent use.
type Mirror struct {
	mu      sync.Mutex
	msgs    map[string]*mailmanager.Message
	inReset bool
	seen    map[string]bool
}

// Apply takes one page of a sync. It never fails.
func (mr *Mirror) Apply(_ context.Context, c *mailmanager.Changes) error {
	mr.mu.Lock()
	defer mr.mu.Unlock()
	if mr.msgs == nil {
		mr.msgs = make(map[string]*mailmanager.Message)
	}
	for _, m := range c.Messages {
		mr.msgs[m.ID] = m
	}
	for _, id := range c.Deleted {
		delete(mr.msgs, id)
	}
	if !c.Reset {
		return nil
	}
	if !mr.inReset {
		mr.inReset, mr.seen = true, make(map[string]bool)
	}
	for _, m := range c.Messages {
		mr.seen[m.ID] = true
	}
	if c.Done {
		for id := range mr.msgs {
			if !mr.seen[id] {
				delete(mr.msgs, id)
			}
		}
		mr.inReset = false
	}
	return nil
}

// Messages returns the messages held, by ID. The map is a copy; the
// messages are shared.
func (mr *Mirror) Messages() map[string]*mailmanager.Message {
	mr.mu.Lock()
	defer mr.mu.Unlock()
	out := make(map[string]*mailmanager.Message, len(mr.msgs))
	for id, m := range mr.msgs {
		out[id] = m
	}
	return out
}

// Len returns the number of messages held.
func (mr *Mirror) Len() int {
	mr.mu.Lock()
	defer mr.mu.Unlock()
	return len(mr.msgs)
}
