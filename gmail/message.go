package gmail

import (
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"mime"
	"net/mail"
	"slices"
	"strings"
	"time"

	gmailapi "google.golang.org/api/gmail/v1"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/internal/mailmime"
)

// partIDPrefix marks an attachment ID that names a part of the message
// rather than a Gmail attachment ID: Gmail gives attachment IDs to parts
// it stores aside, and inlines the data of small ones.
const partIDPrefix = "part:"

// Message returns one message by its Gmail ID.
func (m *mailbox) Message(ctx context.Context, id string) (*mailmanager.Message, error) {
	gm, err := m.svc.Users.Messages.Get("me", id).Format("full").Context(ctx).Do()
	if err != nil {
		return nil, apiError("messages.get", err)
	}
	return m.convert(ctx, gm)
}

// FindByMessageID returns the message with the given RFC 5322 Message-ID,
// searching spam and trash too. It implements [mailmanager.MessageFinder].
func (m *mailbox) FindByMessageID(ctx context.Context, messageID string) (*mailmanager.Message, error) {
	id := strings.Trim(strings.TrimSpace(messageID), "<>")
	if id == "" || strings.ContainsAny(id, " \"\r\n") {
		return nil, fmt.Errorf("gmail: find message: invalid Message-ID")
	}
	res, err := m.svc.Users.Messages.List("me").Q("rfc822msgid:" + id).
		IncludeSpamTrash(true).MaxResults(1).Context(ctx).Do()
	if err != nil {
		return nil, apiError("messages.list", err)
	}
	if len(res.Messages) == 0 {
		return nil, fmt.Errorf("gmail: find message %s: %w", id, mailmanager.ErrNotFound)
	}
	return m.Message(ctx, res.Messages[0].Id)
}

// Attachment opens the content of one attachment, decoding base64url as it
// is read. Gmail answers attachments.get with the whole content in one JSON
// document, so the encoded content is in memory while the reader is open.
func (m *mailbox) Attachment(ctx context.Context, messageID, attachmentID string) (
	io.ReadCloser, error) {
	var data string
	if partID, ok := strings.CutPrefix(attachmentID, partIDPrefix); ok {
		gm, err := m.svc.Users.Messages.Get("me", messageID).Format("full").Context(ctx).Do()
		if err != nil {
			return nil, apiError("messages.get", err)
		}
		p := findPart(gm.Payload, partID)
		if p == nil || p.Body == nil {
			return nil, fmt.Errorf("gmail: attachment %s of message %s: %w",
				attachmentID, messageID, mailmanager.ErrNotFound)
		}
		data = p.Body.Data
	} else {
		body, err := m.svc.Users.Messages.Attachments.Get("me", messageID, attachmentID).
			Context(ctx).Do()
		if err != nil {
			return nil, apiError("messages.attachments.get", err)
		}
		data = body.Data
	}
	return io.NopCloser(base64.NewDecoder(base64.RawURLEncoding,
		strings.NewReader(strings.TrimRight(data, "=")))), nil
}

// convert turns a Gmail message in format=full into a library message.
// It fetches text bodies that Gmail stored aside as attachments.
func (m *mailbox) convert(ctx context.Context, gm *gmailapi.Message) (*mailmanager.Message,
	error) {
	msg := &mailmanager.Message{
		ID:       gm.Id,
		ThreadID: gm.ThreadId,
		Snippet:  html.UnescapeString(gm.Snippet),
		Labels:   slices.Clone(gm.LabelIds),
		Read:     !slices.Contains(gm.LabelIds, "UNREAD"),
		Starred:  slices.Contains(gm.LabelIds, "STARRED"),
	}
	if gm.InternalDate > 0 {
		msg.Received = time.UnixMilli(gm.InternalDate).UTC()
	}
	if gm.Payload == nil {
		msg.Date = msg.Received
		return msg, nil
	}

	h := gm.Payload.Headers
	msg.MessageID = first(mailmime.ParseMessageIDs(header(h, "Message-ID")))
	msg.InReplyTo = first(mailmime.ParseMessageIDs(header(h, "In-Reply-To")))
	msg.References = mailmime.ParseMessageIDs(header(h, "References"))
	if from := mailmime.ParseAddressList(headers(h, "From")); len(from) > 0 {
		msg.From = &from[0]
	}
	msg.To = mailmime.ParseAddressList(headers(h, "To"))
	msg.Cc = mailmime.ParseAddressList(headers(h, "Cc"))
	msg.Bcc = mailmime.ParseAddressList(headers(h, "Bcc"))
	msg.ReplyTo = mailmime.ParseAddressList(headers(h, "Reply-To"))
	msg.Subject = mailmime.DecodeHeader(header(h, "Subject"))
	msg.Date = msg.Received
	if d, err := mail.ParseDate(header(h, "Date")); err == nil {
		msg.Date = d
	}

	var w walker
	w.walk(gm.Payload, 0)
	for _, att := range w.attachments {
		msg.Attachments = append(msg.Attachments, attachment(att))
	}
	var err error
	if msg.Text, err = m.bodyText(ctx, gm.Id, w.text); err != nil {
		return nil, err
	}
	if msg.HTML, err = m.bodyText(ctx, gm.Id, w.html); err != nil {
		return nil, err
	}
	return msg, nil
}

