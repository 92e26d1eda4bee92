package outlook

import (
	"context"

	"github.com/mailmanager/mailmanager"
)

// CreateDraft saves msg as a draft in the Drafts folder and returns its
// ID. A reply or forward starts from Graph's draft of the original, as in
// [Mailbox.Send].
func (m *Mailbox) CreateDraft(ctx context.Context, msg *mailmanager.Outgoing) (string, error) {
	if err := checkOutgoing(msg); err != nil {
		return "", err
	}
	if msg.Mode != mailmanager.SendNew && msg.Original == "" {
		// A draft may lack recipients, but an answer needs its original.
		return "", checkMode(msg)
	}
	atts, _, err := readAttachments(msg.Attachments)
	if err != nil {
		return "", err
	}
	msgID, err := m.messageID(ctx, msg)
	if err != nil {
		return "", err
	}
	draft, err := m.compose(ctx, msg, msgID, atts)
	if err != nil {
		return "", err
	}
	return deref(draft.GetId()), nil
}

// UpdateDraft replaces the subject, body, recipients and attachments of a
// draft with those of msg; msg.Mode and msg.Original are ignored.
func (m *Mailbox) UpdateDraft(ctx context.Context, draftID string,
	msg *mailmanager.Outgoing) error {
	if err := checkOutgoing(msg); err != nil {
		return err
	}
	atts, _, err := readAttachments(msg.Attachments)
	if err != nil {
		return err
	}
	item, err := m.message(draftID)
	if err != nil {
		return err
	}
	gm := graphMessage(msg, trimAngles(msg.MessageID), true)
	if _, err := item.Patch(ctx, gm, nil); err != nil {
		return apiError("messages.update", err)
	}
	old, err := m.attachments(ctx, draftID)
	if err != nil {
		return err
	}
	for _, a := range old {
		if err := item.Attachments().ByAttachmentId(a.ID).Delete(ctx, nil); err != nil {
			return apiError("attachments.delete", err)
		}
	}
	return m.addAttachments(ctx, draftID, atts)
}

// SendDraft sends a draft. Sent.ID is the draft's ID, which the sent
// message keeps.
func (m *Mailbox) SendDraft(ctx context.Context, draftID string) (*mailmanager.Sent, error) {
	item, err := m.message(draftID)
	if err != nil {
		return nil, err
	}
	draft, err := item.Get(ctx, selectMessage("id", "conversationId", "internetMessageId"))
	if err != nil {
		return nil, apiError("messages.get", err)
	}
	if draft == nil {
		return nil, noAnswer("messages.get")
	}
	if err := item.Send().Post(ctx, nil); err != nil {
		return nil, apiError("messages.send", err)
	}
	return sentOf(draft), nil
}

// DeleteDraft deletes a draft. Graph moves it to Deleted Items, where the
// user can still recover it.
func (m *Mailbox) DeleteDraft(ctx context.Context, draftID string) error {
	item, err := m.message(draftID)
	if err != nil {
		return err
	}
	if err := item.Delete(ctx, nil); err != nil {
		return apiError("messages.delete", err)
	}
	return nil
}
