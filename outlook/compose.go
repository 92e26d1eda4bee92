package outlook

import (
	"fmt"
	"io"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/internal/mailmime"
)

// checkOutgoing refuses a message with a CR, LF or NUL in a value that
// becomes a header (subject, names, addresses, attachment names and
// types), before anything is sent. Graph builds the MIME itself, but a
// line break there could still reach the header section.
func checkOutgoing(msg *mailmanager.Outgoing) error {
	if msg == nil {
		return fmt.Errorf("outlook: no message")
	}
	vals := []struct{ name, value string }{
		{"Subject", msg.Subject},
		{"Message-ID", msg.MessageID},
	}
	addrs := func(name string, as []mailmanager.Address) {
		for _, a := range as {
			vals = append(vals, struct{ name, value string }{name, a.Name},
				struct{ name, value string }{name, a.Email})
		}
	}
	if msg.From != nil {
		addrs("From", []mailmanager.Address{*msg.From})
	}
	addrs("To", msg.To)
	addrs("Cc", msg.Cc)
	addrs("Bcc", msg.Bcc)
	addrs("Reply-To", msg.ReplyTo)
	for _, a := range msg.Attachments {
		vals = append(vals,
			struct{ name, value string }{"Content-Disposition", a.Filename},
			struct{ name, value string }{"Content-Type", a.ContentType},
			struct{ name, value string }{"Content-ID", a.ContentID})
	}
	for _, v := range vals {
		if err := mailmime.CheckHeader(v.name, v.value); err != nil {
			return fmt.Errorf("outlook: %w", err)
		}
	}
	return nil
}

// outAttachment is an attachment read into memory, ready to send.
type outAttachment struct {
	name, contentType, contentID string
	data                         []byte
}

// readAttachments reads every attachment's content once and returns their
// total size.
func readAttachments(in []mailmanager.OutgoingAttachment) ([]outAttachment, int64, error) {
	out := make([]outAttachment, 0, len(in))
	var total int64
	for i, a := range in {
		if a.Content == nil {
			return nil, 0, fmt.Errorf("outlook: attachment %d has no content", i)
		}
		data, err := readAll(a.Content, a.Size)
		if err != nil {
			return nil, 0, fmt.Errorf("outlook: read attachment %d: %w", i, err)
		}
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		out = append(out, outAttachment{
			name: a.Filename, contentType: ct, contentID: a.ContentID, data: data,
		})
		total += int64(len(data))
	}
	return out, total, nil
}

// readAll reads r whole. When its size is known (given, or told by a bytes
// or strings reader or a file), the buffer is allocated once at that size
// instead of grown by doubling, which would hold up to twice the content.
func readAll(r io.Reader, size int64) ([]byte, error) {
	if size <= 0 {
		size = -1
	}
	switch v := r.(type) {
	case interface{ Len() int }:
		size = int64(v.Len())
	case io.Seeker:
		if size >= 0 {
			break
		}
		cur, err := v.Seek(0, io.SeekCurrent)
		if err == nil {
			end, err := v.Seek(0, io.SeekEnd)
			if err == nil {
				_, err = v.Seek(cur, io.SeekStart)
			}
			if err == nil {
				size = end - cur
			}
		}
	}
	if size < 0 || size > 1<<31 {
		return io.ReadAll(r)
	}
	buf := make([]byte, size, size+1)
	n, err := io.ReadFull(r, buf)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return buf[:n], nil
	}
	if err != nil {
		return nil, err
	}
	// The reader may hold more than it said.
	rest, err := io.ReadAll(r)
	return append(buf, rest...), err
}

// fileAttachment is the Graph form of a small attachment, sent inline in
// JSON.
func fileAttachment(a outAttachment) models.FileAttachmentable {
	f := models.NewFileAttachment()
	f.SetName(&a.name)
	f.SetContentType(&a.contentType)
	f.SetContentBytes(a.data)
	if a.contentID != "" {
		inline := true
		f.SetContentId(&a.contentID)
		f.SetIsInline(&inline)
	}
	return f
}

// graphMessage is the Graph form of msg's content. With all set, empty
// fields are written too, so that a PATCH replaces them; otherwise they
// are left out, keeping what Graph put in a reply or forward draft.
func graphMessage(msg *mailmanager.Outgoing, messageID string, all bool) models.Messageable {
	gm := models.NewMessage()
	if all || msg.Subject != "" {
		gm.SetSubject(&msg.Subject)
	}
	if all || msg.Text != "" || msg.HTML != "" {
		body := models.NewItemBody()
		typ, content := models.TEXT_BODYTYPE, msg.Text
		if msg.HTML != "" {
			typ, content = models.HTML_BODYTYPE, msg.HTML
		}
		body.SetContentType(&typ)
		body.SetContent(&content)
		gm.SetBody(body)
	}
	if msg.From != nil {
		gm.SetFrom(toRecipient(*msg.From))
	}
	if all || len(msg.To) > 0 {
		gm.SetToRecipients(toRecipients(msg.To))
	}
	if all || len(msg.Cc) > 0 {
		gm.SetCcRecipients(toRecipients(msg.Cc))
	}
	if all || len(msg.Bcc) > 0 {
		gm.SetBccRecipients(toRecipients(msg.Bcc))
	}
	if all || len(msg.ReplyTo) > 0 {
		gm.SetReplyTo(toRecipients(msg.ReplyTo))
	}
	if messageID != "" {
		v := "<" + messageID + ">"
		gm.SetInternetMessageId(&v)
	}
	return gm
}

func toRecipient(a mailmanager.Address) models.Recipientable {
	e := models.NewEmailAddress()
	e.SetAddress(&a.Email)
	if a.Name != "" {
		e.SetName(&a.Name)
	}
	r := models.NewRecipient()
	r.SetEmailAddress(e)
	return r
}

func toRecipients(as []mailmanager.Address) []models.Recipientable {
	out := make([]models.Recipientable, 0, len(as))
	for _, a := range as {
		out = append(out, toRecipient(a))
	}
	return out
}
