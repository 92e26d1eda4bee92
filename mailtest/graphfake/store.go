package graphfake

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// mailbox is one user's mailbox. Every field is guarded by Server.mu.
type mailbox struct {
	address     string // lower case
	userID      string
	displayName string
	disabled    bool // Exchange Online not enabled for the REST API

	folders   map[string]*folder  // by ID
	wellKnown map[string]string   // well-known name -> folder ID
	messages  map[string]*message // by immutable ID
	regular   map[string]string   // current regular ID -> immutable ID
	sent      []Message

	// seq numbers every change; delta tokens remember the seq they saw.
	seq            uint64
	removed        map[string][]removal // folder ID -> messages that left it
	foldersRemoved []removal
	tokens         map[string]*deltaToken
	expired        map[string]string // retired token -> error code

	inFlight int

	// onChange, when set, is called with Server.mu held after every
	// change is numbered; subscriptions use it.
	onChange func(*mailbox)
}

// folder is one mail folder of a mailbox.
type folder struct {
	id, parentID, name, wellKnown string
	hidden                        bool
	changed                       uint64
}

// message is a stored message: the exported snapshot plus what only the
// fake needs.
type message struct {
	Message
	regularID string
	raw       []byte // the MIME source a delivered message came as, or nil
	arrived   uint64 // seq when it entered its current folder
	changed   uint64 // seq of its last change, at least arrived
	version   int
}

// removal records that a message left a folder, or that a folder went away.
type removal struct {
	seq         uint64
	immutableID string
	regularID   string
}

// wellKnownFolders are the folders AddMailbox creates, in order.
func wellKnownFolders() [][2]string {
	return [][2]string{
		{"inbox", "Inbox"},
		{"drafts", "Drafts"},
		{"sentitems", "Sent Items"},
		{"deleteditems", "Deleted Items"},
		{"archive", "Archive"},
		{"junkemail", "Junk Email"},
	}
}

func newMailbox(address, displayName string) *mailbox {
	mb := &mailbox{
		address:     strings.ToLower(address),
		userID:      newUUID(),
		displayName: displayName,
		folders:     map[string]*folder{},
		wellKnown:   map[string]string{},
		messages:    map[string]*message{},
		regular:     map[string]string{},
		removed:     map[string][]removal{},
		tokens:      map[string]*deltaToken{},
		expired:     map[string]string{},
	}
	root := &folder{id: newID("AAMkAGRt"), name: "Top of Information Store",
		wellKnown: "msgfolderroot", hidden: true}
	mb.addFolder(root)
	for _, wk := range wellKnownFolders() {
		mb.addFolder(&folder{id: newID("AAMkAGFk"), parentID: root.id, name: wk[1],
			wellKnown: wk[0]})
	}
	return mb
}

func (mb *mailbox) bump() uint64 {
	mb.seq++
	if mb.onChange != nil {
		mb.onChange(mb)
	}
	return mb.seq
}

func (mb *mailbox) addFolder(f *folder) {
	f.changed = mb.bump()
	mb.folders[f.id] = f
	if f.wellKnown != "" {
		mb.wellKnown[f.wellKnown] = f.id
	}
}

func (mb *mailbox) root() *folder { return mb.folders[mb.wellKnown["msgfolderroot"]] }

// folder resolves a folder ID or a well-known name; nil if neither.
func (mb *mailbox) folder(ref string) *folder {
	if f, ok := mb.folders[ref]; ok {
		return f
	}
	if id, ok := mb.wellKnown[strings.ToLower(ref)]; ok {
		return mb.folders[id]
	}
	return nil
}

func (mb *mailbox) children(parentID string) []*folder {
	var out []*folder
	for _, f := range mb.folders {
		if f.parentID == parentID && f.parentID != "" {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b *folder) int {
		return strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name))
	})
	return out
}

// lookup resolves an immutable ID or a current regular ID; nil if neither.
func (mb *mailbox) lookup(id string) *message {
	if m, ok := mb.messages[id]; ok {
		return m
	}
	if imm, ok := mb.regular[id]; ok {
		return mb.messages[imm]
	}
	return nil
}