// bodyText decodes a text part to UTF-8, fetching its content first when
// Gmail stored it aside.
func (m *mailbox) bodyText(ctx context.Context, msgID string, p *gmailapi.MessagePart) (
	string, error) {
	if p == nil || p.Body == nil {
		return "", nil
	}
	data := p.Body.Data
	if data == "" && p.Body.AttachmentId != "" {
		// QUIRK: Gmail moves a large text body out of the message and
		// gives it an attachment ID instead of data.
		// https://developers.google.com/gmail/api/reference/rest/v1/users.messages.attachments
		body, err := m.svc.Users.Messages.Attachments.Get("me", msgID, p.Body.AttachmentId).
			Context(ctx).Do()
		if err != nil {
			return "", apiError("messages.attachments.get", err)
		}
		data = body.Data
	}
	b, err := decodeData(data)
	if err != nil {
		return "", fmt.Errorf("gmail: message %s part %s: %w", msgID, p.PartId, err)
	}
	return mailmime.DecodeText(b, charset(p)), nil
}

// maxDepth caps how deep walk descends into nested multiparts.
const maxDepth = 50

// walker collects the body parts and attachments of a payload tree.
type walker struct {
	text, html  *gmailapi.MessagePart
	attachments []*gmailapi.MessagePart
}

func (w *walker) walk(p *gmailapi.MessagePart, depth int) {
	if p == nil || depth > maxDepth {
		return
	}
	mediaType := strings.ToLower(p.MimeType)
	if strings.HasPrefix(mediaType, "multipart/") {
		for _, c := range p.Parts {
			w.walk(c, depth+1)
		}
		return
	}
	disposition, _ := contentDisposition(p)
	named := p.Filename != "" || disposition == "attachment"
	switch {
	case mediaType == "text/plain" && !named && w.text == nil:
		w.text = p
	case mediaType == "text/html" && !named && w.html == nil:
		w.html = p
	case p.Filename != "" || (p.Body != nil && p.Body.AttachmentId != "") ||
		disposition == "attachment" || mediaType == "message/rfc822":
		// An attached message is one attachment; its own parts are not
		// bodies of this message.
		w.attachments = append(w.attachments, p)
	}
}

// attachment describes an attachment part.
func attachment(p *gmailapi.MessagePart) mailmanager.Attachment {
	disposition, params := contentDisposition(p)
	cid := strings.Trim(strings.TrimSpace(header(p.Headers, "Content-ID")), "<>")
	a := mailmanager.Attachment{
		Filename:    p.Filename,
		ContentType: strings.ToLower(p.MimeType),
		Inline:      disposition == "inline" || (disposition == "" && cid != ""),
		ContentID:   cid,
	}
	if a.Filename == "" {
		a.Filename = params["filename"]
	}
	if a.Filename == "" {
		if _, ctParams, err := mime.ParseMediaType(header(p.Headers, "Content-Type")); err == nil {
			a.Filename = ctParams["name"]
		}
	}
	if strings.Contains(a.Filename, "=?") {
		a.Filename = mailmime.DecodeHeader(a.Filename)
	}
	if p.Body != nil {
		a.Size = p.Body.Size
		a.ID = p.Body.AttachmentId
	}
	if a.ID == "" {
		a.ID = partIDPrefix + p.PartId
	}
	return a
}

// findPart returns the part with partID in the tree under p, or nil.
func findPart(p *gmailapi.MessagePart, partID string) *gmailapi.MessagePart {
	if p == nil {
		return nil
	}
	if p.PartId == partID {
		return p
	}
	for _, c := range p.Parts {
		if f := findPart(c, partID); f != nil {
			return f
		}
	}
	return nil
}

// contentDisposition returns the lower-case disposition of a part and its
// parameters.
func contentDisposition(p *gmailapi.MessagePart) (string, map[string]string) {
	v := header(p.Headers, "Content-Disposition")
	if v == "" {
		return "", nil
	}
	d, params, err := mime.ParseMediaType(v)
	if err != nil {
		d, _, _ = strings.Cut(v, ";")
	}
	return strings.ToLower(strings.TrimSpace(d)), params
}

// charset returns the charset a text part declares, or "".
func charset(p *gmailapi.MessagePart) string {
	v := header(p.Headers, "Content-Type")
	if _, params, err := mime.ParseMediaType(v); err == nil {
		return params["charset"]
	}
	// Tolerate a malformed header: look for the parameter by hand.
	i := strings.Index(strings.ToLower(v), "charset=")
	if i < 0 {
		return ""
	}
	cs := v[i+len("charset="):]
	if j := strings.IndexAny(cs, "; \t"); j >= 0 {
		cs = cs[:j]
	}
	return strings.Trim(cs, `"'`)
}

// decodeData decodes Gmail's base64url body data, with or without padding.
func decodeData(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("decode body data: %w", err)
	}
	return b, nil
}

// header returns the first value of the named header, or "".
func header(h []*gmailapi.MessagePartHeader, name string) string {
	for _, x := range h {
		if x != nil && strings.EqualFold(x.Name, name) {
			return x.Value
		}
	}
	return ""
}

// headers joins every value of the named address header with commas.
func headers(h []*gmailapi.MessagePartHeader, name string) string {
	var vs []string
	for _, x := range h {
		if x != nil && strings.EqualFold(x.Name, name) {
			vs = append(vs, x.Value)
		}
	}
	return strings.Join(vs, ", ")
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
