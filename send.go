package mailmanager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// MessageFinder is implemented by a Mailbox that can look a message up by
// its RFC 5322 Message-ID, which [Manager.ReconcileSend] needs.
type MessageFinder interface {
	// FindByMessageID returns the message with the given Message-ID
	// (without angle brackets), or an error wrapping [ErrNotFound].
	FindByMessageID(ctx context.Context, messageID string) (*Message, error)
}

// sendWindow is how long an idempotency key is remembered.
const sendWindow = 7 * 24 * time.Hour

// Send states recorded for an idempotency key.
const (
	sendPending = "pending"
	sendSent    = "sent"
	sendFailed  = "failed"
	sendUnknown = "unknown"
)

// sendRecord is what the store remembers of an idempotent send.
type sendRecord struct {
	State     string `json:"state"`
	MessageID string `json:"message_id"`
	ID        string `json:"id,omitempty"`
	ThreadID  string `json:"thread_id,omitempty"`
}

func sendKey(accountID, key string) string { return "send/" + accountID + "/" + key }

// Send sends msg from the account's mailbox. msg.Mode and msg.Original
// make it a reply or a forward; see also [Manager.Reply] and
// [Manager.Forward].
//
// With msg.IdempotencyKey set, the same key never sends twice for an
// account, across processes sharing the store, for seven days: a repeated
// call returns the first call's result. When a send fails in a way that
// leaves open whether the provider took the message (a timeout or a
// dropped connection after the request left, a server error), Send
// returns an error wrapping [ErrSendUnknown]; [Manager.ReconcileSend]
// then looks for the message by the Message-ID the library chose, instead
// of sending it blindly again.
func (m *Manager) Send(ctx context.Context, accountID string, msg *Outgoing) (*Sent, error) {
	if msg == nil {
		return nil, errors.New("mailmanager: send: nil message")
	}
	mb, s, err := m.open(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if msg.IdempotencyKey == "" {
		return m.send(ctx, accountID, mb, msg)
	}
	if len(msg.IdempotencyKey) > 200 || strings.ContainsAny(msg.IdempotencyKey, "\r\n/") {
		return nil, errors.New("mailmanager: send: idempotency key must be under 200 characters, " +
			"without / or line breaks")
	}

	key := sendKey(accountID, msg.IdempotencyKey)
	err = m.store.ClaimNonce(ctx, key, m.now().Add(sendWindow))
	if errors.Is(err, ErrConflict) {
		rec, err := m.sendRecord(ctx, key)
		if err != nil {
			return nil, err
		}
		switch rec.State {
		case sendSent:
			return &Sent{ID: rec.ID, ThreadID: rec.ThreadID, MessageID: rec.MessageID}, nil
		case sendFailed:
			// Known not to have been sent: send again below.
		default:
			return nil, &SendUnknownError{MessageID: rec.MessageID}
		}
	} else if err != nil {
		return nil, fmt.Errorf("mailmanager: send: claim idempotency key: %w", err)
	}

	c := *msg
	if c.MessageID == "" {
		c.MessageID = NewMessageID(Address{Email: s.Address}.Domain())
	}
	if err := m.putSendRecord(ctx, key, sendRecord{State: sendPending, MessageID: c.MessageID}); err != nil {
		return nil, err
	}
	sent, err := m.send(ctx, accountID, mb, &c)
	switch {
	case err == nil:
		rec := sendRecord{State: sendSent, MessageID: c.MessageID, ID: sent.ID, ThreadID: sent.ThreadID}
		if sent.MessageID == "" {
			sent.MessageID = c.MessageID
		}
		return sent, m.putSendRecord(ctx, key, rec)
	case ambiguous(err):
		_ = m.putSendRecord(ctx, key, sendRecord{State: sendUnknown, MessageID: c.MessageID})
		return nil, &SendUnknownError{MessageID: c.MessageID, Err: err}
	default:
		_ = m.putSendRecord(ctx, key, sendRecord{State: sendFailed, MessageID: c.MessageID})
		return nil, err
	}
}

func (m *Manager) send(ctx context.Context, accountID string, mb Mailbox, msg *Outgoing) (*Sent, error) {
	sent, err := mb.Send(ctx, msg)
	if err != nil {
		return nil, err
	}
	m.log.InfoContext(ctx, "message sent", "account", accountID, "mode", int(msg.Mode))
	return sent, nil
}

// ReconcileSend settles an idempotent send whose outcome was unknown: it
// looks for the message in the mailbox by the Message-ID the library chose.
// Found, it records the send as done and returns it. Not found, it records
// the send as failed, so a [Manager.Send] with the same key sends it, and
// returns an error wrapping [ErrNotFound]; give the provider a moment to
// file a sent message before concluding it is missing.
func (m *Manager) ReconcileSend(ctx context.Context, accountID, idempotencyKey string) (*Sent, error) {
	key := sendKey(accountID, idempotencyKey)
	rec, err := m.sendRecord(ctx, key)
	if err != nil {
		return nil, err
	}
	if rec.State == sendSent {
		return &Sent{ID: rec.ID, ThreadID: rec.ThreadID, MessageID: rec.MessageID}, nil
	}
	mb, err := m.Mailbox(ctx, accountID)
	if err != nil {
		return nil, err
	}
	finder, ok := mb.(MessageFinder)
	if !ok {
		return nil, fmt.Errorf("mailmanager: reconcile send: provider cannot look up a Message-ID")
	}

	found, err := finder.FindByMessageID(ctx, rec.MessageID)
	if errors.Is(err, ErrNotFound) {
		if err := m.putSendRecord(ctx, key, sendRecord{State: sendFailed, MessageID: rec.MessageID}); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("mailmanager: reconcile send: message %s not in the mailbox: %w",
			rec.MessageID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("mailmanager: reconcile send: %w", err)
	}
	done := sendRecord{State: sendSent, MessageID: rec.MessageID, ID: found.ID, ThreadID: found.ThreadID}
	if err := m.putSendRecord(ctx, key, done); err != nil {
		return nil, err
	}
	return &Sent{ID: found.ID, ThreadID: found.ThreadID, MessageID: rec.MessageID}, nil
}

func (m *Manager) sendRecord(ctx context.Context, key string) (*sendRecord, error) {
	b, err := m.store.Setting(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("mailmanager: send record: %w", err)
	}
	var rec sendRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("mailmanager: send record is malformed: %w", err)
	}
	return &rec, nil
}

func (m *Manager) putSendRecord(ctx context.Context, key string, rec sendRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("mailmanager: send record: %w", err)
	}
	if err := m.store.PutSetting(ctx, key, b); err != nil {
		return fmt.Errorf("mailmanager: save send record: %w", err)
	}
	return nil
}

