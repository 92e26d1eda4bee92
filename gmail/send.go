package gmail

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	stdhtml "html"
	"io"
	"strings"
	"time"

	gmailapi "google.golang.org/api/gmail/v1"
	"google.golang.org/api/googleapi"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/internal/mailmime"
)

// rawLimit is the size up to which a message goes as base64url JSON;
// a larger one goes through the media upload.
const rawLimit = 5 << 20

// Send sends a new message, a reply or a forward. See
// [mailmanager.Mailbox.Send].
func (m *mailbox) Send(ctx context.Context, out *mailmanager.Outgoing) (*mailmanager.Sent, error) {
	p, err := m.prepare(ctx, out)
	if err != nil {
		return nil, err
	}
	defer p.close()
	call := m.svc.Users.Messages.Send("me", p.meta).Context(ctx)
	if p.media != nil {
		call = call.Media(p.media, mediaOptions()...)
	}
	gm, err := call.Do()
	if err != nil {
		return nil, apiError("messages.send", err)
	}
	return &mailmanager.Sent{ID: gm.Id, ThreadID: gm.ThreadId, MessageID: p.messageID}, nil
}

// CreateDraft saves msg as a draft and returns the draft's ID.
func (m *mailbox) CreateDraft(ctx context.Context, msg *mailmanager.Outgoing) (string, error) {
	p, err := m.prepare(ctx, msg)
	if err != nil {
		return "", err
	}
	defer p.close()
	call := m.svc.Users.Drafts.Create("me", &gmailapi.Draft{Message: p.meta}).Context(ctx)
	if p.media != nil {
		call = call.Media(p.media, mediaOptions()...)
	}
	d, err := call.Do()
	if err != nil {
		return "", apiError("drafts.create", err)
	}
	return d.Id, nil
}

// UpdateDraft replaces the content of a draft.
func (m *mailbox) UpdateDraft(ctx context.Context, draftID string,
	msg *mailmanager.Outgoing) error {
	p, err := m.prepare(ctx, msg)
	if err != nil {
		return err
	}
	defer p.close()
	draft := &gmailapi.Draft{Id: draftID, Message: p.meta}
	call := m.svc.Users.Drafts.Update("me", draftID, draft).Context(ctx)
	if p.media != nil {
		call = call.Media(p.media, mediaOptions()...)
	}
	if _, err := call.Do(); err != nil {
		return apiError("drafts.update", err)
	}
	return nil
}

// SendDraft sends a draft. Gmail's answer does not carry the Message-ID
// header, so it is read back with one more call; if that call fails, the
// message is still sent and Sent.MessageID is empty.
func (m *mailbox) SendDraft(ctx context.Context, draftID string) (*mailmanager.Sent, error) {
	gm, err := m.svc.Users.Drafts.Send("me", &gmailapi.Draft{Id: draftID}).Context(ctx).Do()
	if err != nil {
		return nil, apiError("drafts.send", err)
	}
	sent := &mailmanager.Sent{ID: gm.Id, ThreadID: gm.ThreadId}
	meta, err := m.svc.Users.Messages.Get("me", gm.Id).Format("metadata").
		MetadataHeaders("Message-ID").Context(ctx).Do()
	if err == nil && meta.Payload != nil {
		sent.MessageID = first(mailmime.ParseMessageIDs(header(meta.Payload.Headers,
			"Message-ID")))
	}
	return sent, nil
}

// DeleteDraft deletes a draft.
func (m *mailbox) DeleteDraft(ctx context.Context, draftID string) error {
	if err := m.svc.Users.Drafts.Delete("me", draftID).Context(ctx).Do(); err != nil {
		return apiError("drafts.delete", err)
	}
	return nil
}

// mediaOptions upload a message as message/rfc822 in one streamed
// request.
func mediaOptions() []googleapi.MediaOption {
	return []googleapi.MediaOption{
		googleapi.ContentType("message/rfc822"),
		googleapi.ChunkSize(0),
	}
}

// prepared is an outgoing message ready for Gmail: meta holds the thread
// and, for a small message, the raw content; media streams a large one.
type prepared struct {
	meta      *gmailapi.Message
	media     io.Reader
	messageID string
	close     func()
}

// prepare resolves out into a MIME message. It checks every header value
// given before any I/O, and the whole message before anything is sent.
func (m *mailbox) prepare(ctx context.Context, out *mailmanager.Outgoing) (*prepared, error) {
	if out == nil {
		return nil, errors.New("gmail: send: nil message")
	}
	if err := checkOutgoing(out); err != nil {
		return nil, err
	}
	d, threadID, err := m.draft(ctx, out)
	if err != nil {
		return nil, err
	}

	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(mailmime.Write(pw, d)) }()
	head, err := io.ReadAll(io.LimitReader(pr, rawLimit+1))
	if err != nil {
		pr.CloseWithError(err)
		return nil, fmt.Errorf("gmail: send: build message: %w", err)
	}
	p := &prepared{
		meta:      &gmailapi.Message{ThreadId: threadID},
		messageID: d.MessageID,
		close:     func() { pr.CloseWithError(errors.New("gmail: send: upload ended")) },
	}
	if len(head) <= rawLimit {
		p.meta.Raw = base64.URLEncoding.EncodeToString(head)
	} else {
		p.media = io.MultiReader(bytes.NewReader(head), pr)
	}
	return p, nil
}