// insert stores a new message in folder f, giving it fresh IDs.
func (mb *mailbox) insert(m *message, f *folder) {
	now := time.Now().UTC()
	m.ID = newID("AAkALgAA")
	m.regularID = newID("AAMkAGI2")
	m.ParentFolderID = f.id
	if m.CreatedDateTime.IsZero() {
		m.CreatedDateTime = now
	}
	m.LastModifiedDateTime = now
	if m.FlagStatus == "" {
		m.FlagStatus = "notFlagged"
	}
	if m.Importance == "" {
		m.Importance = "normal"
	}
	for i := range m.Attachments {
		if m.Attachments[i].ID == "" {
			m.Attachments[i].ID = newID("AAMkAGAt")
		}
		if m.Attachments[i].LastModifiedDateTime.IsZero() {
			m.Attachments[i].LastModifiedDateTime = now
		}
	}
	m.arrived = mb.bump()
	m.changed = m.arrived
	mb.messages[m.ID] = m
	mb.regular[m.regularID] = m.ID
}

// touch records a change to m for delta.
func (mb *mailbox) touch(m *message) {
	m.changed = mb.bump()
	m.version++
	m.LastModifiedDateTime = time.Now().UTC()
}

// move puts m into folder f. Its immutable ID stays; its regular ID changes,
// as Exchange's does.
func (mb *mailbox) move(m *message, f *folder) {
	if m.ParentFolderID == f.id {
		return
	}
	mb.leave(m)
	delete(mb.regular, m.regularID)
	m.regularID = newID("AAMkAGI2")
	mb.regular[m.regularID] = m.ID
	m.ParentFolderID = f.id
	m.arrived = mb.bump()
	m.changed = m.arrived
	m.version++
	m.LastModifiedDateTime = time.Now().UTC()
}

// leave records that m left its folder.
func (mb *mailbox) leave(m *message) {
	r := removal{seq: mb.bump(), immutableID: m.ID, regularID: m.regularID}
	mb.removed[m.ParentFolderID] = append(mb.removed[m.ParentFolderID], r)
}

// remove deletes m for good.
func (mb *mailbox) remove(m *message) {
	mb.leave(m)
	delete(mb.regular, m.regularID)
	delete(mb.messages, m.ID)
}

// removeFolder deletes f, its subfolders and every message in them.
func (mb *mailbox) removeFolder(f *folder) {
	for _, child := range mb.children(f.id) {
		mb.removeFolder(child)
	}
	for _, m := range mb.messages {
		if m.ParentFolderID == f.id {
			mb.remove(m)
		}
	}
	delete(mb.folders, f.id)
	if f.wellKnown != "" {
		delete(mb.wellKnown, f.wellKnown)
	}
	mb.foldersRemoved = append(mb.foldersRemoved,
		removal{seq: mb.bump(), immutableID: f.id, regularID: f.id})
}

// inFolder returns the messages of folder id, or of the whole mailbox when
// id is "".
func (mb *mailbox) inFolder(id string) []*message {
	var out []*message
	for _, m := range mb.messages {
		if id == "" || m.ParentFolderID == id {
			out = append(out, m)
		}
	}
	sortNewestFirst(out)
	return out
}

// sortNewestFirst orders messages by receivedDateTime, newest first, and
// then by arrival.
func sortNewestFirst(ms []*message) {
	slices.SortFunc(ms, func(a, b *message) int {
		if c := b.ReceivedDateTime.Compare(a.ReceivedDateTime); c != 0 {
			return c
		}
		return compareUint(b.arrived, a.arrived)
	})
}

func compareUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// conversationFor finds the conversation a message with these threading
// headers joins in mb: that of a message it answers, else a new one.
func (mb *mailbox) conversationFor(inReplyTo string, references []string) string {
	want := map[string]bool{}
	if inReplyTo != "" {
		want[inReplyTo] = true
	}
	for _, r := range references {
		want[r] = true
	}
	if len(want) > 0 {
		for _, m := range mb.inFolder("") {
			if want[m.InternetMessageID] && m.ConversationID != "" {
				return m.ConversationID
			}
		}
	}
	return newID("AAQkAGE1")
}

// newID returns an opaque ID shaped like Exchange's: a prefix and URL-safe
// base64 with padding, so clients must escape it in paths.
func newID(prefix string) string {
	b := make([]byte, 26)
	_, _ = rand.Read(b)
	return prefix + base64.URLEncoding.EncodeToString(b)
}

// newUUID returns a random version 4 UUID.
func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// newToken returns a random opaque token.
func newToken() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
