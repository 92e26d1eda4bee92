package mailmime

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/mailmanager/mailmanager"
)

// Draft is a fully resolved outgoing message, ready to be written with
// [Write]. Write reads each attachment's Content once.
type Draft struct {
	// From is the sender; a zero From writes no From header.
	From    mailmanager.Address
	To      []mailmanager.Address
	Cc      []mailmanager.Address
	Bcc     []mailmanager.Address
	ReplyTo []mailmanager.Address
	Subject string
	// Date is the Date header; the zero time writes none.
	Date time.Time
	// MessageID, InReplyTo and References are message IDs without angle
	// brackets; empty ones are left out.
	MessageID  string
	InReplyTo  string
	References []string
	// Text and HTML are the bodies, either of which may be empty.
	Text string
	HTML string
	// Attachments are attached in order. One with a ContentID is an inline
	// part of the HTML body when there is one.
	Attachments []mailmanager.OutgoingAttachment
	// IncludeBcc writes the Bcc header (Gmail needs it in raw to deliver to
	// Bcc).
	IncludeBcc bool
}

// CheckHeader returns an error wrapping [mailmanager.ErrInvalidHeader] if
// value holds a CR, an LF or a NUL, which could inject a header, or is
// longer than [MaxHeaderValue]. The error names the header, never the
// value.
func CheckHeader(name, value string) error {
	if strings.ContainsAny(value, "\r\n\x00") {
		return fmt.Errorf("mailmime: %s holds a line break or NUL: %w",
			name, mailmanager.ErrInvalidHeader)
	}
	if len(value) > MaxHeaderValue {
		return fmt.Errorf("mailmime: %s is %d bytes, more than %d: %w",
			name, len(value), MaxHeaderValue, mailmanager.ErrInvalidHeader)
	}
	return nil
}

// MaxHeaderValue caps one outgoing header value (a subject, a name, an
// address, a file name). Folding a header costs time that grows with the
// square of its length, and no mail client shows more.
const MaxHeaderValue = 8 << 10

// Write writes d to w as an RFC 5322 message with CRLF line endings. It
// validates every header value first and writes nothing when one is
// invalid; such errors wrap [mailmanager.ErrInvalidHeader]. Attachment
// content is streamed: memory does not grow with attachment size.
//
// The structure is text/plain for text only, multipart/alternative for
// text and HTML, multipart/related around the HTML when attachments carry
// a ContentID, and multipart/mixed around all that for other attachments.
// Bodies are quoted-printable UTF-8 (invalid UTF-8 in them is replaced);
// attachments are base64 in 76-column lines. Non-ASCII subjects and names
// are RFC 2047 encoded words, non-ASCII file names RFC 2231 parameters.
func Write(w io.Writer, d *Draft) error {
	if d == nil {
		return errors.New("mailmime: nil draft")
	}
	root, err := plan(d)
	if err != nil {
		return err
	}
	mw, err := message.CreateWriter(w, root.header())
	if err != nil {
		return fmt.Errorf("mailmime: write header: %w", err)
	}
	if err := root.writeBody(mw); err != nil {
		return err
	}
	if err := mw.Close(); err != nil {
		return fmt.Errorf("mailmime: write message: %w", err)
	}
	return nil
}

// node is one entity of a message being built: a multipart with children,
// or a leaf whose content writes its body.
type node struct {
	fields   []Field
	children []*node
	content  func(io.Writer) error
}

// header builds the go-message header of n. go-message writes fields in
// the reverse order of insertion, so they are added last first.
func (n *node) header() message.Header {
	var h message.Header
	for i := len(n.fields) - 1; i >= 0; i-- {
		h.Add(n.fields[i].Name, n.fields[i].Value)
	}
	return h
}

// writeBody writes the body of n, recursing into its children.
func (n *node) writeBody(mw *message.Writer) error {
	if n.content != nil {
		return n.content(mw)
	}
	for _, c := range n.children {
		pw, err := mw.CreatePart(c.header())
		if err != nil {
			return fmt.Errorf("mailmime: create part: %w", err)
		}
		if err := c.writeBody(pw); err != nil {
			return err
		}
		if err := pw.Close(); err != nil {
			return fmt.Errorf("mailmime: write part: %w", err)
		}
	}
	return nil
}

