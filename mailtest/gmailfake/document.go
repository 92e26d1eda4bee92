package gmailfake

import (
	"html"
	"io"
	"mime"
	"net/mail"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
)

// snippetRunes is the length of a snippet, as Gmail cuts them.
const snippetRunes = 200

// document is a parsed message with what search and threading need.
type document struct {
	root      *part
	snippet   string
	text      string // body text, lower case, for free-text search
	messageID string // Message-ID without angle brackets
	refs      []string
	subject   string // decoded Subject
	from      string // decoded From, lower case
	to, cc    string
	bcc       string
	files     []string // attachment file names, lower case
}

func parseDocument(raw []byte) *document {
	root := parseEntity(raw, "", 0)
	d := &document{
		root:      root,
		messageID: firstID(root.header("Message-ID")),
		subject:   decodeWords(root.header("Subject")),
		from:      strings.ToLower(decodeWords(root.header("From"))),
		to:        strings.ToLower(decodeWords(root.header("To"))),
		cc:        strings.ToLower(decodeWords(root.header("Cc"))),
		bcc:       strings.ToLower(decodeWords(root.header("Bcc"))),
	}
	d.refs = append(msgIDs(root.header("References")), msgIDs(root.header("In-Reply-To"))...)

	var plain, htmlText string
	root.walk(func(p *part) bool {
		switch {
		case p.attachment:
			if p.filename != "" {
				d.files = append(d.files, strings.ToLower(p.filename))
			}
		case p.mimeType == "text/plain" && plain == "":
			plain = toUTF8(p.data, p.params["charset"])
		case p.mimeType == "text/html" && htmlText == "":
			htmlText = stripHTML(toUTF8(p.data, p.params["charset"]))
		}
		return true
	})
	body := plain
	if strings.TrimSpace(body) == "" {
		body = htmlText
	}
	d.text = strings.ToLower(body)
	d.snippet = makeSnippet(body)
	return d
}

// makeSnippet collapses whitespace, cuts to Gmail's length and escapes the
// text as Gmail's snippets are.
func makeSnippet(text string) string {
	s := strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(s) > snippetRunes {
		s = strings.TrimSpace(string([]rune(s)[:snippetRunes]))
	}
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;",
		`"`, "&quot;", "'", "&#39;")
	return r.Replace(s)
}

// stripHTML reduces HTML to its text, dropping style and script content.
func stripHTML(s string) string {
	var b strings.Builder
	lower := strings.ToLower(s)
	for i := 0; i < len(s); {
		if s[i] != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			b.WriteString(s[i : i+j])
			i += j
			continue
		}
		end := ""
		for _, tag := range []string{"style", "script", "head"} {
			rest := lower[i+1:]
			if strings.HasPrefix(rest, tag) && len(rest) > len(tag) &&
				strings.IndexByte(" \t\r\n/>", rest[len(tag)]) >= 0 {
				end = "</" + tag
			}
		}
		if end != "" {
			if k := strings.Index(lower[i:], end); k >= 0 {
				i += k
			}
		}
		k := strings.IndexByte(s[i:], '>')
		if k < 0 {
			break
		}
		b.WriteByte(' ')
		i += k + 1
	}
	return html.UnescapeString(b.String())
}

// toUTF8 converts text in charset to UTF-8, best effort.
func toUTF8(data []byte, charset string) string {
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return strings.ToValidUTF8(string(data), "\uFFFD")
	}
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return strings.ToValidUTF8(string(data), "\uFFFD")
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return strings.ToValidUTF8(string(data), "\uFFFD")
	}
	return string(out)
}

// decodeWords decodes RFC 2047 encoded words, leaving the value as it is
// when it cannot.
func decodeWords(v string) string {
	if !strings.Contains(v, "=?") {
		return v
	}
	dec := mime.WordDecoder{CharsetReader: func(cs string, in io.Reader) (io.Reader, error) {
		enc, err := htmlindex.Get(cs)
		if err != nil {
			return nil, err
		}
		return enc.NewDecoder().Reader(in), nil
	}}
	out, err := dec.DecodeHeader(v)
	if err != nil {
		return v
	}
	return out
}

// msgIDs returns the message IDs in a References or In-Reply-To value,
// without angle brackets.
func msgIDs(v string) []string {
	var ids []string
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			break
		}
		if id := strings.TrimSpace(v[i+1 : i+j]); id != "" {
			ids = append(ids, id)
		}
		v = v[i+j+1:]
	}
	return ids
}

func firstID(v string) string {
	if ids := msgIDs(v); len(ids) > 0 {
		return ids[0]
	}
	return strings.TrimSpace(v)
}

// threadSubject is a subject reduced for threading: reply and forward
// prefixes removed, spaces collapsed, lower case.
func threadSubject(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	for {
		prefix, rest, ok := strings.Cut(s, ":")
		if !ok {
			break
		}
		prefix = strings.TrimSpace(prefix)
		if i := strings.IndexByte(prefix, '['); i > 0 {
			prefix = strings.TrimSpace(prefix[:i])
		}
		switch prefix {
		case "re", "fw", "fwd", "aw", "wg", "sv", "vs", "antw", "tr", "rv":
			s = strings.TrimSpace(rest)
			continue
		}
		break
	}
	return s
}

// addresses returns the lower-case addresses of a header value such as
// To, best effort.
func addresses(v string) []string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	list, err := (&mail.AddressParser{WordDecoder: &mime.WordDecoder{}}).ParseList(v)
	if err == nil {
		out := make([]string, 0, len(list))
		for _, a := range list {
			out = append(out, strings.ToLower(a.Address))
		}
		return out
	}
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '<' || r == '>'
	}) {
		if strings.Contains(f, "@") {
			out = append(out, strings.ToLower(strings.Trim(f, `"'`)))
		}
	}
	return out
}
