package mailmanager

import (
	"io"
	"strings"
	"time"
)

// Address is an email address with an optional display name.
type Address struct {
	Name  string
	Email string
}

// String formats the address for display, not for a header.
func (a Address) String() string {
	if a.Name == "" {
		return a.Email
	}
	return a.Name + " <" + a.Email + ">"
}

// Domain returns the part of the address after the last "@", lower case.
func (a Address) Domain() string {
	i := strings.LastIndexByte(a.Email, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(a.Email[i+1:])
}

// Message is one message as a provider holds it, with its bodies decoded to
// UTF-8.
type Message struct {
	// ID is the provider's ID of the message.
	ID string
	// ThreadID is the provider's conversation ID.
	ThreadID string
	// MessageID is the RFC 5322 Message-ID, without angle brackets.
	MessageID string
	// InReplyTo and References are RFC 5322 message IDs, without angle
	// brackets.
	InReplyTo  string
	References []string

	From    *Address
	To      []Address
	Cc      []Address
	Bcc     []Address
	ReplyTo []Address
	Subject string
	// Date is the Date header, or the time the provider received the
	// message when the header is missing or malformed.
	Date time.Time
	// Received is when the provider received the message.
	Received time.Time

	// Snippet is a short plain-text preview.
	Snippet string
	// Text and HTML are the bodies, decoded to UTF-8; either may be empty.
	Text string
	HTML string

	Attachments []Attachment

	// Labels are Gmail label IDs or Outlook categories.
	Labels []string
	// Folder is the Outlook folder ID; empty for Gmail.
	Folder  string
	Read    bool
	Starred bool
}

// Attachment describes one attachment of a [Message]. Its content is read
// with [Mailbox.Attachment].
type Attachment struct {
	// ID identifies the attachment within its message.
	ID string
	// Filename is the decoded file name.
	Filename    string
	ContentType string
	Size        int64
	// Inline reports an attachment shown in the body, such as an image
	// referenced by ContentID.
	Inline bool
	// ContentID is the Content-ID without angle brackets, or "".
	ContentID string
}

// Outgoing is a message to send.
type Outgoing struct {
	// Mode says whether this is a new message, a reply or a forward. For
	// anything but [SendNew], Original names the message answered.
	Mode SendMode
	// Original is the provider ID of the message replied to or forwarded.
	Original string

	// From is an optional alias to send as; it must be one the provider
	// has verified. Nil sends as the mailbox.
	From *Address
	To   []Address
	Cc   []Address
	Bcc  []Address
	// ReplyTo sets the Reply-To header.
	ReplyTo []Address
	// Subject is the subject; for replies and forwards an empty subject is
	// derived from the original ("Re: ...", "Fwd: ...").
	Subject string
	Text    string
	HTML    string

	Attachments []OutgoingAttachment

	// MessageID is the RFC 5322 Message-ID to use, without angle brackets.
	// Empty lets the library choose one.
	MessageID string

	// IdempotencyKey, when set, makes [Manager.Send] send the message at
	// most once for this key and account.
	IdempotencyKey string
}

// OutgoingAttachment is a file to attach to an [Outgoing] message.
type OutgoingAttachment struct {
	Filename    string
	ContentType string
	// ContentID makes the attachment inline, referenced from the HTML body
	// as "cid:" followed by it.
	ContentID string
	// Content is read once when the message is sent.
	Content io.Reader
	// Size is the length of Content in bytes, if known, or zero. It lets
	// a provider that must hold the content allocate it once; a Content
	// that has a Len method or is an io.Seeker tells its size anyway.
	Size int64
}

// Sent describes a message the provider accepted.
type Sent struct {
	// ID is the provider's ID of the sent message, where it gives one.
	ID string
	// ThreadID is the conversation the message joined.
	ThreadID string
	// MessageID is the RFC 5322 Message-ID, without angle brackets.
	MessageID string
}