// plan validates d and lays out the tree of entities to write.
func plan(d *Draft) (*node, error) {
	top, err := topFields(d)
	if err != nil {
		return nil, err
	}
	var inline, attached []*node
	for i, a := range d.Attachments {
		n, err := attachmentNode(i, a, d.HTML != "")
		if err != nil {
			return nil, err
		}
		if a.ContentID != "" && d.HTML != "" {
			inline = append(inline, n)
		} else {
			attached = append(attached, n)
		}
	}

	var body *node
	html := textNode("text/html", d.HTML)
	if len(inline) > 0 {
		html = multipartNode("related", append([]*node{html}, inline...))
	}
	switch {
	case d.HTML == "":
		body = textNode("text/plain", d.Text)
	case d.Text == "":
		body = html
	default:
		body = multipartNode("alternative", []*node{textNode("text/plain", d.Text), html})
	}
	if len(attached) > 0 {
		body = multipartNode("mixed", append([]*node{body}, attached...))
	}
	body.fields = append(top, body.fields...)
	return body, nil
}

// topFields validates and formats the message-level header fields.
func topFields(d *Draft) ([]Field, error) {
	var f []Field
	add := func(name, value string) { f = append(f, Field{name, value}) }
	if !d.Date.IsZero() {
		add("Date", d.Date.Format("Mon, 02 Jan 2006 15:04:05 -0700"))
	}
	if d.From != (mailmanager.Address{}) {
		if err := checkAddresses("From", []mailmanager.Address{d.From}); err != nil {
			return nil, err
		}
		add("From", formatAddress(d.From))
	}
	lists := []struct {
		name string
		list []mailmanager.Address
	}{{"Reply-To", d.ReplyTo}, {"To", d.To}, {"Cc", d.Cc}, {"Bcc", d.Bcc}}
	for _, l := range lists {
		if err := checkAddresses(l.name, l.list); err != nil {
			return nil, err
		}
		if len(l.list) > 0 && (l.name != "Bcc" || d.IncludeBcc) {
			add(l.name, formatAddressList(l.list))
		}
	}
	if err := CheckHeader("Subject", d.Subject); err != nil {
		return nil, err
	}
	add("Subject", encodeText(d.Subject))

	ids := []struct{ name, id string }{{"Message-ID", d.MessageID}, {"In-Reply-To", d.InReplyTo}}
	for _, x := range ids {
		if x.id == "" {
			continue
		}
		if err := checkMessageID(x.name, x.id); err != nil {
			return nil, err
		}
		add(x.name, "<"+x.id+">")
	}
	if len(d.References) > 0 {
		refs := make([]string, len(d.References))
		for i, id := range d.References {
			if err := checkMessageID("References", id); err != nil {
				return nil, err
			}
			refs[i] = "<" + id + ">"
		}
		add("References", strings.Join(refs, " "))
	}
	add("MIME-Version", "1.0")
	return f, nil
}

// maxAddressLen is the longest address RFC 5321 allows.
const maxAddressLen = 254

// maxContentTypeLen bounds an attachment's content type, so that it fits
// a header line.
const maxContentTypeLen = 255

// checkAddresses validates the names and addresses of one header.
func checkAddresses(name string, list []mailmanager.Address) error {
	for i, a := range list {
		if err := CheckHeader(name+" name", a.Name); err != nil {
			return err
		}
		if err := CheckHeader(name+" address", a.Email); err != nil {
			return err
		}
		parsed, err := mail.ParseAddress("<" + a.Email + ">")
		if err != nil || parsed.Address != a.Email || len(a.Email) > maxAddressLen {
			return fmt.Errorf("mailmime: %s address %d is not an addr-spec: %w",
				name, i+1, mailmanager.ErrInvalidHeader)
		}
	}
	return nil
}

// checkMessageID validates a message ID or content ID.
func checkMessageID(name, id string) error {
	if err := CheckHeader(name, id); err != nil {
		return err
	}
	if !validMessageID(id) {
		return fmt.Errorf("mailmime: %s is not a valid message ID: %w",
			name, mailmanager.ErrInvalidHeader)
	}
	return nil
}

// textNode is a quoted-printable UTF-8 body part.
func textNode(mediaType, text string) *node {
	text = strings.ToValidUTF8(text, "\uFFFD")
	return &node{
		fields: []Field{
			{"Content-Type", mediaType + "; charset=utf-8"},
			{"Content-Transfer-Encoding", "quoted-printable"},
		},
		content: func(w io.Writer) error {
			if _, err := io.WriteString(w, text); err != nil {
				return fmt.Errorf("mailmime: write body: %w", err)
			}
			return nil
		},
	}
}