// ambiguous reports a send failure that leaves open whether the provider
// took the message.
func ambiguous(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status >= 500 || ae.Status == 408
	}
	var ne net.Error
	return errors.As(err, &ne) || isConnectionFailure(err)
}

// SendUnknownError reports a send whose outcome is unknown. It wraps
// [ErrSendUnknown] and the failure that caused it.
type SendUnknownError struct {
	// MessageID is the Message-ID the message was sent with, to look for.
	MessageID string
	// Err is the failure, or nil when an earlier call left the outcome
	// open.
	Err error
}

// Error implements error.
func (e *SendUnknownError) Error() string {
	s := "mailmanager: send outcome unknown for message " + e.MessageID
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns ErrSendUnknown and the cause.
func (e *SendUnknownError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrSendUnknown}
	}
	return []error{ErrSendUnknown, e.Err}
}

// Reply answers the message originalID in the same thread. With all, the
// reply goes to every recipient of the original except the mailbox itself.
// Empty recipients and subject in msg are derived from the original.
func (m *Manager) Reply(ctx context.Context, accountID, originalID string, all bool,
	msg *Outgoing) (*Sent, error) {
	c := *msg
	c.Mode, c.Original = SendReply, originalID
	if all {
		c.Mode = SendReplyAll
	}
	return m.Send(ctx, accountID, &c)
}

// Forward forwards the message originalID with its attachments to the
// recipients of msg.
func (m *Manager) Forward(ctx context.Context, accountID, originalID string, msg *Outgoing) (*Sent, error) {
	c := *msg
	c.Mode, c.Original = SendForward, originalID
	return m.Send(ctx, accountID, &c)
}

// Modify changes flags, labels or folders of messages in the account's
// mailbox.
func (m *Manager) Modify(ctx context.Context, accountID string, ids []string, mod Modification) error {
	mb, err := m.Mailbox(ctx, accountID)
	if err != nil {
		return err
	}
	return mb.Modify(ctx, ids, mod)
}
