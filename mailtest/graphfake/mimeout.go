package graphfake

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/emersion/go-message/mail"
)

// messageValue answers GET /messages/{id}/$value with the message's MIME
// source: what was delivered, or, for a message made through the API, MIME
// written from its properties. Graph labels it text/plain.
//
// https://learn.microsoft.com/graph/api/message-get#example-4-get-mime-content
func (c *call) messageValue() reply {
	m, rep, ok := c.pathMessage()
	if !ok {
		return rep
	}
	raw := m.raw
	if raw == nil {
		var err error
		if raw, err = writeMIME(&m.Message); err != nil {
			return c.fail(http.StatusInternalServerError, "generalException",
				"The message could not be written as MIME.")
		}
	}
	h := http.Header{}
	h.Set("Content-Type", "text/plain")
	return reply{status: http.StatusOK, header: h, body: bytes.Clone(raw)}
}

// writeMIME renders m as an RFC 5322 message.
func writeMIME(m *Message) ([]byte, error) {
	var h mail.Header
	h.SetDate(m.SentDateTime)
	h.SetSubject(m.Subject)
	if id := strings.Trim(m.InternetMessageID, "<>"); id != "" {
		h.SetMessageID(id)
	}
	if m.InReplyTo != "" {
		h.SetMsgIDList("In-Reply-To", []string{strings.Trim(m.InReplyTo, "<>")})
	}
	if len(m.References) > 0 {
		refs := make([]string, 0, len(m.References))
		for _, r := range m.References {
			refs = append(refs, strings.Trim(r, "<>"))
		}
		h.SetMsgIDList("References", refs)
	}
	if m.From != nil {
		h.SetAddressList("From", mailAddresses([]Recipient{*m.From}))
	}
	for key, rs := range map[string][]Recipient{"To": m.ToRecipients, "Cc": m.CcRecipients,
		"Reply-To": m.ReplyTo} {
		if len(rs) > 0 {
			h.SetAddressList(key, mailAddresses(rs))
		}
	}
	for _, x := range customHeaders(m.Headers) {
		h.Set(x.Name, x.Value)
	}

	var buf bytes.Buffer
	w, err := mail.CreateWriter(&buf, h)
	if err != nil {
		return nil, fmt.Errorf("graphfake: write mime: %w", err)
	}
	var bh mail.InlineHeader
	bh.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	if m.Body.ContentType == "html" {
		bh.SetContentType("text/html", map[string]string{"charset": "utf-8"})
	}
	if err := writePart(func() (io.WriteCloser, error) { return w.CreateSingleInline(bh) },
		[]byte(m.Body.Content)); err != nil {
		return nil, err
	}
	for _, a := range m.Attachments {
		var ah mail.AttachmentHeader
		ah.SetContentType(a.ContentType, nil)
		ah.SetFilename(a.Name)
		if a.ContentID != "" {
			ah.Set("Content-ID", "<"+a.ContentID+">")
		}
		if err := writePart(func() (io.WriteCloser, error) { return w.CreateAttachment(ah) },
			a.Content); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("graphfake: write mime: %w", err)
	}
	return buf.Bytes(), nil
}

func writePart(create func() (io.WriteCloser, error), content []byte) error {
	pw, err := create()
	if err != nil {
		return fmt.Errorf("graphfake: write mime part: %w", err)
	}
	if _, err := pw.Write(content); err != nil {
		return fmt.Errorf("graphfake: write mime part: %w", err)
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("graphfake: write mime part: %w", err)
	}
	return nil
}

func mailAddresses(rs []Recipient) []*mail.Address {
	out := make([]*mail.Address, 0, len(rs))
	for _, r := range rs {
		out = append(out, &mail.Address{Name: r.Name, Address: r.Address})
	}
	return out
}
