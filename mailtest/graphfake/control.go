package graphfake

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// AddMailbox creates a mailbox for address with the well-known folders
// inbox, drafts, sentitems, deleteditems, archive and junkemail under the
// hidden msgfolderroot. Adding an address twice keeps the first mailbox.
func (s *Server) AddMailbox(address, displayName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(address)
	if _, ok := s.mailboxes[key]; !ok {
		s.mailboxes[key] = newMailbox(address, displayName)
	}
}

// SetExchangeEnabled turns the mailbox's REST access on or off. While it
// is off, mail calls answer 404 MailboxNotEnabledForRESTAPI, as Graph does
// for an account without an Exchange Online mailbox; GET /me still works.
func (s *Server) SetExchangeEnabled(address string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.must(address).disabled = !on
}

// must returns the mailbox of address and panics if there is none: the
// test forgot AddMailbox.
func (s *Server) must(address string) *mailbox {
	mb := s.mailboxes[strings.ToLower(address)]
	if mb == nil {
		panic(fmt.Sprintf("graphfake: no mailbox %q; call AddMailbox first", address))
	}
	return mb
}

// mustMessage returns the message id (immutable or current regular ID) of
// mb and panics if there is none.
func mustMessage(mb *mailbox, id string) *message {
	m := mb.lookup(id)
	if m == nil {
		panic(fmt.Sprintf("graphfake: no message %q in %s", id, mb.address))
	}
	return m
}

// Deliver parses raw as an RFC 822 message and files it in folder (an ID or
// a well-known name; "" is the inbox), unread, received now. It joins the
// conversation of a message it answers (by In-Reply-To or References) and
// returns the new message's immutable ID. A body that cannot be decoded is
// kept as far as it could be read; only an unreadable header fails.
func (s *Server) Deliver(address, folder string, raw []byte) (string, error) {
	m, err := parseMIME(raw, time.Now().UTC())
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mailboxes[strings.ToLower(address)]
	if mb == nil {
		return "", fmt.Errorf("graphfake: deliver: no mailbox %q", address)
	}
	if folder == "" {
		folder = "inbox"
	}
	f := mb.folder(folder)
	if f == nil {
		return "", fmt.Errorf("graphfake: deliver: no folder %q in %s", folder, address)
	}
	if m.InternetMessageID == "" {
		m.InternetMessageID = newMessageID(mb.address)
	}
	m.ConversationID = mb.conversationFor(m.InReplyTo, m.References)
	mb.insert(m, f)
	return m.ID, nil
}

// SeedDir delivers every *.eml file under dir, in lexical order, to the
// inbox of address. It returns how many it delivered, and the failures
// joined.
func (s *Server) SeedDir(address, dir string) (int, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".eml") {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("graphfake: seed %s: %w", dir, err)
	}
	slices.Sort(paths)
	n := 0
	var errs []error
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err == nil {
			_, err = s.Deliver(address, "", raw)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("graphfake: seed %s: %w", p, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// CreateFolder creates a folder named name under parentID (an ID or a
// well-known name; "" is the top level) and returns its ID. It fails if
// the parent does not exist or already has a child of that name.
func (s *Server) CreateFolder(address, parentID, name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.must(address)
	parent := mb.root()
	if parentID != "" {
		parent = mb.folder(parentID)
	}
	if parent == nil {
		return "", fmt.Errorf("graphfake: create folder: no parent %q", parentID)
	}
	f, err := mb.createFolder(parent, name, false)
	if err != nil {
		return "", fmt.Errorf("graphfake: create folder %q: %w", name, err)
	}
	return f.id, nil
}

// DeleteFolder deletes a folder, its subfolders and their messages. It
// panics if there is no such folder.
func (s *Server) DeleteFolder(address, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.must(address)
	f := mb.folder(id)
	if f == nil {
		panic(fmt.Sprintf("graphfake: no folder %q in %s", id, address))
	}
	mb.removeFolder(f)
}

// Folders returns a snapshot of the mailbox's folders, the hidden root
// included, ordered by display name.
func (s *Server) Folders(address string) []Folder {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.must(address)
	var out []Folder
	for _, f := range mb.folders {
		out = append(out, Folder{ID: f.id, ParentID: f.parentID, DisplayName: f.name,
			WellKnownName: f.wellKnown, Hidden: f.hidden})
	}
	slices.SortFunc(out, func(a, b Folder) int {
		return strings.Compare(a.DisplayName, b.DisplayName)
	})
	return out
}

// Move moves a message to folderID (an ID or a well-known name). The
// immutable ID stays; the regular ID changes. It panics if the message or
// the folder does not exist.
func (s *Server) Move(address, id, folderID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.must(address)
	m := mustMessage(mb, id)
	f := mb.folder(folderID)
	if f == nil {
		panic(fmt.Sprintf("graphfake: no folder %q in %s", folderID, address))
	}
	mb.move(m, f)
}

// Delete deletes a message for good, as a purge would; delta reports it
// removed. It panics if the message does not exist.
func (s *Server) Delete(address, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.must(address)
	mb.remove(mustMessage(mb, id))
}

// Update changes a message through f, which receives a copy to modify,
// such as IsRead, FlagStatus, Categories or ReceivedDateTime. Changes to ID
// and ParentFolderID are ignored (use [Server.Move]). Delta reports the
// message changed. f runs under the server's lock and must not call the
// Server. Update panics if the message does not exist.
func (s *Server) Update(address, id string, f func(m *Message)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.must(address)
	m := mustMessage(mb, id)
	next := m.Message.clone()
	f(&next)
	next.ID, next.ParentFolderID = m.ID, m.ParentFolderID
	if next.Subject != m.Subject || next.Body != m.Body {
		m.raw = nil // the delivered source no longer matches
	}
	m.Message = next
	mb.touch(m)
}

// Message returns a snapshot of a message by its immutable or current
// regular ID, or false if there is none.
func (s *Server) Message(address, id string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mailboxes[strings.ToLower(address)]
	if mb == nil {
		return Message{}, false
	}
	m := mb.lookup(id)
	if m == nil {
		return Message{}, false
	}
	return m.clone(), true
}

// Messages returns snapshots of every message of the mailbox, newest
// first.
func (s *Server) Messages(address string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.must(address).inFolder("") {
		out = append(out, m.clone())
	}
	return out
}

// Sent returns what the mailbox sent, oldest first: each message as it was
// submitted, with its Bcc recipients, attachments and threading headers.
// ID is empty for a message sent with saveToSentItems false.
func (s *Server) Sent(address string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.must(address)
	out := make([]Message, 0, len(mb.sent))
	for i := range mb.sent {
		out = append(out, mb.sent[i].clone())
	}
	return out
}

// ExpireDeltas retires every outstanding delta and skip token of the
// mailbox, message and folder deltas alike: following one answers 410 Gone
// with code syncStateNotFound, as Graph answers a token it evicted.
func (s *Server) ExpireDeltas(address string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.must(address).expireTokens("syncStateNotFound")
}

// RequireResync is [Server.ExpireDeltas] with the code resyncRequired.
func (s *Server) RequireResync(address string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.must(address).expireTokens("resyncRequired")
}
