package mailmime

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// Field is one header field as it appears in a message: its name, and its
// value unfolded (line breaks and the blanks around them replaced by one
// space) but not decoded. Invalid UTF-8 in the value is kept; decode it
// with [DecodeHeader].
type Field struct {
	Name  string
	Value string
}

// header is a header block in message order.
type header []Field

// get returns the value of the first field named key, or "".
func (h header) get(key string) string {
	for _, f := range h {
		if strings.EqualFold(f.Name, key) {
			return f.Value
		}
	}
	return ""
}

// values returns the values of every field named key, in order.
func (h header) values(key string) []string {
	var out []string
	for _, f := range h {
		if strings.EqualFold(f.Name, key) {
			out = append(out, f.Value)
		}
	}
	return out
}

// fromTextproto copies a go-message header into message order.
func fromTextproto(th textproto.Header) header {
	h := make(header, 0, th.Len())
	fields := th.Fields()
	for fields.Next() {
		h = append(h, Field{Name: fields.Key(), Value: fields.Value()})
	}
	return h
}

// maxBadHeaderLines bounds how many malformed lines readHeader skips before
// it gives up on the header block.
const maxBadHeaderLines = 1000

// errNoHeader reports input that does not start with a header block.
var errNoHeader = errors.New("no header fields found")

// readHeader reads the header block at the start of br with go-message's
// reader, tolerating what that reader refuses: an mbox "From " line before
// the first field, and malformed lines (no colon, blanks in the name, an
// indented first line), which it skips. It fails only when no field at all
// can be read.
func readHeader(br *bufio.Reader) (header, error) {
	skipMboxLine(br)

	var h header
	for bad := 0; ; bad++ {
		th, err := textproto.ReadHeader(br)
		h = append(h, fromTextproto(th)...)
		if err == nil {
			break
		}
		// go-message reports a malformed line with an untyped error whose
		// text starts "message:"; any other error is the input failing.
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
			bad >= maxBadHeaderLines || !strings.HasPrefix(err.Error(), "message:") {
			if len(h) == 0 {
				return nil, err
			}
			break
		}
	}
	if len(h) == 0 {
		return nil, errNoHeader
	}
	return h, nil
}

// skipMboxLine drops an mbox "From " envelope line at the start of br; a
// "From :" header field with blanks before its colon is kept.
func skipMboxLine(br *bufio.Reader) {
	pk, _ := br.Peek(256)
	if !bytes.HasPrefix(pk, []byte("From ")) {
		return
	}
	if rest := bytes.TrimLeft(pk[5:], " \t"); len(rest) == 0 || rest[0] != ':' {
		for {
			// ReadSlice stops at a full buffer; go on to the line's end.
			_, err := br.ReadSlice('\n')
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
		}
	}
}
