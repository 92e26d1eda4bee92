package mailmime

import (
	"bufio"
	"io"
	"strings"
)

// Transfer encodings, as normalized by transferEncoding.
const (
	encIdentity = iota
	encQuotedPrintable
	encBase64
)

// transferEncoding reads a Content-Transfer-Encoding value the way mail in
// the wild needs: case and blanks do not matter ("Quoted printable"),
// trailing junk after ";" or "(" is dropped, and anything unknown ("8bits",
// "x-uuencode", "") leaves the body as it is.
func transferEncoding(v string) int {
	v = strings.ToLower(v)
	if i := strings.IndexAny(v, ";("); i >= 0 {
		v = v[:i]
	}
	v = strings.NewReplacer(" ", "", "\t", "", "_", "", "-", "").Replace(v)
	switch {
	case v == "base64" || v == "b64":
		return encBase64
	case v == "quotedprintable" || v == "qp":
		return encQuotedPrintable
	}
	return encIdentity
}

// decodeTransfer returns a reader that undoes the transfer encoding enc on
// r.
func decodeTransfer(enc int, r io.Reader) io.Reader {
	switch enc {
	case encBase64:
		return &base64Reader{src: r}
	case encQuotedPrintable:
		return &qpReader{br: bufio.NewReader(r)}
	}
	return r
}

// base64Reader decodes base64 leniently: characters outside the alphabet
// are skipped, "=" ends a quantum wherever it appears (so concatenated
// encodings decode), and a truncated last quantum yields the bytes it
// holds.
type base64Reader struct {
	src  io.Reader
	in   [4096]byte
	out  []byte
	buf  []byte
	quad [4]byte
	n    int
	err  error
}

// Read implements io.Reader.
func (r *base64Reader) Read(p []byte) (int, error) {
	for len(r.out) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		m, err := r.src.Read(r.in[:])
		r.buf = r.decode(r.in[:m], r.buf[:0])
		if err != nil {
			r.buf = r.finish(r.buf)
			r.err = err
		}
		r.out = r.buf
	}
	n := copy(p, r.out)
	r.out = r.out[n:]
	return n, nil
}

// decode appends the bytes decoded from in to out.
func (r *base64Reader) decode(in, out []byte) []byte {
	for _, c := range in {
		v, ok := base64Value(c)
		if !ok {
			if c == '=' {
				out = r.finish(out)
			}
			continue
		}
		r.quad[r.n] = v
		r.n++
		if r.n == 4 {
			q := r.quad
			out = append(out, q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2, q[2]<<6|q[3])
			r.n = 0
		}
	}
	return out
}

// finish appends the bytes of a partial quantum and starts a new one.
func (r *base64Reader) finish(out []byte) []byte {
	q := r.quad
	switch r.n {
	case 2:
		out = append(out, q[0]<<2|q[1]>>4)
	case 3:
		out = append(out, q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2)
	}
	r.n = 0
	return out
}

func base64Value(c byte) (byte, bool) {
	switch {
	case 'A' <= c && c <= 'Z':
		return c - 'A', true
	case 'a' <= c && c <= 'z':
		return c - 'a' + 26, true
	case '0' <= c && c <= '9':
		return c - '0' + 52, true
	case c == '+':
		return 62, true
	case c == '/':
		return 63, true
	}
	return 0, false
}

// decodeBase64Lenient decodes b with the rules of base64Reader.
func decodeBase64Lenient(b []byte) []byte {
	var r base64Reader
	return r.finish(r.decode(b, make([]byte, 0, len(b)*3/4+3)))
}

// qpReader decodes quoted-printable leniently: an "=" not followed by two
// hex digits or a line break is kept literally, control bytes pass through,
// and blanks at the end of a line are dropped as RFC 2045 asks.
type qpReader struct {
	br  *bufio.Reader
	out []byte
	buf []byte
	ws  []byte // blanks seen but not yet known to be inside a line
	err error
}

// maxPendingBlanks bounds how many blanks the decoder holds back.
const maxPendingBlanks = 4096

// Read implements io.Reader.
func (r *qpReader) Read(p []byte) (int, error) {
	for len(r.out) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		r.buf = r.buf[:0]
		for len(r.buf) < 4096 && r.err == nil {
			r.step()
		}
		r.out = r.buf
	}
	n := copy(p, r.out)
	r.out = r.out[n:]
	return n, nil
}

// step decodes one input byte, or a whole escape.
func (r *qpReader) step() {
	c, err := r.br.ReadByte()
	if err != nil {
		r.ws = r.ws[:0]
		r.err = err
		return
	}
	switch c {
	case ' ', '\t':
		r.ws = append(r.ws, c)
		if len(r.ws) >= maxPendingBlanks {
			r.emitBlanks()
		}
	case '\n':
		r.ws = r.ws[:0]
		r.buf = append(r.buf, '\n')
	case '\r':
		if next, err := r.br.Peek(1); err == nil && next[0] == '\n' {
			r.ws = r.ws[:0]
		} else {
			r.emitBlanks()
		}
		r.buf = append(r.buf, '\r')
	case '=':
		r.emitBlanks()
		r.escape()
	default:
		r.emitBlanks()
		r.buf = append(r.buf, c)
	}
}

// escape handles the bytes after an "=".
func (r *qpReader) escape() {
	if hx, _ := r.br.Peek(2); len(hx) == 2 && isHex(hx[0]) && isHex(hx[1]) {
		r.buf = append(r.buf, unhex(hx[0])<<4|unhex(hx[1]))
		_, _ = r.br.Discard(2)
		return
	}
	// A soft line break: "=", optional blanks, then CRLF, LF or the end.
	pk, err := r.br.Peek(80)
	i := 0
	for i < len(pk) && (pk[i] == ' ' || pk[i] == '\t') {
		i++
	}
	switch {
	case i == len(pk) && err != nil:
		_, _ = r.br.Discard(i)
	case i < len(pk) && pk[i] == '\n':
		_, _ = r.br.Discard(i + 1)
	case i+1 < len(pk) && pk[i] == '\r' && pk[i+1] == '\n':
		_, _ = r.br.Discard(i + 2)
	case i+1 == len(pk) && pk[i] == '\r' && err != nil:
		_, _ = r.br.Discard(i + 1)
	default:
		r.buf = append(r.buf, '=')
	}
}

// emitBlanks writes out the blanks held back.
func (r *qpReader) emitBlanks() {
	r.buf = append(r.buf, r.ws...)
	r.ws = r.ws[:0]
}
