package gmailfake

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"strconv"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// Bounds that keep a hostile message from costing more than it is worth.
const (
	maxDepth = 32
	maxParts = 1000
)

// header is one header field as it stands in the message: the name in its
// own case and the value unfolded, not decoded.
type header struct {
	name  string
	value string
}

// part is one node of a message's MIME tree, as Gmail's payload shows it.
type part struct {
	id       string // Gmail's partId: "", "0", "0.1", ...
	mimeType string
	filename string
	headers  []header
	params   map[string]string // Content-Type parameters
	// data is the content of a leaf, transfer encoding removed, in its
	// own charset.
	data       []byte
	parts      []*part
	attachment bool
}

// parseEntity splits raw (headers and body) into a part tree. It never
// fails: what cannot be parsed stays as the body of a leaf.
func parseEntity(raw []byte, id string, depth int) *part {
	head, body := splitHeader(raw)
	h, _ := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(head)))
	return newPart(h, body, id, depth)
}

// splitHeader separates the header block from the body, keeping only
// well-formed fields in the block: an mbox "From " line or a broken line
// is dropped rather than ending the header early. A message whose first
// line is neither a field nor an mbox line has no header at all.
func splitHeader(raw []byte) (head, body []byte) {
	end, sep := len(raw), 0
	if i := bytes.Index(raw, []byte("\n\r\n")); i >= 0 {
		end, sep = i+1, 2
	}
	if i := bytes.Index(raw, []byte("\n\n")); i >= 0 && i+1 < end {
		end, sep = i+1, 1
	}
	for _, eol := range []string{"\r\n", "\n"} {
		if bytes.HasPrefix(raw, []byte(eol)) {
			return nil, raw[len(eol):]
		}
	}
	body = raw[min(end+sep, len(raw)):]

	var out bytes.Buffer
	keep := false
	for i, line := range bytes.SplitAfter(raw[:end], []byte("\n")) {
		text := bytes.TrimRight(line, "\r\n")
		switch {
		case len(text) == 0:
			continue
		case text[0] == ' ' || text[0] == '\t':
			// A continuation line belongs to the field before it.
		default:
			keep = isField(text)
			if !keep && i == 0 && !bytes.HasPrefix(text, []byte("From ")) {
				return nil, raw
			}
		}
		if keep {
			out.Write(text)
			out.WriteString("\r\n")
		}
	}
	out.WriteString("\r\n")
	return out.Bytes(), body
}

// isField reports whether line starts a header field: a name of visible
// ASCII characters, then a colon.
func isField(line []byte) bool {
	name, _, ok := bytes.Cut(line, []byte(":"))
	name = bytes.TrimRight(name, " \t")
	if !ok || len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c < '!' || c > '~' {
			return false
		}
	}
	return true
}

func newPart(h textproto.Header, body []byte, id string, depth int) *part {
	p := &part{id: id, headers: headerList(h)}
	p.mimeType, p.params = contentType(h.Get("Content-Type"))
	p.filename = filename(h, p.params)

	boundary := p.params["boundary"]
	if strings.HasPrefix(p.mimeType, "multipart/") && boundary != "" && depth < maxDepth {
		p.parts = parseMultipart(body, boundary, id, depth)
		if len(p.parts) > 0 {
			return p
		}
	}
	p.data = decodeTransfer(h.Get("Content-Transfer-Encoding"), body)
	p.attachment = p.filename != "" || !(strings.HasPrefix(p.mimeType, "text/") ||
		strings.HasPrefix(p.mimeType, "multipart/"))
	return p
}

func parseMultipart(body []byte, boundary, id string, depth int) []*part {
	mr := textproto.NewMultipartReader(bytes.NewReader(body), boundary)
	var parts []*part
	for i := 0; i < maxParts; i++ {
		mp, err := mr.NextPart()
		if err != nil {
			break
		}
		data, err := io.ReadAll(mp)
		childID := strconv.Itoa(i)
		if id != "" {
			childID = id + "." + childID
		}
		parts = append(parts, newPart(mp.Header, data, childID, depth+1))
		if err != nil {
			break
		}
	}
	return parts
}

// headerList lists the fields of h in message order.
func headerList(h textproto.Header) []header {
	var list []header
	fields := h.Fields()
	for fields.Next() {
		raw, err := fields.Raw()
		name, value, ok := bytes.Cut(raw, []byte(":"))
		if err != nil || !ok {
			list = append(list, header{name: fields.Key(), value: fields.Value()})
			continue
		}
		list = append(list, header{
			name:  string(bytes.TrimSpace(name)),
			value: unfold(value),
		})
	}
	return list
}

// unfold removes the line breaks of a folded header value and the
// whitespace around the value.
func unfold(v []byte) string {
	s := strings.NewReplacer("\r\n", "", "\n", "", "\r", "").Replace(string(v))
	return strings.Trim(s, " \t")
}

// contentType parses a Content-Type value; a missing or broken one is
// text/plain, as RFC 2045 says. Parameters that the strict parser refuses,
// such as an unquoted name with spaces, are read loosely.
func contentType(v string) (string, map[string]string) {
	if strings.TrimSpace(v) == "" {
		return "text/plain", map[string]string{}
	}
	mt, params, err := mime.ParseMediaType(v)
	if err == nil {
		return mt, params
	}
	mt, _, _ = strings.Cut(v, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	if !strings.Contains(mt, "/") {
		mt = "text/plain"
	}
	return mt, looseParams(v)
}

// looseParams reads the key=value parameters after the first ";" of a
// header value without the strict syntax of RFC 2045.
func looseParams(v string) map[string]string {
	params := map[string]string{}
	segs := strings.Split(v, ";")
	for _, seg := range segs[1:] {
		k, val, ok := strings.Cut(seg, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if !ok || k == "" || params[k] != "" {
			continue
		}
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = val[1 : len(val)-1]
		}
		params[k] = val
	}
	return params
}

// filename is the decoded file name from Content-Disposition or, failing
// that, the name parameter of Content-Type.
func filename(h textproto.Header, ctParams map[string]string) string {
	name := ""
	if cd := h.Get("Content-Disposition"); cd != "" {
		_, params, err := mime.ParseMediaType(cd)
		if err != nil {
			params = looseParams(cd)
		}
		name = params["filename"]
	}
	if name == "" {
		name = ctParams["name"]
	}
	return decodeWords(name)
}

// decodeTransfer removes a Content-Transfer-Encoding, best effort: a broken
// encoding yields what decodes, then the rest as it stands.
func decodeTransfer(enc string, body []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "base64":
		clean := bytes.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, body)
		clean = bytes.TrimRight(clean, "=")
		out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
		n, _ := base64.RawStdEncoding.Decode(out, clean)
		return out[:n]
	case "quoted-printable":
		out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
		if err != nil && len(out) == 0 {
			return body
		}
		return out
	}
	return body
}

// walk calls fn for every node of the tree, depth first, until fn returns
// false.
func (p *part) walk(fn func(*part) bool) bool {
	if !fn(p) {
		return false
	}
	for _, c := range p.parts {
		if !c.walk(fn) {
			return false
		}
	}
	return true
}

// find returns the node with the given partId, or nil.
func (p *part) find(id string) *part {
	var found *part
	p.walk(func(q *part) bool {
		if q.id == id {
			found = q
			return false
		}
		return true
	})
	return found
}

// header returns the first value of the named field, or "".
func (p *part) header(name string) string {
	for _, h := range p.headers {
		if strings.EqualFold(h.name, name) {
			return h.value
		}
	}
	return ""
}
