package mailmanager

import (
	"context"
	"io"
	"net/http"
	"time"

	"golang.org/x/oauth2"
)

// Provider is a mail service a user can connect a mailbox from, such as
// Gmail or Outlook. The gmail and outlook packages implement it; tests use
// the fakes in mailtest. A Provider must be safe for concurrent use.
type Provider interface {
	// Name is the provider's short, stable name ("gmail", "outlook"). It
	// appears in URLs, in stored accounts and in errors.
	Name() string

	// Endpoint is the provider's OAuth 2.0 authorization and token endpoint.
	Endpoint() oauth2.Endpoint

	// Scopes are the OAuth scopes a connect asks for.
	Scopes() []string

	// AuthCodeOptions are extra parameters for the consent URL, such as
	// the ones that make the provider issue a refresh token.
	AuthCodeOptions() []oauth2.AuthCodeOption

	// Open returns the mailbox reached through client, which adds the
	// account's access token to every request and refreshes it as needed.
	Open(ctx context.Context, client *http.Client) (Mailbox, error)
}

// Revoker is implemented by a Provider that can revoke a grant at the
// provider when an account is disconnected.
type Revoker interface {
	// Revoke revokes token at the provider. client is the Manager's plain
	// outbound client, without authorization.
	Revoke(ctx context.Context, client *http.Client, token *oauth2.Token) error
}

// Mailbox is one authorized mailbox at a provider. Its methods do I/O
// through the client given to [Provider.Open]. A Mailbox must be safe for
// concurrent use.
type Mailbox interface {
	// Profile returns who the mailbox is.
	Profile(ctx context.Context) (*Profile, error)

	// Sync delivers the mailbox's changes since cursor ("" for a first,
	// full sync) to fn, one page at a time, in order. Each page carries the
	// cursor to resume from once fn has accepted it. If fn returns an
	// error, Sync stops and returns it. An expired cursor yields an error
	// that wraps [ErrCursorExpired].
	Sync(ctx context.Context, cursor string, opts SyncOptions, fn func(context.Context, *Changes) error) error

	// Message returns one message by its provider ID, or an error wrapping
	// [ErrNotFound].
	Message(ctx context.Context, id string) (*Message, error)

	// Attachment opens the content of one attachment, decoded. The caller
	// closes it.
	Attachment(ctx context.Context, messageID, attachmentID string) (io.ReadCloser, error)

	// Send sends a new message, a reply or a forward (see [Outgoing.Mode]).
	Send(ctx context.Context, msg *Outgoing) (*Sent, error)

	// Modify changes flags, labels or folders of the given messages.
	Modify(ctx context.Context, ids []string, mod Modification) error

	// Folders lists the mailbox's folders (Outlook) or labels (Gmail).
	Folders(ctx context.Context) ([]Folder, error)
}

// Drafter is implemented by a Mailbox that manages drafts.
type Drafter interface {
	// CreateDraft saves msg as a draft and returns the draft's ID.
	CreateDraft(ctx context.Context, msg *Outgoing) (string, error)
	// UpdateDraft replaces the content of a draft.
	UpdateDraft(ctx context.Context, draftID string, msg *Outgoing) error
	// SendDraft sends a draft.
	SendDraft(ctx context.Context, draftID string) (*Sent, error)
	// DeleteDraft deletes a draft.
	DeleteDraft(ctx context.Context, draftID string) error
}

// Profile is who a mailbox is.
type Profile struct {
	// Address is the mailbox's primary address, lower case.
	Address string
	// Name is the display name, if the provider knows one.
	Name string
}

// SyncOptions are per-call knobs of [Mailbox.Sync].
type SyncOptions struct {
	// Since limits a full sync to mail received after it. Zero means all.
	Since time.Time
	// PageSize is the number of messages per page handed to the host.
	// Zero lets the provider choose.
	PageSize int
	// Progress, when set, is told after each page the host accepted.
	// [Manager.Sync] calls it; providers ignore it.
	Progress func(SyncProgress)
}

// SyncProgress is how far a run of [Manager.Sync] has come.
type SyncProgress struct {
	// Pages and Messages count what the host accepted so far; Deleted
	// counts deletions.
	Pages, Messages, Deleted int
	// Full reports a full sync; Reset one after an expired cursor.
	Full, Reset bool
	// Elapsed is the time since the run started.
	Elapsed time.Duration
}

// Changes is one page of a sync.
type Changes struct {
	// Messages are messages that are new or changed, complete.
	Messages []*Message
	// Deleted are provider IDs of messages that are gone.
	Deleted []string
	// Cursor is where a later sync resumes once this page is accepted.
	Cursor string
	// Full reports that the page belongs to a full sync rather than an
	// incremental one.
	Full bool
	// Reset reports that the sync started over because the previous
	// cursor expired: the host should drop messages that the full sync does
	// not deliver again.
	Reset bool
	// Done reports that this is the last page of the run.
	Done bool
}

// SendMode says what an [Outgoing] message is.
type SendMode int

// Send modes.
const (
	// SendNew sends a new message.
	SendNew SendMode = iota
	// SendReply replies to the sender of the original.
	SendReply
	// SendReplyAll replies to the sender and every other recipient of the
	// original, except the mailbox itself.
	SendReplyAll
	// SendForward forwards the original with its attachments.
	SendForward
)

// Modification describes changes to messages. Nil and empty fields leave
// things as they are.
type Modification struct {
	// Read marks as read (true) or unread (false).
	Read *bool
	// Starred stars or flags (true) or clears it (false).
	Starred *bool
	// AddLabels and RemoveLabels are Gmail label IDs or Outlook
	// categories.
	AddLabels, RemoveLabels []string
	// Trash moves to the trash (true) or out of it (false).
	Trash *bool
	// MoveTo is a folder ID to move the messages to (Outlook).
	MoveTo string
}

// Folder is a folder (Outlook) or label (Gmail).
type Folder struct {
	// ID is the provider's ID.
	ID string
	// Name is the display name.
	Name string
	// ParentID is the parent folder's ID, or "".
	ParentID string
	// System reports a provider-defined folder such as the inbox.
	System bool
	// Total and Unread count the messages in it, where known.
	Total, Unread int
}
