package main

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mailmanager/mailmanager"
)

// index is the example's own copy of its users' mail, kept in memory and
// updated by the pages of [mailmanager.Manager.Sync]. A real host keeps it
// in its database. It is safe for concurrent use.
//
// Messages in it are never changed in place: an update replaces the
// pointer, so a reader may keep a message after the lock is released.
type index struct {
	mu    sync.RWMutex
	boxes map[string]*boxIndex // by account ID
}

// boxIndex is the mail of one account.
type boxIndex struct {
	account  mailmanager.Account
	messages map[string]*mailmanager.Message // by provider message ID
	// who holds the normalized participants and domains of each message,
	// computed once when it arrives, as a database would index them.
	who     map[string]participants
	folders []mailmanager.Folder
	// resetSeen collects the IDs a full sync that follows an expired
	// cursor delivers; when it is done, messages it did not deliver are
	// dropped. It is nil outside such a sync.
	resetSeen map[string]bool
}

func newIndex() *index {
	return &index{boxes: make(map[string]*boxIndex)}
}

// box returns the account's index, creating it. The caller holds mu.
func (x *index) box(a *mailmanager.Account) *boxIndex {
	b, ok := x.boxes[a.ID]
	if !ok {
		b = &boxIndex{
			messages: make(map[string]*mailmanager.Message),
			who:      make(map[string]participants),
		}
		x.boxes[a.ID] = b
	}
	b.account = *a
	return b
}

// apply takes one page of a sync: upserts, deletions, and the end of a
// full sync after an expired cursor. It is idempotent, as pages may come
// twice.
func (x *index) apply(a *mailmanager.Account, c *mailmanager.Changes) {
	x.mu.Lock()
	defer x.mu.Unlock()
	b := x.box(a)
	if c.Reset && b.resetSeen == nil {
		b.resetSeen = make(map[string]bool)
	}
	if b.resetSeen != nil && !c.Full {
		// The full sync ended without a last page; keep everything.
		b.resetSeen = nil
	}
	for _, m := range c.Messages {
		if m == nil || m.ID == "" {
			continue
		}
		b.put(m)
		if b.resetSeen != nil {
			b.resetSeen[m.ID] = true
		}
	}
	for _, id := range c.Deleted {
		b.remove(id)
	}
	if b.resetSeen != nil && c.Done {
		for id := range b.messages {
			if !b.resetSeen[id] {
				b.remove(id)
			}
		}
		b.resetSeen = nil
	}
}

// participants are the normalized addresses and domains on a message.
type participants struct {
	addresses, domains []string
}

func (b *boxIndex) put(m *mailmanager.Message) {
	b.messages[m.ID] = m
	b.who[m.ID] = participants{addresses: m.Participants(), domains: m.Domains()}
}

func (b *boxIndex) remove(id string) {
	delete(b.messages, id)
	delete(b.who, id)
}

// setFolders replaces the account's folders or labels.
func (x *index) setFolders(a *mailmanager.Account, folders []mailmanager.Folder) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.box(a).folders = folders
}

// drop forgets an account's mail.
func (x *index) drop(accountID string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.boxes, accountID)
}

// message returns one message, or nil.
func (x *index) message(accountID, id string) *mailmanager.Message {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if b := x.boxes[accountID]; b != nil {
		return b.messages[id]
	}
	return nil
}

// update applies fn to a copy of each message and stores the copy, so the
// list shows a change at once, before the next sync confirms it.
func (x *index) update(accountID string, ids []string, fn func(*mailmanager.Message)) {
	x.mu.Lock()
	defer x.mu.Unlock()
	b := x.boxes[accountID]
	if b == nil {
		return
	}
	for _, id := range ids {
		if m := b.messages[id]; m != nil {
			c := *m
			c.Labels = slices.Clone(m.Labels)
			fn(&c)
			b.put(&c)
		}
	}
}

