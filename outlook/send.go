package outlook

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/mailmanager/mailmanager"
)

// inlineLimit is the largest total of attachments sendMail carries in its
// JSON body, and the size from which one attachment needs an upload
// session. QUIRK: Graph refuses request bodies over 4 MB, so larger
// attachments go through an upload session; see
// https://learn.microsoft.com/graph/outlook-large-attachments
const inlineLimit = 3 << 20

// Send sends msg. A new message whose attachments total less than 3 MB
// goes out in one sendMail call; Sent then has no ID, as Graph returns
// none. Any other message is made as a draft first, its attachments are
// added (through upload sessions from 3 MB on) and the draft is sent;
// Sent.ID is then the draft's ID, which the sent message keeps. A reply or
// forward starts from Graph's createReply, createReplyAll or createForward
// draft of the original, so the conversation is Graph's own; the caller's
// body replaces Graph's quote, and fields msg leaves empty (subject,
// recipients) keep what Graph put in the draft.
//
// A CR or LF in a header value fails with an error wrapping
// mailmanager.ErrInvalidHeader before anything is sent.
func (m *Mailbox) Send(ctx context.Context, msg *mailmanager.Outgoing) (*mailmanager.Sent, error) {
	if err := checkOutgoing(msg); err != nil {
		return nil, err
	}
	if err := checkMode(msg); err != nil {
		return nil, err
	}
	atts, total, err := readAttachments(msg.Attachments)
	if err != nil {
		return nil, err
	}
	msgID, err := m.messageID(ctx, msg)
	if err != nil {
		return nil, err
	}

	if msg.Mode == mailmanager.SendNew && total < inlineLimit {
		return m.sendMail(ctx, msg, msgID, atts)
	}
	draft, err := m.compose(ctx, msg, msgID, atts)
	if err != nil {
		return nil, err
	}
	id := deref(draft.GetId())
	if err := m.graph.Me().Messages().ByMessageId(id).Send().Post(ctx, nil); err != nil {
		err = apiError("messages.send", err)
		if refused(err) {
			m.discard(ctx, id)
		}
		return nil, err
	}
	return sentOf(draft), nil
}

// refused reports an error by which Graph refused a request for good. A
// draft whose send failed otherwise (a timeout, a server fault) may have
// gone out, so it is kept.
func refused(err error) bool {
	var ae *mailmanager.APIError
	return errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && !ae.Temporary()
}

// checkMode checks that msg names what it answers and whom it goes to.
func checkMode(msg *mailmanager.Outgoing) error {
	switch msg.Mode {
	case mailmanager.SendNew:
		if len(msg.To)+len(msg.Cc)+len(msg.Bcc) == 0 {
			return fmt.Errorf("outlook: send: no recipients")
		}
	case mailmanager.SendReply, mailmanager.SendReplyAll, mailmanager.SendForward:
		if msg.Original == "" {
			return fmt.Errorf("outlook: send: mode %d needs the original message", msg.Mode)
		}
		if msg.Mode == mailmanager.SendForward && len(msg.To)+len(msg.Cc)+len(msg.Bcc) == 0 {
			return fmt.Errorf("outlook: send: forward has no recipients")
		}
	default:
		return fmt.Errorf("outlook: send: unknown mode %d", msg.Mode)
	}
	return nil
}

// messageID returns the Message-ID to give msg: the caller's, or a new one
// in the domain of the sending address.
func (m *Mailbox) messageID(ctx context.Context, msg *mailmanager.Outgoing) (string, error) {
	if msg.MessageID != "" {
		return trimAngles(msg.MessageID), nil
	}
	if msg.From != nil && msg.From.Email != "" {
		return mailmanager.NewMessageID(msg.From.Domain()), nil
	}
	addr, err := m.mailboxAddress(ctx)
	if err != nil {
		return "", err
	}
	return mailmanager.NewMessageID((mailmanager.Address{Email: addr}).Domain()), nil
}

