package graphfake

import (
	"slices"
	"time"
)

// Recipient is an email address with an optional display name, as Graph's
// recipient resource carries it in {"emailAddress":{"name","address"}}.
type Recipient struct {
	Name    string
	Address string
}

// Body is a message body.
type Body struct {
	// ContentType is "html" or "text".
	ContentType string
	Content     string
}

// Header is one internet message header, as Graph lists it in
// internetMessageHeaders.
type Header struct {
	Name  string
	Value string
}

// Attachment is an attachment of a [Message].
type Attachment struct {
	// ID is the attachment's ID within its message.
	ID          string
	Name        string
	ContentType string
	IsInline    bool
	// ContentID is the Content-ID without angle brackets, or "".
	ContentID string
	// Item reports an attached message, which Graph serves as an
	// itemAttachment; Content then holds the message's MIME source.
	Item bool
	// Content is the decoded content.
	Content              []byte
	LastModifiedDateTime time.Time
}

// Message is a snapshot of one message as the fake holds it. The fields
// follow Graph's message resource.
type Message struct {
	// ID is the message's immutable ID. The regular ID, which changes on
	// every move, is only visible on the wire.
	ID             string
	ConversationID string
	// InternetMessageID is the Message-ID with its angle brackets, as
	// Graph returns it.
	InternetMessageID string
	// InReplyTo and References are the threading headers, with angle
	// brackets. Graph exposes them only through internetMessageHeaders;
	// createReply and createForward set them on the draft.
	InReplyTo  string
	References []string

	Subject       string
	Body          Body
	From          *Recipient
	Sender        *Recipient
	ToRecipients  []Recipient
	CcRecipients  []Recipient
	BccRecipients []Recipient
	ReplyTo       []Recipient

	ReceivedDateTime     time.Time
	SentDateTime         time.Time
	CreatedDateTime      time.Time
	LastModifiedDateTime time.Time

	IsRead  bool
	IsDraft bool
	// FlagStatus is "notFlagged", "flagged" or "complete".
	FlagStatus string
	Categories []string
	// Importance is "low", "normal" or "high".
	Importance     string
	ParentFolderID string

	// Headers are the internet message headers; empty for drafts.
	Headers     []Header
	Attachments []Attachment
}

// HasAttachments reports what Graph's hasAttachments property says: whether
// the message has an attachment that is not inline.
func (m *Message) HasAttachments() bool {
	for _, a := range m.Attachments {
		if !a.IsInline {
			return true
		}
	}
	return false
}

// clone returns a deep copy of m.
func (m *Message) clone() Message {
	c := *m
	c.References = slices.Clone(m.References)
	if m.From != nil {
		f := *m.From
		c.From = &f
	}
	if m.Sender != nil {
		s := *m.Sender
		c.Sender = &s
	}
	c.ToRecipients = slices.Clone(m.ToRecipients)
	c.CcRecipients = slices.Clone(m.CcRecipients)
	c.BccRecipients = slices.Clone(m.BccRecipients)
	c.ReplyTo = slices.Clone(m.ReplyTo)
	c.Categories = slices.Clone(m.Categories)
	c.Headers = slices.Clone(m.Headers)
	c.Attachments = make([]Attachment, len(m.Attachments))
	for i, a := range m.Attachments {
		a.Content = slices.Clone(a.Content)
		c.Attachments[i] = a
	}
	return c
}

// Folder is a snapshot of one mail folder.
type Folder struct {
	ID       string
	ParentID string
	// DisplayName is the folder's name, such as "Inbox".
	DisplayName string
	// WellKnownName is the name Graph resolves in URLs, such as "inbox",
	// or "" for a folder the user made.
	WellKnownName string
	Hidden        bool
}
