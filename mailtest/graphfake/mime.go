package graphfake

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"

	gomessage "github.com/emersion/go-message"
	// Importing charset registers the common charsets with go-message, so
	// bodies and headers in Shift_JIS, ISO-8859-x and the like decode.
	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// maxPartBytes bounds what the fake reads of one MIME part.
const maxPartBytes = 64 << 20

// parseMIME turns an RFC 5322 message into a Graph message, as Exchange
// does on delivery: best effort, so a malformed header line, a broken body
// or an unknown charset yields what could be read rather than an error.
// Only a header that cannot be read even after repair fails.
func parseMIME(raw []byte, received time.Time) (*message, error) {
	raw = stripMboxLine(raw)
	m, err := parseEntity(raw, received)
	if err != nil {
		m, err = parseEntity(repairHeader(raw), received)
	}
	if err != nil {
		return nil, err
	}
	m.raw = bytes.Clone(raw)
	return m, nil
}

// repairHeader turns header lines that are not fields ("name: value")
// into continuations of the field before them, as lenient servers read
// them.
func repairHeader(raw []byte) []byte {
	var out bytes.Buffer
	rest := raw
	for len(rest) > 0 {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line = rest[:i+1]
		}
		rest = rest[len(line):]
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			out.Write(line)
			out.Write(rest)
			break
		}
		name, _, ok := bytes.Cut(line, []byte(":"))
		name = bytes.TrimRight(name, " \t")
		continuation := line[0] == ' ' || line[0] == '\t'
		if !continuation && (!ok || len(name) == 0 || bytes.ContainsAny(name, " \t")) {
			out.WriteByte(' ')
		}
		out.Write(line)
	}
	return out.Bytes()
}

// parseEntity parses raw as it stands.
func parseEntity(raw []byte, received time.Time) (*message, error) {
	m := &message{Message: Message{ReceivedDateTime: received}}
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil && !gomessage.IsUnknownCharset(err) {
		return parseRaw(m, raw, received)
	}
	readHeader(&m.Message, &mr.Header, received)

	var text, htm string
	for n := 1; ; n++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !gomessage.IsUnknownCharset(err) {
			break // a broken structure: keep what was read
		}
		body, _ := io.ReadAll(io.LimitReader(p.Body, maxPartBytes))
		ct, params, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		ct = strings.ToLower(ct)
		filename := partFilename(p.Header, params)
		inline, _ := p.Header.(*mail.InlineHeader)
		switch {
		case inline != nil && filename == "" && (ct == "" || ct == "text/plain") && text == "":
			text = string(body)
		case inline != nil && filename == "" && ct == "text/html" && htm == "":
			htm = string(body)
		case inline != nil && strings.HasPrefix(ct, "text/") && filename == "":
			// A further text part of a multipart/alternative: skipped.
		default:
			m.Attachments = append(m.Attachments, partAttachment(p, ct, filename, body, n))
		}
	}
	m.Body = Body{ContentType: "text", Content: strings.ToValidUTF8(text, "\uFFFD")}
	if htm != "" {
		m.Body = Body{ContentType: "html", Content: strings.ToValidUTF8(htm, "\uFFFD")}
	}
	return m, nil
}

// parseRaw is the fallback for a message whose top-level body go-message
// refuses (an unknown transfer encoding): the header is read and the body
// kept as it stands, as text.
func parseRaw(m *message, raw []byte, received time.Time) (*message, error) {
	br := bufio.NewReader(bytes.NewReader(raw))
	th, err := textproto.ReadHeader(br)
	if err != nil {
		return nil, fmt.Errorf("graphfake: parse message header: %w", err)
	}
	readHeader(&m.Message, &mail.Header{Header: gomessage.Header{Header: th}}, received)
	body, _ := io.ReadAll(io.LimitReader(br, maxPartBytes))
	m.Body = Body{ContentType: "text", Content: strings.ToValidUTF8(string(body), "\uFFFD")}
	return m, nil
}

// stripMboxLine drops an mbox "From " separator line before the header.
func stripMboxLine(raw []byte) []byte {
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			return raw[i+1:]
		}
	}
	return raw
}