// sendMail sends a new message with its attachments in one JSON call.
func (m *Mailbox) sendMail(ctx context.Context, msg *mailmanager.Outgoing, msgID string,
	atts []outAttachment) (*mailmanager.Sent, error) {
	gm := graphMessage(msg, msgID, false)
	if inline, _ := splitInline(atts); len(inline) > 0 {
		gm.SetAttachments(inline)
	}
	body := users.NewItemSendMailPostRequestBody()
	body.SetMessage(gm)
	save := true
	body.SetSaveToSentItems(&save)
	if err := m.graph.Me().SendMail().Post(ctx, body, nil); err != nil {
		return nil, apiError("sendMail", err)
	}
	return &mailmanager.Sent{MessageID: msgID}, nil
}

// compose makes the draft of msg with its attachments and returns it.
func (m *Mailbox) compose(ctx context.Context, msg *mailmanager.Outgoing, msgID string,
	atts []outAttachment) (models.Messageable, error) {
	var (
		draft models.Messageable
		err   error
	)
	rest := atts
	if msg.Mode == mailmanager.SendNew {
		gm := graphMessage(msg, msgID, false)
		var inline []models.Attachmentable
		inline, rest = splitInline(atts)
		if len(inline) > 0 {
			gm.SetAttachments(inline)
		}
		draft, err = m.graph.Me().Messages().Post(ctx, gm, nil)
		if err != nil {
			return nil, apiError("messages.create", err)
		}
		if draft == nil {
			return nil, noAnswer("messages.create")
		}
	} else if draft, err = m.answer(ctx, msg, msgID); err != nil {
		return nil, err
	}
	if err := m.addAttachments(ctx, deref(draft.GetId()), rest); err != nil {
		m.discard(ctx, deref(draft.GetId()))
		return nil, err
	}
	return draft, nil
}

// splitInline picks the attachments that fit into the JSON body of a new
// draft, under 3 MB together, and returns them and the others.
func splitInline(atts []outAttachment) ([]models.Attachmentable, []outAttachment) {
	var (
		inline []models.Attachmentable
		rest   []outAttachment
		total  int
	)
	for _, a := range atts {
		if total+len(a.data) < inlineLimit {
			total += len(a.data)
			inline = append(inline, fileAttachment(a))
		} else {
			rest = append(rest, a)
		}
	}
	return inline, rest
}

// answer makes Graph's reply or forward draft of the original and patches
// the caller's content into it.
func (m *Mailbox) answer(ctx context.Context, msg *mailmanager.Outgoing, msgID string) (
	models.Messageable, error) {
	orig := m.graph.Me().Messages().ByMessageId(msg.Original)
	var (
		draft models.Messageable
		err   error
		op    string
	)
	switch msg.Mode {
	case mailmanager.SendReply:
		op = "messages.createReply"
		body := users.NewItemMessagesItemCreateReplyPostRequestBody()
		draft, err = orig.CreateReply().Post(ctx, body, nil)
	case mailmanager.SendReplyAll:
		op = "messages.createReplyAll"
		body := users.NewItemMessagesItemCreateReplyAllPostRequestBody()
		draft, err = orig.CreateReplyAll().Post(ctx, body, nil)
	default:
		op = "messages.createForward"
		body := users.NewItemMessagesItemCreateForwardPostRequestBody()
		draft, err = orig.CreateForward().Post(ctx, body, nil)
	}
	if err != nil {
		return nil, apiError(op, err)
	}
	if draft == nil {
		return nil, noAnswer(op)
	}
	id := deref(draft.GetId())
	item := m.graph.Me().Messages().ByMessageId(id)
	patched, err := item.Patch(ctx, graphMessage(msg, msgID, false), nil)
	if err != nil {
		err = apiError("messages.update", err)
	} else if patched == nil {
		err = noAnswer("messages.update")
	}
	if err != nil {
		m.discard(ctx, id)
		return nil, err
	}
	return patched, nil
}

// discard deletes a draft that could not be completed, as far as it can:
// the caller's context may be what failed.
func (m *Mailbox) discard(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_ = m.graph.Me().Messages().ByMessageId(id).Delete(ctx, nil)
}

// sentOf describes the message a sent draft became.
func sentOf(draft models.Messageable) *mailmanager.Sent {
	return &mailmanager.Sent{
		ID:        deref(draft.GetId()),
		ThreadID:  deref(draft.GetConversationId()),
		MessageID: trimAngles(deref(draft.GetInternetMessageId())),
	}
}