// multipartNode is a multipart entity of the given subtype.
func multipartNode(subtype string, children []*node) *node {
	var b [15]byte
	_, _ = rand.Read(b[:])
	ct := "multipart/" + subtype + "; boundary=\"=_" + hex.EncodeToString(b[:]) + "\""
	return &node{fields: []Field{{"Content-Type", ct}}, children: children}
}

// attachmentNode validates attachment i and makes its base64 part. It is
// inline when it has a ContentID and the message an HTML body.
func attachmentNode(i int, a mailmanager.OutgoingAttachment, hasHTML bool) (*node, error) {
	label := fmt.Sprintf("attachment %d", i+1)
	if a.Content == nil {
		return nil, fmt.Errorf("mailmime: %s has no content", label)
	}
	if err := CheckHeader(label+" file name", a.Filename); err != nil {
		return nil, err
	}
	ct, err := attachmentType(label, a.ContentType, a.Filename)
	if err != nil {
		return nil, err
	}
	disp := "attachment"
	if a.ContentID != "" {
		if err := checkMessageID(label+" content ID", a.ContentID); err != nil {
			return nil, err
		}
		if hasHTML {
			disp = "inline"
		}
	}

	if a.Filename != "" {
		ct += "; " + formatFileParam("name", a.Filename, true)
		disp += "; " + formatFileParam("filename", a.Filename, false)
	}
	fields := []Field{
		{"Content-Type", ct},
		{"Content-Transfer-Encoding", "base64"},
		{"Content-Disposition", disp},
	}
	if a.ContentID != "" {
		fields = append(fields, Field{"Content-ID", "<" + a.ContentID + ">"})
	}
	content := a.Content
	return &node{fields: fields, content: func(w io.Writer) error {
		if _, err := io.Copy(w, content); err != nil {
			return fmt.Errorf("mailmime: read %s: %w", label, err)
		}
		return nil
	}}, nil
}

// attachmentType validates an attachment's content type and returns it
// formatted, lower case, without a name parameter and without a charset
// other than UTF-8 or US-ASCII (which go-message cannot write). An empty
// type is guessed from the file name's extension.
func attachmentType(label, ct, filename string) (string, error) {
	if err := CheckHeader(label+" content type", ct); err != nil {
		return "", err
	}
	if strings.TrimSpace(ct) == "" {
		return typeByExtension(filename), nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || !strings.Contains(mt, "/") || strings.HasPrefix(mt, "multipart/") ||
		len(ct) > maxContentTypeLen {
		return "", fmt.Errorf("mailmime: %s content type is not a media type: %w",
			label, mailmanager.ErrInvalidHeader)
	}
	delete(params, "name")
	delete(params, "boundary")
	if cs := strings.ToLower(params["charset"]); cs != "" && cs != "utf-8" && cs != "us-ascii" {
		delete(params, "charset")
	}
	for k, v := range params {
		if err := CheckHeader(label+" content type", k+v); err != nil {
			return "", err
		}
	}
	formatted := mime.FormatMediaType(mt, params)
	if formatted == "" {
		return "", fmt.Errorf("mailmime: %s content type cannot be written: %w",
			label, mailmanager.ErrInvalidHeader)
	}
	return formatted, nil
}

// typeByExtension guesses a media type from a file name for the common
// cases, without consulting system tables.
func typeByExtension(filename string) string {
	ext := ""
	if i := strings.LastIndexByte(filename, '.'); i >= 0 {
		ext = strings.ToLower(filename[i+1:])
	}
	switch ext {
	case "pdf":
		return "application/pdf"
	case "png":
		return "image/png"
	case "jpg", "jpeg":
		return "image/jpeg"
	case "gif":
		return "image/gif"
	case "webp":
		return "image/webp"
	case "svg":
		return "image/svg+xml"
	case "txt":
		return "text/plain"
	case "html", "htm":
		return "text/html"
	case "csv":
		return "text/csv"
	case "ics":
		return "text/calendar"
	case "zip":
		return "application/zip"
	case "json":
		return "application/json"
	case "eml":
		return "message/rfc822"
	}
	return "application/octet-stream"
}
