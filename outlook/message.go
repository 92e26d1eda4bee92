package outlook

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/internal/mailmime"
)

// messageFields are the message properties a mailmanager.Message is made
// of, asked for by Message and by every delta round.
var messageFields = []string{
	"id", "conversationId", "internetMessageId", "internetMessageHeaders",
	"subject", "from", "toRecipients", "ccRecipients", "bccRecipients",
	"replyTo", "sentDateTime", "receivedDateTime", "bodyPreview", "body",
	"hasAttachments", "categories", "flag", "isRead", "parentFolderId",
}

// attachmentFields describe an attachment without its content.
var attachmentFields = []string{"id", "name", "contentType", "size", "isInline"}

// Message returns one message with its attachments' metadata, or an error
// wrapping mailmanager.ErrNotFound.
func (m *Mailbox) Message(ctx context.Context, id string) (*mailmanager.Message, error) {
	item, err := m.message(id)
	if err != nil {
		return nil, err
	}
	gm, err := item.Get(ctx, selectMessage(messageFields...))
	if err != nil {
		return nil, apiError("messages.get", err)
	}
	if gm == nil {
		return nil, noAnswer("messages.get")
	}
	msg := toMessage(gm)
	if needsAttachments(gm, msg) {
		if msg.Attachments, err = m.attachments(ctx, msg.ID); err != nil {
			return nil, err
		}
	}
	return msg, nil
}

// selectMessage asks for the given properties of a message.
func selectMessage(fields ...string) (
	cfg *users.ItemMessagesMessageItemRequestBuilderGetRequestConfiguration) {
	return &users.ItemMessagesMessageItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemMessagesMessageItemRequestBuilderGetQueryParameters{
			Select: fields,
		},
	}
}

// withAttachments fills in the attachments of the messages marked in
// has, concurrently within the mailbox's limit.
func (m *Mailbox) withAttachments(ctx context.Context, msgs []*mailmanager.Message,
	has []bool) error {
	errs := make([]error, len(msgs))
	each(len(msgs), func(i int) {
		if has[i] {
			msgs[i].Attachments, errs[i] = m.attachments(ctx, msgs[i].ID)
		}
	})
	return errors.Join(errs...)
}

// attachments lists the attachments of a message, without their content.
// QUIRK: Graph refuses contentId in a $select on attachments, as only
// fileAttachment has it, and listing without $select brings every
// attachment's content; so the list selects the common properties and
// only inline attachments, usually small images, are fetched whole for
// their Content-ID. See
// https://learn.microsoft.com/graph/api/resources/fileattachment
func (m *Mailbox) attachments(ctx context.Context, id string) ([]mailmanager.Attachment, error) {
	out, err := m.listAttachments(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if !out[i].Inline {
			continue
		}
		b := m.graph.Me().Messages().ByMessageId(id).Attachments().ByAttachmentId(out[i].ID)
		a, err := b.Get(ctx, nil)
		if err != nil {
			return nil, apiError("attachments.get", err)
		}
		if a == nil {
			return nil, noAnswer("attachments.get")
		}
		out[i].ContentID = toAttachment(a).ContentID
	}
	return out, nil
}

// listAttachments lists the attachments of a message, following every
// page.
func (m *Mailbox) listAttachments(ctx context.Context, id string) (
	[]mailmanager.Attachment, error) {
	b := m.graph.Me().Messages().ByMessageId(id).Attachments()
	cfg := &users.ItemMessagesItemAttachmentsRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemMessagesItemAttachmentsRequestBuilderGetQueryParameters{
			Select: attachmentFields,
		},
	}
	var out []mailmanager.Attachment
	for {
		page, err := b.Get(ctx, cfg)
		if err != nil {
			return nil, apiError("attachments.list", err)
		}
		if page == nil {
			return nil, noAnswer("attachments.list")
		}
		for _, a := range page.GetValue() {
			if a != nil {
				out = append(out, toAttachment(a))
			}
		}
		next := deref(page.GetOdataNextLink())
		if next == "" {
			return out, nil
		}
		b, cfg = b.WithUrl(next), nil
	}
}

