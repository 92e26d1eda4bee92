package mailmime

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"

	"github.com/emersion/go-message/textproto"
	"github.com/mailmanager/mailmanager"
)

// walker visits the MIME tree of a message and fills a Parsed.
type walker struct {
	p *Parsed
	// fallback is the charset for raw 8-bit header bytes.
	fallback string
	// visited counts the entities seen, against MaxParts.
	visited int
	// budget bounds the part headers read.
	budget *headerBudget
	// text and html collect the bodies.
	text, html         strings.Builder
	haveText, haveHTML bool
}

// entity visits one entity with header h and raw body r, at part path
// (nil for the message itself), nested depth multiparts deep, inside a
// multipart/alternative or not.
func (w *walker) entity(h header, r io.Reader, partPath []int, depth int, inAlt bool) {
	w.visited++
	mt, params := parseParams(h.get("Content-Type"))
	if strings.HasPrefix(mt, "multipart/") && depth < MaxDepth {
		w.multipart(mt, params["boundary"], r, partPath, depth)
		return
	}
	w.leaf(h, mt, params, r, partPath, inAlt)
}

// multipart visits the parts of a multipart body. When the declared
// boundary finds no part in the message's own body, it retries with a
// boundary guessed from the body, and failing that reads the body as text.
func (w *walker) multipart(mt, boundary string, r io.Reader, partPath []int, depth int) {
	var captured *bytes.Buffer
	if depth == 0 {
		captured = &bytes.Buffer{}
		r = io.TeeReader(r, &cappedWriter{buf: captured, max: MaxBodySize})
	}
	if w.children(mt, boundary, r, partPath, depth) > 0 || captured == nil {
		return
	}

	// The root multipart gave no part: read the rest, then try again.
	_, _ = io.Copy(io.Discard, r)
	raw := captured.Bytes()
	if guess := guessBoundary(raw); guess != "" && guess != boundary {
		if w.children(mt, guess, bytes.NewReader(raw), partPath, depth) > 0 {
			return
		}
	}
	if len(bytes.TrimSpace(raw)) > 0 {
		w.leaf(header{}, "text/plain", map[string]string{}, bytes.NewReader(raw), partPath, false)
	}
}

// children visits the parts of a multipart body split at boundary and
// returns how many it found.
func (w *walker) children(mt, boundary string, r io.Reader, partPath []int, depth int) int {
	if boundary == "" {
		return 0
	}
	mr := textproto.NewMultipartReader(newHeaderGuard(r, boundary, w.budget), boundary)
	n := 0
	for w.visited < MaxParts {
		part, err := mr.NextPart()
		if err != nil {
			// The end, or a break in the structure: keep what was read.
			break
		}
		n++
		child := append(append([]int(nil), partPath...), n)
		w.entity(fromTextproto(part.Header), part, child, depth+1, mt == "multipart/alternative")
	}
	return n
}

// leaf visits a part that is not descended into: a body or an attachment.
func (w *walker) leaf(h header, mt string, params map[string]string, r io.Reader,
	partPath []int, inAlt bool) {
	mt = defaultType(mt)
	disp, dparams := parseParams(h.get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	name = cleanFilename(name)
	body := decodeTransfer(transferEncoding(h.get("Content-Transfer-Encoding")), r)

	isBody := (mt == "text/plain" || mt == "text/html") && disp != "attachment" && name == ""
	switch {
	case isBody:
		w.body(mt == "text/html", body, params["charset"], inAlt)
		return
	case inAlt && strings.HasPrefix(mt, "text/") && mt != "text/calendar" &&
		disp != "attachment" && name == "":
		// Another rendering of the body, such as text/enriched.
		_, _ = io.Copy(io.Discard, body)
		return
	}

	data, _ := io.ReadAll(body) // a broken encoding keeps what decoded
	if name == "" {
		name = fallbackFilename(h, mt, data)
	}
	id := partID(partPath)
	w.p.contents[id] = data
	w.p.Message.Attachments = append(w.p.Message.Attachments, mailmanager.Attachment{
		ID:          id,
		Filename:    name,
		ContentType: mt,
		Size:        int64(len(data)),
		Inline:      disp == "inline",
		ContentID:   contentID(h.get("Content-ID")),
	})
}

// body reads a text/plain or text/html body part. The first of each type
// becomes the body; later ones are appended unless they are alternatives.
// Each body stops growing at MaxBodySize.
func (w *walker) body(isHTML bool, r io.Reader, charset string, inAlt bool) {
	have, dst := w.haveText, &w.text
	if isHTML {
		have, dst = w.haveHTML, &w.html
	}
	room := MaxBodySize - dst.Len()
	if have && inAlt || room <= 0 {
		_, _ = io.Copy(io.Discard, r)
		return
	}

	raw, _ := io.ReadAll(io.LimitReader(r, int64(room)))
	_, _ = io.Copy(io.Discard, r)
	var text string
	if isHTML {
		text = decodeHTML(raw, charset)
		w.haveHTML = true
	} else {
		text = DecodeText(raw, charset)
		w.haveText = true
	}
	if have && text != "" {
		dst.WriteByte('\n')
	}
	dst.WriteString(text)
}

// defaultType fills in a missing or malformed media type: text/plain for
// none, application/octet-stream for one without a subtype.
func defaultType(mt string) string {
	switch {
	case mt == "" || mt == "text":
		return "text/plain"
	case !strings.Contains(mt, "/"):
		return "application/octet-stream"
	}
	return mt
}

// partID formats a part path in the IMAP style; the message itself is "1".
func partID(partPath []int) string {
	if len(partPath) == 0 {
		return "1"
	}
	s := make([]string, len(partPath))
	for i, n := range partPath {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ".")
}

// contentID decodes a Content-ID value and removes its angle brackets.
func contentID(v string) string {
	v = oneLine(DecodeText([]byte(v), ""))
	return strings.TrimSpace(strings.Trim(v, " \t<>"))
}

// cleanFilename makes a decoded file name safe to show and to save: one
// line, no control characters, no directory part.
func cleanFilename(name string) string {
	name = oneLine(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		return ""
	}
	return name
}

// fallbackFilename names an attachment that has no file name: after the
// last segment of its Content-Location, or, for an attached message, after
// its subject.
func fallbackFilename(h header, mt string, data []byte) string {
	if loc := h.get("Content-Location"); loc != "" {
		if name := cleanFilename(DecodeHeader(loc)); name != "" {
			return name
		}
	}
	if mt != "message/rfc822" && mt != "message/global" {
		return ""
	}
	sub := ""
	inner := io.LimitReader(bytes.NewReader(data), 64<<10)
	if eh, err := readHeader(bufio.NewReader(inner)); err == nil {
		sub = cleanFilename(oneLine(DecodeHeader(eh.get("Subject"))))
	}
	if sub == "" {
		sub = "message"
	}
	return sub + ".eml"
}

// guessBoundary returns the boundary of the first line of raw that looks
// like a boundary delimiter ("--" and more), or "".
func guessBoundary(raw []byte) string {
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		line = bytes.TrimRight(line, " \t\r")
		if len(line) > 2 && bytes.HasPrefix(line, []byte("--")) {
			b := bytes.TrimSuffix(line[2:], []byte("--"))
			if len(b) > 0 && len(b) <= 200 {
				return string(b)
			}
		}
	}
	return ""
}

// cappedWriter keeps the first max bytes written to it and drops the rest.
type cappedWriter struct {
	buf *bytes.Buffer
	max int
}

// Write implements io.Writer; it never fails.
func (c *cappedWriter) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