// thread returns the messages of a conversation, oldest first.
func (x *index) thread(accountID, threadID string) []*mailmanager.Message {
	x.mu.RLock()
	defer x.mu.RUnlock()
	b := x.boxes[accountID]
	if b == nil {
		return nil
	}
	var out []*mailmanager.Message
	for _, m := range b.messages {
		if m.ThreadID == threadID || m.ID == threadID {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, byDate)
	return out
}

// shownDate is the date the list sorts and shows a message by: its Date
// header, unless that lies more than two days after the message was
// received, as spam's and broken clocks' dates do.
func shownDate(m *mailmanager.Message) time.Time {
	if !m.Received.IsZero() && m.Date.After(m.Received.Add(48*time.Hour)) {
		return m.Received
	}
	return m.Date
}

// byDate orders messages oldest first.
func byDate(p, q *mailmanager.Message) int {
	return cmp.Or(shownDate(p).Compare(shownDate(q)), strings.Compare(p.ID, q.ID))
}

// listQuery selects conversations.
type listQuery struct {
	// Accounts are the accounts to list, those of the signed-in user.
	Accounts []string
	// Account limits the list to one of them, if set.
	Account string
	// Folder limits the list to a folder or label of Account.
	Folder string
	// View is "", "unread" or "starred".
	View string
	// Search is an address, an "@domain" or words.
	Search string
	// Offset and Limit page through the result.
	Offset, Limit int
}

// conversation is a thread as the list shows it: the messages of it that
// match the query.
type conversation struct {
	AccountID string
	ThreadID  string
	Messages  []*mailmanager.Message // oldest first
	Latest    *mailmanager.Message
	Unread    bool
	Starred   bool
}

// list returns one page of matching conversations, newest first, and the
// number of all matching ones.
func (x *index) list(q listQuery) ([]*conversation, int) {
	match := newMatcher(q.Search)
	x.mu.RLock()
	groups := make(map[[2]string]*conversation)
	for _, id := range q.Accounts {
		b := x.boxes[id]
		if b == nil || (q.Account != "" && q.Account != id) {
			continue
		}
		for _, m := range b.messages {
			if !b.inView(m, q) || !match(m, b.who[m.ID]) {
				continue
			}
			key := [2]string{id, cmp.Or(m.ThreadID, m.ID)}
			c := groups[key]
			if c == nil {
				c = &conversation{AccountID: id, ThreadID: key[1]}
				groups[key] = c
			}
			c.Messages = append(c.Messages, m)
		}
	}
	x.mu.RUnlock()

	all := make([]*conversation, 0, len(groups))
	for _, c := range groups {
		slices.SortFunc(c.Messages, byDate)
		c.Latest = c.Messages[len(c.Messages)-1]
		for _, m := range c.Messages {
			c.Unread = c.Unread || !m.Read
			c.Starred = c.Starred || m.Starred
		}
		all = append(all, c)
	}
	slices.SortFunc(all, func(p, q *conversation) int {
		return cmp.Or(shownDate(q.Latest).Compare(shownDate(p.Latest)),
			strings.Compare(p.AccountID+p.ThreadID, q.AccountID+q.ThreadID))
	})
	total := len(all)
	lo := min(max(q.Offset, 0), total)
	hi := min(lo+max(q.Limit, 1), total)
	return all[lo:hi], total
}

// inView reports whether m belongs to the folder and view asked for.
// Without a folder, the trash and spam are left out.
func (b *boxIndex) inView(m *mailmanager.Message, q listQuery) bool {
	switch q.View {
	case "unread":
		if m.Read {
			return false
		}
	case "starred":
		if !m.Starred {
			return false
		}
	}
	if q.Folder != "" {
		return b.inFolder(m, q.Folder)
	}
	return !b.hidden(m)
}

// inFolder reports whether m is in a Gmail label or Outlook folder.
func (b *boxIndex) inFolder(m *mailmanager.Message, folder string) bool {
	if m.Folder != "" {
		return m.Folder == folder
	}
	return slices.Contains(m.Labels, folder)
}

// hidden reports a message in the trash or spam.
func (b *boxIndex) hidden(m *mailmanager.Message) bool {
	if m.Folder != "" {
		for _, f := range b.folders {
			if f.ID == m.Folder {
				return folderRole(b.account.Provider, f) == roleTrash ||
					folderRole(b.account.Provider, f) == roleJunk
			}
		}
		return false
	}
	return slices.Contains(m.Labels, "TRASH") || slices.Contains(m.Labels, "SPAM")
}

// unread counts unread messages per account and per folder of it, trash
// and spam left out of the account's count.
func (x *index) unread(accountIDs []string) (perAccount map[string]int,
	perFolder map[string]map[string]int) {
	perAccount = make(map[string]int)
	perFolder = make(map[string]map[string]int)
	x.mu.RLock()
	defer x.mu.RUnlock()
	for _, id := range accountIDs {
		b := x.boxes[id]
		if b == nil {
			continue
		}
		folders := make(map[string]int)
		for _, m := range b.messages {
			if m.Read {
				continue
			}
			if m.Folder != "" {
				folders[m.Folder]++
			}
			for _, l := range m.Labels {
				folders[l]++
			}
			if !b.hidden(m) {
				perAccount[id]++
			}
		}
		perFolder[id] = folders
	}
	return perAccount, perFolder
}

// folders returns the account's folders or labels as last synced.
func (x *index) folders(accountID string) []mailmanager.Folder {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if b := x.boxes[accountID]; b != nil {
		return b.folders
	}
	return nil
}

// count returns how many messages the index holds for an account.
func (x *index) count(accountID string) int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if b := x.boxes[accountID]; b != nil {
		return len(b.messages)
	}
	return 0
}

// newMatcher returns the search predicate for q: an "@domain" matches a
// participant's domain, an address matches a participant, both compared
// in the form mailmanager normalizes them to; other words must all appear
// in the subject, a sender or the snippet.
func newMatcher(q string) func(*mailmanager.Message, participants) bool {
	q = strings.TrimSpace(q)
	switch {
	case q == "":
		return func(*mailmanager.Message, participants) bool { return true }
	case strings.HasPrefix(q, "@") && !strings.ContainsAny(q, " \t"):
		domain := mailmanager.NormalizeDomain(q)
		return func(_ *mailmanager.Message, p participants) bool {
			_, found := slices.BinarySearch(p.domains, domain)
			return found
		}
	case strings.Contains(q, "@") && !strings.ContainsAny(q, " \t"):
		addr := mailmanager.NormalizeEmail(q)
		return func(_ *mailmanager.Message, p participants) bool {
			_, found := slices.BinarySearch(p.addresses, addr)
			return found
		}
	}
	words := strings.Fields(strings.ToLower(q))
	return func(m *mailmanager.Message, _ participants) bool {
		var hay strings.Builder
		hay.WriteString(strings.ToLower(m.Subject + " " + m.Snippet))
		if m.From != nil {
			hay.WriteString(" " + strings.ToLower(m.From.String()))
		}
		h := hay.String()
		for _, w := range words {
			if !strings.Contains(h, w) {
				return false
			}
		}
		return true
	}
}
