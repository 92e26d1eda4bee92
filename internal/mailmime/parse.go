package mailmime

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/mailmanager/mailmanager"
)

// Limits of [Parse].
const (
	// MaxMessageSize is the largest message Parse reads, in bytes.
	MaxMessageSize = 64 << 20
	// MaxHeaderSize is the largest top-level header block Parse reads.
	// Part headers are bounded too (64 KiB or 1000 lines each, 1 MiB or
	// 20000 lines for all parts): a longer one is cut short and its rest
	// read as the part's body. Each parsed header line costs a few hundred
	// bytes of memory, so these bounds matter.
	MaxHeaderSize = 256 << 10
	// MaxBodySize caps the decoded Text and HTML bodies, each, in bytes;
	// the rest of a longer body is dropped.
	MaxBodySize = 8 << 20
	// MaxDepth is how deep multiparts may nest. A multipart deeper than
	// that is kept whole, undecoded, as one attachment.
	MaxDepth = 50
	// MaxParts is how many MIME parts Parse visits; later parts are
	// ignored.
	MaxParts = 1000
)

// ErrTooLarge reports a message larger than [MaxMessageSize] or a header
// block larger than [MaxHeaderSize].
var ErrTooLarge = errors.New("mailmime: message too large")

// Parsed is a parsed message: its fields, and the decoded content of its
// attachments.
type Parsed struct {
	// Message holds the fields read from the message: MessageID,
	// InReplyTo, References, From, To, Cc, Bcc, ReplyTo, Subject, Date,
	// Text, HTML, Snippet and Attachments. Provider fields (ID, ThreadID,
	// Received, Labels, Folder, Read, Starred) are left zero.
	Message mailmanager.Message
	// Header is the top-level header block in message order, unfolded
	// but not decoded.
	Header []Field

	contents map[string][]byte
}

// Content returns the decoded content of the attachment with the given ID
// ([mailmanager.Attachment.ID]), and whether there is one. The slice is
// shared with p; the caller must not modify it.
func (p *Parsed) Content(attachmentID string) ([]byte, bool) {
	b, ok := p.contents[attachmentID]
	return b, ok
}

// Parse reads one RFC 5322 message. It is best effort: malformed MIME,
// unknown or mislabelled charsets, bad dates and broken encoded words give
// a partial Message, never a panic, and every string in it is valid UTF-8.
// It fails only when the input does not start with a header block, when
// reading r fails, or when the message is larger than [MaxMessageSize] or
// its header larger than [MaxHeaderSize] (the error then wraps
// [ErrTooLarge]).
//
// Text and HTML are the first text/plain and text/html parts that are not
// attachments, decoded to UTF-8 with line breaks as "\n"; later such parts
// outside a multipart/alternative are appended to them, and each is capped
// at [MaxBodySize]. A missing Content-Type means text/plain in US-ASCII.
// Every other part is an attachment: a part with a Content-Disposition of
// attachment, with a file name, or whose type is not text/plain or
// text/html (a message/rfc822 part is one attachment, not descended into).
// Text parts of a multipart/alternative other than the chosen ones, except
// text/calendar, are alternatives of the body and are dropped. Attachment
// IDs are part paths in the IMAP style ("1", "2.1").
func Parse(r io.Reader) (*Parsed, error) {
	const bufSize = 32 << 10
	lr := &limitReader{
		r: r, remaining: MaxMessageSize, inHeader: true,
		// The buffer reads ahead of the header by up to its size.
		headerLeft: MaxHeaderSize + bufSize,
	}
	br := bufio.NewReaderSize(lr, bufSize)

	h, err := readHeader(br)
	if lr.tooLarge {
		return nil, fmt.Errorf("mailmime: header larger than %d bytes: %w",
			MaxHeaderSize, ErrTooLarge)
	}
	if lr.err != nil {
		return nil, fmt.Errorf("mailmime: read message: %w", lr.err)
	}
	if err != nil {
		return nil, fmt.Errorf("mailmime: read header: %w", err)
	}
	lr.inHeader = false

	p := &Parsed{Header: h, contents: map[string][]byte{}}
	_, ctParams := parseParams(h.get("Content-Type"))
	w := &walker{p: p, fallback: ctParams["charset"], budget: newHeaderBudget()}
	w.entity(h, br, nil, 0, false)
	p.Message.Text, p.Message.HTML = w.text.String(), w.html.String()
	if lr.tooLarge {
		return nil, fmt.Errorf("mailmime: message larger than %d bytes: %w",
			MaxMessageSize, ErrTooLarge)
	}
	if lr.err != nil {
		return nil, fmt.Errorf("mailmime: read message: %w", lr.err)
	}

	p.fillHeaderFields(h, w.fallback)
	p.finish()
	return p, nil
}

