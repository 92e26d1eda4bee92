package gmailfake

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// firstHistoryID is the history ID of a new, empty mailbox.
const firstHistoryID = 1000

// message is one stored message.
type message struct {
	id        string
	threadID  string
	labels    []string
	raw       []byte
	internal  time.Time // millisecond precision
	historyID uint64
	doc       *document
	draftID   string // set while the message is a draft
	// trashedInbox reports that trashing took the INBOX label away, so
	// untrash gives it back.
	trashedInbox bool
}

func (m *message) has(label string) bool { return slices.Contains(m.labels, label) }

// record is one history record: a message added or deleted, or labels
// added to or removed from it.
type record struct {
	id            uint64
	msgID         string
	threadID      string
	labels        []string // the message's labels after the change
	added         bool
	deleted       bool
	labelsAdded   []string
	labelsRemoved []string
}

// userLabel is a label the user created.
type userLabel struct {
	id         string
	name       string
	messageVis string
	labelVis   string
}

// alias is a send-as address besides the primary one.
type alias struct {
	email    string
	verified bool
}

// mailbox is one user's mail, guarded by Server.mu.
type mailbox struct {
	address     string
	historyID   uint64
	floor       uint64 // history.list answers 404 for a start below it
	messages    map[string]*message
	byMessageID map[string][]*message
	history     []record
	labels      []*userLabel
	drafts      map[string]*message // by draft ID
	sent        []Message
	aliases     []alias
	watch       *watch // set by users.watch, nil after users.stop
}

func newMailbox(address string) *mailbox {
	return &mailbox{
		address:     address,
		historyID:   firstHistoryID,
		floor:       firstHistoryID,
		messages:    make(map[string]*message),
		byMessageID: make(map[string][]*message),
		drafts:      make(map[string]*message),
	}
}

// nextID returns a new message ID: like Gmail's, 16 hex digits that start
// with the time in milliseconds and grow with every message.
func (s *Server) nextID(now time.Time) string {
	v := uint64(max(now.UnixMilli(), 0)) << 20
	if v <= s.lastID {
		v = s.lastID + 1
	}
	s.lastID = v
	return fmt.Sprintf("%016x", v)
}

// log appends rec to the history under a new history ID and returns it.
func (mb *mailbox) log(rec record, limit int) uint64 {
	mb.historyID++
	rec.id = mb.historyID
	rec.labels = slices.Clone(rec.labels)
	mb.history = append(mb.history, rec)
	mb.trimHistory(limit)
	if mb.watch != nil {
		mb.watch.changed(mb, rec)
	}
	return rec.id
}

// trimHistory drops the oldest records beyond limit (0 keeps all).
func (mb *mailbox) trimHistory(limit int) {
	if limit <= 0 || len(mb.history) <= limit {
		return
	}
	drop := len(mb.history) - limit
	mb.floor = max(mb.floor, mb.history[drop-1].id)
	mb.history = slices.Delete(mb.history, 0, drop)
}

// insert stores m and records its arrival.
func (mb *mailbox) insert(m *message, limit int) {
	mb.messages[m.id] = m
	if id := m.doc.messageID; id != "" {
		mb.byMessageID[id] = append(mb.byMessageID[id], m)
	}
	m.historyID = mb.log(record{
		msgID: m.id, threadID: m.threadID, labels: m.labels, added: true,
	}, limit)
}

// remove deletes m for good and records it.
func (mb *mailbox) remove(m *message, limit int) {
	delete(mb.messages, m.id)
	if id := m.doc.messageID; id != "" {
		list := slices.DeleteFunc(mb.byMessageID[id], func(x *message) bool { return x == m })
		if len(list) == 0 {
			delete(mb.byMessageID, id)
		} else {
			mb.byMessageID[id] = list
		}
	}
	if m.draftID != "" {
		delete(mb.drafts, m.draftID)
	}
	mb.log(record{msgID: m.id, threadID: m.threadID, labels: m.labels, deleted: true}, limit)
}

// relabel adds and removes labels of m, recording what actually changed.
// It reports whether anything did.
func (mb *mailbox) relabel(m *message, add, remove []string, limit int) bool {
	var added, removed []string
	for _, l := range add {
		if !m.has(l) && !slices.Contains(remove, l) && !slices.Contains(added, l) {
			added = append(added, l)
		}
	}
	for _, l := range remove {
		if m.has(l) && !slices.Contains(removed, l) {
			removed = append(removed, l)
		}
	}
	if len(added) == 0 && len(removed) == 0 {
		return false
	}
	m.labels = slices.DeleteFunc(m.labels, func(l string) bool {
		return slices.Contains(removed, l)
	})
	m.labels = append(m.labels, added...)
	m.historyID = mb.log(record{
		msgID: m.id, threadID: m.threadID, labels: m.labels,
		labelsAdded: added, labelsRemoved: removed,
	}, limit)
	return true
}

// sorted returns the messages newest first, as Gmail lists them: by
// internal date, then by ID.
func (mb *mailbox) sorted() []*message {
	list := make([]*message, 0, len(mb.messages))
	for _, m := range mb.messages {
		list = append(list, m)
	}
	sort.Slice(list, func(i, j int) bool { return newer(list[i], list[j]) })
	return list
}

func newer(a, b *message) bool {
	if !a.internal.Equal(b.internal) {
		return a.internal.After(b.internal)
	}
	return a.id > b.id
}

// thread returns the messages of a thread, oldest first.
func (mb *mailbox) thread(threadID string) []*message {
	var list []*message
	for _, m := range mb.messages {
		if m.threadID == threadID {
			list = append(list, m)
		}
	}
	sort.Slice(list, func(i, j int) bool { return newer(list[j], list[i]) })
	return list
}

// threadFor picks the thread a new message joins, as Gmail does: the
// requested thread (or, for mail received, any thread) holding a message
// the new one references, when the subjects match. It returns "" for a
// new thread.
func (mb *mailbox) threadFor(d *document, requested string) string {
	subject := threadSubject(d.subject)
	for _, ref := range slices.Backward(d.refs) {
		for _, m := range mb.byMessageID[ref] {
			if requested != "" && m.threadID != requested {
				continue
			}
			if threadSubject(m.doc.subject) == subject {
				return m.threadID
			}
		}
	}
	return ""
}
