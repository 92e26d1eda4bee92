package mailmime

import (
	"strings"
	"unicode/utf8"
)

// DecodeHeader decodes a raw header value to valid UTF-8: RFC 2047 encoded
// words in any charset are decoded, raw 8-bit UTF-8 (RFC 6532) is kept, and
// other raw 8-bit bytes are read as windows-1252. Malformed encoded words
// are decoded as far as they can be and otherwise left as they are. Line
// breaks are not removed; see [Parse] for header fields that fold them out.
func DecodeHeader(value string) string {
	return decodeHeader(value, "")
}

// decodeHeader is DecodeHeader with a fallback charset for raw 8-bit bytes
// that are not UTF-8, usually the charset of the message body.
func decodeHeader(value, fallback string) string {
	if !utf8.ValidString(value) {
		value = DecodeText([]byte(value), fallback)
	}
	if strings.Contains(value, "=?") {
		value = decodeWords(value)
	}
	return strings.ToValidUTF8(value, "\uFFFD")
}

// maxWordLen bounds the encoded text of one encoded word. RFC 2047 allows
// 75 characters for a whole word; broken mailers write longer ones.
const maxWordLen = 4096

// encodedWord is one parsed RFC 2047 encoded word.
type encodedWord struct {
	charset string
	b       bool // base64 rather than Q encoding
	text    string
	end     int // offset just past the closing "?="
}

// parseWord parses an encoded word at the start of s. Unlike strict
// decoders it accepts blanks inside the encoded text, which broken mailers
// produce, but never a line break.
func parseWord(s string) (encodedWord, bool) {
	if !strings.HasPrefix(s, "=?") {
		return encodedWord{}, false
	}
	rest := s[2:]
	q1 := strings.IndexByte(rest, '?')
	if q1 <= 0 || q1 > 64 || len(rest) < q1+3 || rest[q1+2] != '?' {
		return encodedWord{}, false
	}
	cs := rest[:q1]
	if strings.ContainsAny(cs, " \t\r\n=") {
		return encodedWord{}, false
	}
	var isB bool
	switch rest[q1+1] {
	case 'b', 'B':
		isB = true
	case 'q', 'Q':
	default:
		return encodedWord{}, false
	}
	body := rest[q1+3:]
	// Look for the end within a bound, so that text full of "=?" cannot
	// make decoding quadratic.
	closing := strings.Index(body[:min(len(body), maxWordLen)], "?=")
	if closing < 0 || strings.ContainsAny(body[:closing], "\r\n") {
		return encodedWord{}, false
	}
	end := 2 + q1 + 3 + closing + 2
	return encodedWord{charset: cs, b: isB, text: body[:closing], end: end}, true
}

// decodeWords replaces the encoded words of s by their text. Adjacent words
// in one charset are joined before the charset is decoded, so a character
// split across two words survives; blanks between encoded words are
// dropped as RFC 2047 asks.
func decodeWords(s string) string {
	var out strings.Builder
	var pending []byte // decoded bytes of adjacent words in one charset
	pendingCharset := ""
	flush := func() {
		if len(pending) > 0 {
			out.WriteString(DecodeText(pending, pendingCharset))
		}
		pending = pending[:0]
	}

	i := 0
	lastWasWord := false
	for i < len(s) {
		j := strings.Index(s[i:], "=?")
		if j < 0 {
			break
		}
		w, ok := parseWord(s[i+j:])
		if !ok {
			flush()
			out.WriteString(s[i : i+j+2])
			i += j + 2
			lastWasWord = false
			continue
		}
		between := s[i : i+j]
		if !lastWasWord || strings.Trim(between, " \t\r\n") != "" {
			flush()
			out.WriteString(between)
		}
		cs := normalizeLabel(w.charset)
		if cs != pendingCharset {
			flush()
			pendingCharset = cs
		}
		if w.b {
			pending = append(pending, decodeBase64Lenient([]byte(w.text))...)
		} else {
			pending = append(pending, decodeQWord(w.text)...)
		}
		i += j + w.end
		lastWasWord = true
	}
	flush()
	out.WriteString(s[i:])
	return out.String()
}

// decodeQWord decodes the Q encoding of RFC 2047: "_" is a space and "=XX"
// a byte; a malformed escape is kept as it is.
func decodeQWord(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}