// fillHeaderFields sets the message fields read from the top-level header.
func (p *Parsed) fillHeaderFields(h header, fallback string) {
	m := &p.Message
	list := func(key string) []mailmanager.Address {
		var out []mailmanager.Address
		for _, v := range h.values(key) {
			out = append(out, parseAddressList(v, fallback)...)
		}
		return out
	}
	if from := list("From"); len(from) > 0 {
		m.From = &from[0]
	}
	m.To = list("To")
	m.Cc = list("Cc")
	m.Bcc = list("Bcc")
	m.ReplyTo = list("Reply-To")
	m.Subject = oneLine(decodeHeader(h.get("Subject"), fallback))
	m.Date = parseDate(decodeHeader(h.get("Date"), fallback))
	if ids := ParseMessageIDs(h.get("Message-ID")); len(ids) > 0 {
		m.MessageID = ids[0]
	}
	if ids := ParseMessageIDs(h.get("In-Reply-To")); len(ids) > 0 {
		m.InReplyTo = ids[0]
	}
	m.References = ParseMessageIDs(strings.Join(h.values("References"), " "))
}

// finish normalizes the bodies, marks attachments the HTML references as
// inline and computes the snippet.
func (p *Parsed) finish() {
	m := &p.Message
	m.Text = normalizeBody(m.Text)
	m.HTML = normalizeBody(m.HTML)
	if m.HTML != "" {
		refs := cidReferences(m.HTML)
		for i := range m.Attachments {
			a := &m.Attachments[i]
			if a.ContentID != "" && refs[strings.ToLower(a.ContentID)] {
				a.Inline = true
			}
		}
	}
	m.Snippet = makeSnippet(m.Text, m.HTML)
}

// normalizeBody turns CRLF and lone CR into LF, cuts the body to
// MaxBodySize at a character boundary and makes sure it is valid UTF-8.
func normalizeBody(s string) string {
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	if len(s) > MaxBodySize {
		cut := MaxBodySize
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// oneLine folds line breaks out of a decoded header value and drops NUL
// bytes.
func oneLine(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ", "\x00", "").Replace(s)
	return strings.TrimSpace(s)
}

// limitReader counts the bytes read from r, fails once more than
// remaining bytes are read (or, while inHeader, more than headerLeft), and
// remembers the first read error.
type limitReader struct {
	r          io.Reader
	remaining  int64
	headerLeft int64
	inHeader   bool
	tooLarge   bool
	err        error
}

// errLimit stops readers above a limitReader that has hit its limit.
var errLimit = errors.New("mailmime: limit reached")

// Read implements io.Reader.
func (l *limitReader) Read(p []byte) (int, error) {
	if l.tooLarge {
		return 0, errLimit
	}
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	l.remaining -= int64(n)
	if l.inHeader {
		l.headerLeft -= int64(n)
	}
	if l.remaining < 0 || l.inHeader && l.headerLeft < 0 {
		l.tooLarge = true
		return 0, errLimit
	}
	if err != nil && !errors.Is(err, io.EOF) {
		l.err = err
	}
	return n, err
}
