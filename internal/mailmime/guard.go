package mailmime

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Bounds on the part headers of one message. Once parsed, every header
// line costs a few hundred bytes of memory, so lines are counted as well as
// bytes.
const (
	maxPartHeaderBytes = 64 << 10
	maxPartHeaderLines = 1000
	maxAllHeaderBytes  = 1 << 20
	maxAllHeaderLines  = 20000
)

// headerBudget is what is left of the part header bounds of a message.
type headerBudget struct {
	bytes, lines int
}

// newHeaderBudget returns the budget for all part headers of one message.
func newHeaderBudget() *headerBudget {
	return &headerBudget{bytes: maxAllHeaderBytes, lines: maxAllHeaderLines}
}

// headerGuard sits between a multipart body and go-message's multipart
// reader, which reads part headers without a limit. The guard watches for
// delimiter lines and ends a part header (by inserting a blank line) once
// it passes the bounds of one part, or those of all parts together; the
// rest of such a header is then read as the part's body. It passes
// everything else through unchanged.
type headerGuard struct {
	br        *bufio.Reader
	delim     []byte // "--" + boundary
	budget    *headerBudget
	inHeader  bool
	partBytes int
	partLines int
	lineStart bool
	out       []byte
	err       error
}

// newHeaderGuard guards the multipart body r split at boundary.
func newHeaderGuard(r io.Reader, boundary string, budget *headerBudget) *headerGuard {
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
	g.budget.bytes -= len(line)
	if g.lineStart {
		g.partLines++
		g.budget.lines--
	}
	over := g.partBytes > maxPartHeaderBytes || g.partLines > maxPartHeaderLines ||
		g.budget.bytes < 0 || g.budget.lines < 0
	if g.lineStart && over {
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
		g.partBytes, g.partLines = 0, 0
	}
}