// draft resolves sender, recipients, subject and threading of out. It
// returns the message to write and the Gmail thread it joins, if any.
func (m *mailbox) draft(ctx context.Context, out *mailmanager.Outgoing) (*mailmime.Draft,
	string, error) {
	self, err := m.self(ctx)
	if err != nil {
		return nil, "", err
	}
	from, err := m.sender(ctx, self, out.From)
	if err != nil {
		return nil, "", err
	}
	d := &mailmime.Draft{
		From:        from,
		To:          out.To,
		Cc:          out.Cc,
		Bcc:         out.Bcc,
		ReplyTo:     out.ReplyTo,
		Subject:     out.Subject,
		Date:        time.Now(),
		MessageID:   out.MessageID,
		Text:        out.Text,
		HTML:        out.HTML,
		Attachments: out.Attachments,
		// QUIRK: Gmail delivers to Bcc recipients only when the raw
		// message names them; it removes the header before delivery.
		// https://developers.google.com/gmail/api/guides/sending
		IncludeBcc: true,
	}
	if d.MessageID == "" {
		d.MessageID = mailmanager.NewMessageID(from.Domain())
	}

	var threadID string
	switch out.Mode {
	case mailmanager.SendNew:
	case mailmanager.SendReply, mailmanager.SendReplyAll, mailmanager.SendForward:
		if out.Original == "" {
			return nil, "", errors.New("gmail: send: reply or forward without original")
		}
		orig, err := m.Message(ctx, out.Original)
		if err != nil {
			return nil, "", err
		}
		threadID = orig.ThreadID
		d.InReplyTo = orig.MessageID
		d.References = mailmime.ReplyReferences(orig)
		if out.Mode == mailmanager.SendForward {
			m.forward(ctx, d, out, orig)
		} else {
			replyTo(d, out, orig, self)
		}
	default:
		return nil, "", fmt.Errorf("gmail: send: unknown mode %d", out.Mode)
	}

	if len(d.To)+len(d.Cc)+len(d.Bcc) == 0 {
		return nil, "", errors.New("gmail: send: no recipients")
	}
	return d, threadID, nil
}

// replyTo sets subject and, when out names no recipient, the recipients of
// a reply to orig. Neither the mailbox nor the alias it sends as is
// answered.
func replyTo(d *mailmime.Draft, out *mailmanager.Outgoing, orig *mailmanager.Message,
	self string) {
	if d.Subject == "" {
		d.Subject = mailmime.ReplySubject(orig.Subject)
	}
	if len(out.To) > 0 {
		return
	}
	to, cc := mailmime.ReplyRecipients(orig, self, out.Mode == mailmanager.SendReplyAll)
	d.To = without(to, d.From.Email)
	d.Cc = append(without(cc, d.From.Email), out.Cc...)
}

// forward sets subject, body and attachments of a forward of orig. The
// original's attachments are fetched while the message is written.
func (m *mailbox) forward(ctx context.Context, d *mailmime.Draft, out *mailmanager.Outgoing,
	orig *mailmanager.Message) {
	if d.Subject == "" {
		d.Subject = mailmime.ForwardSubject(orig.Subject)
	}
	d.Text, d.HTML = forwardBody(out, orig)
	d.Attachments = append([]mailmanager.OutgoingAttachment(nil), out.Attachments...)
	for _, a := range orig.Attachments {
		fa := mailmanager.OutgoingAttachment{
			Filename:    a.Filename,
			ContentType: a.ContentType,
			Content: &lazyReader{open: func() (io.ReadCloser, error) {
				return m.Attachment(ctx, orig.ID, a.ID)
			}},
		}
		if a.Inline {
			fa.ContentID = a.ContentID
		}
		d.Attachments = append(d.Attachments, fa)
	}
}

// without returns addrs less those equal to email, ignoring case.
func without(addrs []mailmanager.Address, email string) []mailmanager.Address {
	var kept []mailmanager.Address
	for _, a := range addrs {
		if mailmanager.NormalizeEmail(a.Email) != mailmanager.NormalizeEmail(email) {
			kept = append(kept, a)
		}
	}
	return kept
}