// Attachment streams the decoded content of one attachment from Graph's
// $value endpoint. The caller closes it; until then it counts against the
// mailbox's limit of requests in flight.
func (m *Mailbox) Attachment(ctx context.Context, messageID, attachmentID string) (
	io.ReadCloser, error) {
	if messageID == "" || attachmentID == "" {
		return nil, wrapf("attachments.get", mailmanager.ErrNotFound)
	}
	u := m.cfg.APIURL + "/me/messages/" + url.PathEscape(messageID) +
		"/attachments/" + url.PathEscape(attachmentID) + "/$value"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, wrapf("attachments.get", err)
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return nil, wrapf("attachments.get", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, responseError("attachments.get", resp)
	}
	return resp.Body, nil
}

// toMessage converts a Graph message.
func toMessage(gm models.Messageable) *mailmanager.Message {
	msg := &mailmanager.Message{
		ID:        deref(gm.GetId()),
		ThreadID:  deref(gm.GetConversationId()),
		MessageID: trimAngles(deref(gm.GetInternetMessageId())),
		From:      toAddressPtr(gm.GetFrom()),
		To:        toAddresses(gm.GetToRecipients()),
		Cc:        toAddresses(gm.GetCcRecipients()),
		Bcc:       toAddresses(gm.GetBccRecipients()),
		ReplyTo:   toAddresses(gm.GetReplyTo()),
		Subject:   deref(gm.GetSubject()),
		Snippet:   deref(gm.GetBodyPreview()),
		Labels:    gm.GetCategories(),
		Folder:    deref(gm.GetParentFolderId()),
		Read:      deref(gm.GetIsRead()),
	}
	if t := gm.GetReceivedDateTime(); t != nil {
		msg.Received = t.UTC()
	}
	msg.Date = msg.Received
	if t := gm.GetSentDateTime(); t != nil {
		msg.Date = t.UTC()
	}
	if f := gm.GetFlag(); f != nil && f.GetFlagStatus() != nil {
		msg.Starred = *f.GetFlagStatus() == models.FLAGGED_FOLLOWUPFLAGSTATUS
	}
	if b := gm.GetBody(); b != nil {
		if ct := b.GetContentType(); ct != nil && *ct == models.HTML_BODYTYPE {
			msg.HTML = deref(b.GetContent())
		} else {
			msg.Text = deref(b.GetContent())
		}
	}
	for _, h := range gm.GetInternetMessageHeaders() {
		if h == nil {
			continue
		}
		switch strings.ToLower(deref(h.GetName())) {
		case "in-reply-to":
			if ids := mailmime.ParseMessageIDs(deref(h.GetValue())); len(ids) > 0 {
				msg.InReplyTo = ids[0]
			}
		case "references":
			msg.References = mailmime.ParseMessageIDs(deref(h.GetValue()))
		}
	}
	return msg
}

func toAttachment(a models.Attachmentable) mailmanager.Attachment {
	att := mailmanager.Attachment{
		ID:          deref(a.GetId()),
		Filename:    deref(a.GetName()),
		ContentType: deref(a.GetContentType()),
		Size:        int64(deref(a.GetSize())),
		Inline:      deref(a.GetIsInline()),
	}
	if f, ok := a.(models.FileAttachmentable); ok {
		att.ContentID = trimAngles(deref(f.GetContentId()))
	}
	return att
}

func toAddressPtr(r models.Recipientable) *mailmanager.Address {
	if r == nil || r.GetEmailAddress() == nil {
		return nil
	}
	a := toAddress(r)
	return &a
}

func toAddress(r models.Recipientable) mailmanager.Address {
	e := r.GetEmailAddress()
	if e == nil {
		return mailmanager.Address{}
	}
	return mailmanager.Address{Name: deref(e.GetName()), Email: deref(e.GetAddress())}
}

func toAddresses(rs []models.Recipientable) []mailmanager.Address {
	if len(rs) == 0 {
		return nil
	}
	out := make([]mailmanager.Address, 0, len(rs))
	for _, r := range rs {
		if r != nil {
			out = append(out, toAddress(r))
		}
	}
	return out
}

func trimAngles(s string) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "<"), ">")
}

// timeFilter is the OData literal of t for a $filter.
func timeFilter(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

// needsAttachments reports whether a message's attachments must be
// listed. QUIRK: Graph's hasAttachments is false for a message whose only
// attachments are inline, such as images its HTML body shows through
// "cid:" links; see
// https://learn.microsoft.com/graph/api/resources/message
func needsAttachments(gm models.Messageable, msg *mailmanager.Message) bool {
	return deref(gm.GetHasAttachments()) || strings.Contains(msg.HTML, "cid:")
}
