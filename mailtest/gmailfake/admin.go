package gmailfake

import (
	"errors"
	"fmt"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Message is a snapshot of a stored message. It shares nothing with the
// Server.
type Message struct {
	ID       string
	ThreadID string
	LabelIDs []string
	// Raw is the RFC 5322 message as stored.
	Raw []byte
	// InternalDate is when Gmail received the message, to the
	// millisecond.
	InternalDate time.Time
	// HistoryID is the last history record that changed the message.
	HistoryID uint64
	// Bcc lists the Bcc addresses that sending removed from Raw. Only
	// [Server.Sent] sets it.
	Bcc []string
}

func snapshot(m *message) Message {
	return Message{
		ID:           m.id,
		ThreadID:     m.threadID,
		LabelIDs:     slices.Clone(m.labels),
		Raw:          slices.Clone(m.raw),
		InternalDate: m.internal,
		HistoryID:    m.historyID,
	}
}

// AddMailbox creates an empty mailbox for address, if it has none. A
// request whose token the Authenticator maps to an address without a
// mailbox answers 400 "Mail service not enabled", as Gmail does.
func (s *Server) AddMailbox(address string) {
	address = strings.ToLower(address)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mailboxes[address] == nil {
		s.mailboxes[address] = newMailbox(address)
	}
}

// Deliver stores raw as mail received now and returns its ID. Without
// labelIDs it gets INBOX and UNREAD. It joins the thread of a message it
// names in References or In-Reply-To when the subjects match, as Gmail
// threads.
func (s *Server) Deliver(address string, raw []byte, labelIDs ...string) (string, error) {
	return s.deliver(address, raw, time.Time{}, labelIDs)
}

// DeliverAt is [Server.Deliver] with the internal date set to at, as for
// imported mail.
func (s *Server) DeliverAt(address string, at time.Time, raw []byte,
	labelIDs ...string) (string, error) {
	if at.IsZero() {
		return "", errors.New("gmailfake: deliver: zero time")
	}
	return s.deliver(address, raw, at, labelIDs)
}

func (s *Server) deliver(address string, raw []byte, at time.Time,
	labelIDs []string) (string, error) {
	if len(raw) == 0 {
		return "", errors.New("gmailfake: deliver: empty message")
	}
	if len(labelIDs) == 0 {
		labelIDs = []string{"INBOX", "UNREAD"}
	}
	doc := parseDocument(raw)

	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mailboxes[strings.ToLower(address)]
	if mb == nil {
		return "", fmt.Errorf("gmailfake: deliver: no mailbox %q", address)
	}
	for _, l := range labelIDs {
		if !mb.knownLabel(l) {
			return "", fmt.Errorf("gmailfake: deliver: unknown label %q", l)
		}
	}
	now := s.clock()
	if at.IsZero() {
		at = now
	}
	m := &message{
		id:       s.nextID(now),
		labels:   uniq(labelIDs),
		raw:      slices.Clone(raw),
		internal: time.UnixMilli(at.UnixMilli()),
		doc:      doc,
	}
	m.threadID = mb.threadFor(doc, "")
	if m.threadID == "" {
		m.threadID = m.id
	}
	mb.insert(m, s.historyLimit)
	return m.id, nil
}

// SeedDir delivers every *.eml file under dir, recursively, in lexical
// order, with INBOX and UNREAD. Like imported mail, each gets its Date
// header as internal date, or now without one. It returns how many it
// delivered; empty files are skipped.
func (s *Server) SeedDir(address, dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.EqualFold(filepath.Ext(path), ".eml") {
			return nil
		}
		raw, err := os.ReadFile(path)
		if err != nil || len(raw) == 0 {
			return err
		}
		at := s.now()
		if date, err := mail.ParseDate(parseEntity(raw, "", maxDepth).header("Date")); err == nil {
			at = date
		}
		if _, err := s.deliver(address, raw, at, nil); err != nil {
			return err
		}
		n++
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("gmailfake: seed %s: %w", dir, err)
	}
	return n, nil
}

// Message returns a snapshot of one message.
func (s *Server) Message(address, id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mailboxes[strings.ToLower(address)]
	if mb == nil || mb.messages[id] == nil {
		return Message{}, false
	}
	return snapshot(mb.messages[id]), true
}

// Messages returns snapshots of every message of the mailbox, drafts,
// spam and trash included, newest first as Gmail lists them.
func (s *Server) Messages(address string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mailboxes[strings.ToLower(address)]
	if mb == nil {
		return nil
	}
	var out []Message
	for _, m := range mb.sorted() {
		out = append(out, snapshot(m))
	}
	return out
}

// Sent returns the messages sent through messages.send and drafts.send,
// in the order sent, as they were when sent.
func (s *Server) Sent(address string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mailboxes[strings.ToLower(address)]
	if mb == nil {
		return nil
	}
	out := make([]Message, len(mb.sent))
	for i, m := range mb.sent {
		out[i] = m
		out[i].LabelIDs = slices.Clone(m.LabelIDs)
		out[i].Raw = slices.Clone(m.Raw)
		out[i].Bcc = slices.Clone(m.Bcc)
	}
	return out
}

// Delete deletes a message for good, as if from another client, and
// records it in the history. An unknown message is ignored.
func (s *Server) Delete(address, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mailboxes[strings.ToLower(address)]
	if mb == nil || mb.messages[id] == nil {
		return
	}
	mb.remove(mb.messages[id], s.historyLimit)
}

// Relabel adds and removes labels of a message, as if from another
// client, and records the change in the history. Unknown label IDs are
// applied as given; an unknown message is ignored.
func (s *Server) Relabel(address, id string, add, remove []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mailboxes[strings.ToLower(address)]
	if mb == nil || mb.messages[id] == nil {
		return
	}
	mb.relabel(mb.messages[id], add, remove, s.historyLimit)
}

// ExpireHistory forgets the mailbox's history: from now on history.list
// answers 404 for any start before the current history ID.
func (s *Server) ExpireHistory(address string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if mb := s.mailboxes[strings.ToLower(address)]; mb != nil {
		mb.floor = mb.historyID
		mb.history = nil
	}
}

// HistoryID returns the mailbox's current history ID, or 0 without a
// mailbox.
func (s *Server) HistoryID(address string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if mb := s.mailboxes[strings.ToLower(address)]; mb != nil {
		return mb.historyID
	}
	return 0
}

// AddSendAs adds alias as a send-as address of the mailbox, accepted when
// verified and pending otherwise. Mail sent from a pending or unknown
// alias goes out from the primary address, as Gmail does.
func (s *Server) AddSendAs(address, aliasAddress string, verified bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mailboxes[strings.ToLower(address)]
	if mb == nil {
		return
	}
	aliasAddress = strings.ToLower(aliasAddress)
	for i := range mb.aliases {
		if mb.aliases[i].email == aliasAddress {
			mb.aliases[i].verified = verified
			return
		}
	}
	mb.aliases = append(mb.aliases, alias{email: aliasAddress, verified: verified})
}

// AddLabel creates a user label and returns its ID, as labels.create does.
func (s *Server) AddLabel(address, name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mailboxes[strings.ToLower(address)]
	if mb == nil {
		return "", fmt.Errorf("gmailfake: add label: no mailbox %q", address)
	}
	l, e := mb.createLabel(name)
	if e != nil {
		return "", fmt.Errorf("gmailfake: add label: %s", e.message)
	}
	return l.id, nil
}

func uniq(list []string) []string {
	var out []string
	for _, v := range list {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