// readHeader copies the top-level header into m.
func readHeader(m *Message, h *mail.Header, received time.Time) {
	fields := h.Fields()
	for fields.Next() {
		// Graph keeps the name as the message spelled it; Key is canonical.
		name := fields.Key()
		if raw, err := fields.Raw(); err == nil {
			if k, _, ok := strings.Cut(string(raw), ":"); ok {
				name = strings.TrimSpace(k)
			}
		}
		m.Headers = append(m.Headers, Header{Name: name, Value: fields.Value()})
	}
	subject, err := h.Subject()
	if err != nil {
		subject = h.Get("Subject")
	}
	m.Subject = strings.ToValidUTF8(subject, "\uFFFD")
	m.From = firstAddress(h, "From")
	m.Sender = firstAddress(h, "Sender")
	if m.Sender == nil {
		m.Sender = m.From
	}
	m.ToRecipients = addresses(h, "To")
	m.CcRecipients = addresses(h, "Cc")
	m.BccRecipients = addresses(h, "Bcc")
	m.ReplyTo = addresses(h, "Reply-To")
	m.SentDateTime = received
	if d, err := h.Date(); err == nil && !d.IsZero() {
		m.SentDateTime = d.UTC()
	}
	if id, err := h.MessageID(); err == nil && id != "" {
		m.InternetMessageID = "<" + id + ">"
	}
	if ids, err := h.MsgIDList("In-Reply-To"); err == nil && len(ids) > 0 {
		m.InReplyTo = "<" + ids[0] + ">"
	}
	if ids, err := h.MsgIDList("References"); err == nil {
		for _, id := range ids {
			m.References = append(m.References, "<"+id+">")
		}
	}
	switch strings.ToLower(h.Get("Importance")) {
	case "high", "low":
		m.Importance = strings.ToLower(h.Get("Importance"))
	}
}

// addresses reads an address list header; an unparsable one yields its
// raw text as a single address, as a lenient server shows it.
func addresses(h *mail.Header, key string) []Recipient {
	list, err := h.AddressList(key)
	if err != nil {
		raw := strings.TrimSpace(h.Get(key))
		if raw == "" {
			return nil
		}
		return []Recipient{{Address: strings.Trim(raw, "<>")}}
	}
	out := make([]Recipient, 0, len(list))
	for _, a := range list {
		out = append(out, Recipient{Name: a.Name, Address: a.Address})
	}
	return out
}

func firstAddress(h *mail.Header, key string) *Recipient {
	list := addresses(h, key)
	if len(list) == 0 {
		return nil
	}
	return &list[0]
}

// partFilename is the decoded file name of a part, from
// Content-Disposition or the Content-Type name parameter.
func partFilename(h mail.PartHeader, ctParams map[string]string) string {
	if ah, ok := h.(*mail.AttachmentHeader); ok {
		if name, err := ah.Filename(); err == nil && name != "" {
			return name
		}
	}
	if _, params, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil {
		if name := params["filename"]; name != "" {
			return decodeWords(name)
		}
	}
	return decodeWords(ctParams["name"])
}

func decodeWords(s string) string {
	dec := mime.WordDecoder{CharsetReader: charset.Reader}
	if out, err := dec.DecodeHeader(s); err == nil {
		return out
	}
	return s
}

// partAttachment makes the attachment for a non-body part; an attached
// message becomes an item attachment.
func partAttachment(p *mail.Part, ct, filename string, body []byte, n int) Attachment {
	if ct == "" {
		ct = "application/octet-stream"
	}
	disp, _, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	cid := strings.Trim(strings.TrimSpace(p.Header.Get("Content-Id")), "<>")
	a := Attachment{
		Name:        filename,
		ContentType: ct,
		ContentID:   cid,
		IsInline:    strings.EqualFold(disp, "inline") || (disp == "" && cid != ""),
		Content:     body,
		Item:        ct == "message/rfc822",
	}
	if a.Name == "" && a.Item {
		if inner, err := mail.CreateReader(bytes.NewReader(body)); err == nil {
			a.Name, _ = inner.Header.Subject()
		}
	}
	if a.Name == "" {
		a.Name = fmt.Sprintf("ATT%05d.bin", n)
	}
	return a
}