// sender resolves the From address: the mailbox itself, or an alias that
// Gmail lists as a verified send-as address.
func (m *mailbox) sender(ctx context.Context, self string, from *mailmanager.Address) (
	mailmanager.Address, error) {
	if from == nil || from.Email == "" {
		a := mailmanager.Address{Email: self}
		if from != nil {
			a.Name = from.Name
		}
		return a, nil
	}
	want := mailmanager.NormalizeEmail(from.Email)
	if want == mailmanager.NormalizeEmail(self) {
		return *from, nil
	}
	res, err := m.svc.Users.Settings.SendAs.List("me").Context(ctx).Do()
	if err != nil {
		return mailmanager.Address{}, apiError("settings.sendAs.list", err)
	}
	for _, s := range res.SendAs {
		if s == nil || mailmanager.NormalizeEmail(s.SendAsEmail) != want {
			continue
		}
		if !s.IsPrimary && s.VerificationStatus != "accepted" {
			return mailmanager.Address{}, fmt.Errorf(
				"gmail: send as %s: alias is not verified", from.Email)
		}
		a := mailmanager.Address{Name: from.Name, Email: s.SendAsEmail}
		if a.Name == "" {
			a.Name = s.DisplayName
		}
		return a, nil
	}
	return mailmanager.Address{}, fmt.Errorf("gmail: send as %s: not an alias of the mailbox: %w",
		from.Email, mailmanager.ErrNotFound)
}

// checkOutgoing refuses header values with CR or LF before any I/O.
func checkOutgoing(out *mailmanager.Outgoing) error {
	check := func(name, value string) error {
		if err := mailmime.CheckHeader(name, value); err != nil {
			return fmt.Errorf("gmail: send: %w", err)
		}
		return nil
	}
	if err := check("Subject", out.Subject); err != nil {
		return err
	}
	if err := check("Message-ID", out.MessageID); err != nil {
		return err
	}
	lists := map[string][]mailmanager.Address{
		"To": out.To, "Cc": out.Cc, "Bcc": out.Bcc, "Reply-To": out.ReplyTo,
	}
	if out.From != nil {
		lists["From"] = []mailmanager.Address{*out.From}
	}
	for name, list := range lists {
		for _, a := range list {
			if err := check(name, a.Name); err != nil {
				return err
			}
			if err := check(name, a.Email); err != nil {
				return err
			}
		}
	}
	for _, a := range out.Attachments {
		for name, v := range map[string]string{
			"Content-Disposition": a.Filename,
			"Content-Type":        a.ContentType,
			"Content-ID":          a.ContentID,
		} {
			if err := check(name, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// lazyReader opens its source on the first Read and closes it at the end,
// so an attachment is fetched only when the writer reaches it.
type lazyReader struct {
	open func() (io.ReadCloser, error)
	rc   io.ReadCloser
	err  error
}

func (l *lazyReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if l.rc == nil {
		if l.rc, l.err = l.open(); l.err != nil {
			return 0, l.err
		}
	}
	n, err := l.rc.Read(p)
	if err != nil {
		l.rc.Close()
		l.err = err
	}
	return n, err
}

// forwardBody returns the text and HTML bodies of a forward: the sender's
// own words, then the original under a short header block. HTML is built
// only when the sender or the original has some.
func forwardBody(out *mailmanager.Outgoing, orig *mailmanager.Message) (text, html string) {
	var from string
	if orig.From != nil {
		from = orig.From.String()
	}
	var to []string
	for _, a := range orig.To {
		to = append(to, a.String())
	}
	fields := [][2]string{
		{"From", from},
		{"Date", orig.Date.Format(time.RFC1123Z)},
		{"Subject", orig.Subject},
		{"To", strings.Join(to, ", ")},
	}

	var t strings.Builder
	t.WriteString(out.Text)
	t.WriteString("\n\n---------- Forwarded message ---------\n")
	for _, f := range fields {
		fmt.Fprintf(&t, "%s: %s\n", f[0], f[1])
	}
	t.WriteString("\n")
	t.WriteString(orig.Text)
	if out.HTML == "" && orig.HTML == "" {
		return t.String(), ""
	}

	var h strings.Builder
	h.WriteString(htmlOrText(out.HTML, out.Text))
	h.WriteString("<br><br><div>---------- Forwarded message ---------<br>")
	for _, f := range fields {
		fmt.Fprintf(&h, "%s: %s<br>", f[0], stdhtml.EscapeString(f[1]))
	}
	h.WriteString("</div><br>")
	h.WriteString(htmlOrText(orig.HTML, orig.Text))
	return t.String(), h.String()
}

// htmlOrText returns h, or t escaped as preformatted HTML when h is empty.
func htmlOrText(h, t string) string {
	if h != "" || t == "" {
		return h
	}
	return `<div style="white-space:pre-wrap">` + stdhtml.EscapeString(t) + "</div>"
}
