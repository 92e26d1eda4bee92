package mailmime

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// maxPartHeader bounds the header block of one MIME part.
const maxPartHeader = 64 << 10

// headerGuard sits between a multipart body and go-message's multipart
// reader, which reads part headers without a limit and spends a few hundred
// bytes of memory on every header line. The guard watches for delimiter
// lines and ends a part header (by inserting a blank line) once it passes
// maxPartHeader bytes, or once the header bytes of all parts exhaust a
// shared budget; the rest of such a header is then read as the part's body.
// It passes everything else through unchanged.
type headerGuard struct {
	br        *bufio.Reader
	delim     []byte // "--" + boundary
	budget    *int   // header bytes left for all parts of the message
	inHeader  bool
	partBytes int
	lineStart bool
	out       []byte
	err       error
}

// newHeaderGuard guards the multipart body r split at boundary.
func newHeaderGuard(r io.Reader, boundary string, budget *int) *headerGuard {
	return &headerGuard{
		br:        bufio.NewReaderSize(r, 4096),
		delim:     []byte("--" + boundary),
		budget:    budget,
		lineStart: true,
	}
}

// Read implements io.Reader. It fills p with as many lines as are at hand,
// without waiting for more input once it has some.
func (g *headerGuard) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(g.out) == 0 {
			if g.err != nil || n > 0 && g.br.Buffered() == 0 {
				break
			}
			g.fill()
		}
		c := copy(p[n:], g.out)
		g.out = g.out[c:]
		n += c
	}
	if n == 0 {
		return 0, g.err
	}
	return n, nil
}

// fill reads the next line, or the next buffer of a long line, into out.
func (g *headerGuard) fill() {
	if g.lineStart {
		g.classifyLine()
	}
	line, err := g.br.ReadSlice('\n')
	g.lineStart = err == nil
	if errors.Is(err, bufio.ErrBufferFull) {
		err = nil
	}
	g.out, g.err = line, err
	if !g.inHeader {
		return
	}
	g.partBytes += len(line)
	*g.budget -= len(line)
	if g.lineStart && (g.partBytes > maxPartHeader || *g.budget < 0) {
		// End the header here; what follows is read as the body.
		g.out = append(append(make([]byte, 0, len(line)+2), line...), '\r', '\n')
		g.inHeader = false
	}
}

// classifyLine looks at the start of a line: a delimiter line starts a
// part header, and a blank line ends one.
func (g *headerGuard) classifyLine() {
	if g.inHeader {
		pk, _ := g.br.Peek(2)
		if bytes.HasPrefix(pk, []byte("\n")) || bytes.HasPrefix(pk, []byte("\r\n")) {
			g.inHeader = false
		}
		return
	}
	pk, _ := g.br.Peek(len(g.delim) + 2)
	if !bytes.HasPrefix(pk, g.delim) {
		return
	}
	rest := pk[len(g.delim):]
	if bytes.HasPrefix(rest, []byte("--")) {
		return // the closing delimiter: no part follows
	}
	if len(rest) == 0 || bytes.IndexByte([]byte(" \t\r\n"), rest[0]) >= 0 {
		g.inHeader = true
		g.partBytes = 0
	}
}
