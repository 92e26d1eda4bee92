package mailmime

import (
	"encoding/base64"
	"mime"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mailmanager/mailmanager"
)

// maxPlainWord is the longest run without blanks that a header value may
// carry unencoded; go-message folds at blanks, and a longer run would be
// split by the fold.
const maxPlainWord = 900

// encodeText encodes an unstructured header value such as a subject as RFC
// 2047 encoded words in UTF-8 when it needs it, in whichever of the Q and B
// encodings is shorter.
func encodeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !needsWords(s) {
		return s
	}
	if qShorter(s) && hasNonASCIIOrControl(s) {
		return mime.QEncoding.Encode("utf-8", s)
	}
	return encodeB(s)
}

// encodePhrase formats a display name: as it is when it is made of atoms,
// quoted when it holds specials, and as encoded words when it is not ASCII.
// Q encoding is only used when every ASCII character of the name may stand
// unescaped in a Q word of a phrase (RFC 2047 section 5).
func encodePhrase(name string) string {
	name = strings.ToValidUTF8(strings.TrimSpace(name), "\uFFFD")
	switch {
	case name == "":
		return ""
	case needsWords(name):
		if qShorter(name) && hasNonASCIIOrControl(name) && phraseQSafe(name) {
			return mime.QEncoding.Encode("utf-8", name)
		}
		return encodeB(name)
	case isAtomPhrase(name):
		return name
	}
	return quoteString(name)
}

// phraseQSafe reports whether the ASCII characters of s are all letters,
// digits, blanks or one of "!*+-/", which a Q-encoded word in a phrase may
// carry as they are.
func phraseQSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c == ' ' || isDigit(c) || 'a' <= c && c <= 'z' ||
			'A' <= c && c <= 'Z' || strings.IndexByte("!*+-/", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// formatAddress formats an address for an address list header.
func formatAddress(a mailmanager.Address) string {
	phrase := encodePhrase(a.Name)
	if phrase == "" {
		return a.Email
	}
	return phrase + " <" + a.Email + ">"
}

// formatAddressList formats addresses for an address list header.
func formatAddressList(list []mailmanager.Address) string {
	s := make([]string, len(list))
	for i, a := range list {
		s[i] = formatAddress(a)
	}
	return strings.Join(s, ", ")
}

// needsWords reports whether s cannot be written into a header as it is:
// it has non-ASCII or control characters, looks like an encoded word
// itself, or has a run too long to fold.
func needsWords(s string) bool {
	if hasNonASCIIOrControl(s) || strings.Contains(s, "=?") {
		return true
	}
	for _, w := range strings.Fields(s) {
		if len(w) > maxPlainWord {
			return true
		}
	}
	return false
}

func hasNonASCIIOrControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x7f || c < ' ' {
			return true
		}
	}
	return false
}

// qShorter reports whether Q encoding makes s shorter than B encoding: Q
// spends three characters on a non-ASCII byte and one on an ASCII one, B
// four on every three bytes, so Q wins when ASCII bytes outnumber the
// others more than five to one.
func qShorter(s string) bool {
	ascii := 0
	for i := 0; i < len(s); i++ {
		if s[i] < utf8.RuneSelf {
			ascii++
		}
	}
	return ascii > 5*(len(s)-ascii)
}

// encodeB encodes s as B-encoded words in UTF-8, each at most 75
// characters, splitting only between characters, separated by blanks where
// go-message may fold.
func encodeB(s string) string {
	const chunk = 45 // 60 base64 characters plus "=?utf-8?b?" and "?="
	var words []string
	for len(s) > 0 {
		n := min(chunk, len(s))
		for n < len(s) && n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		if n == 0 {
			n = min(chunk, len(s))
		}
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, " ")
}

// isAtomPhrase reports whether s is atoms separated by single blanks.
func isAtomPhrase(s string) bool {
	if strings.Contains(s, "  ") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && !isAtext(c) {
			return false
		}
	}
	return true
}

// isAtext reports an RFC 5322 atext character.
func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// quoteString writes s as an RFC 5322 quoted-string.
func quoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// formatFileParam formats a file name parameter (filename or name). Short
// ASCII names are quoted; other names, and names that look like encoded
// words, use RFC 2231 in UTF-8, split into
// continuations so that no line grows long, or, with words set, RFC 2047
// encoded words inside quotes, which older readers of name= expect.
func formatFileParam(key, name string, words bool) string {
	name = strings.ToValidUTF8(name, "\uFFFD")
	if !needsWords(name) && len(name) <= 200 {
		return key + "=" + quoteString(name)
	}
	if words {
		return key + "=" + quoteString(encodeB(name))
	}

	enc := percentEncode2231(name)
	const chunk = 60
	if len(enc) <= chunk {
		return key + "*=utf-8''" + enc
	}
	var parts []string
	for i := 0; len(enc) > 0; i++ {
		n := min(chunk, len(enc))
		// Do not split a %XX escape.
		if j := strings.LastIndexByte(enc[:n], '%'); j >= 0 && j > n-3 && n < len(enc) {
			n = j
		}
		prefix := ""
		if i == 0 {
			prefix = "utf-8''"
		}
		parts = append(parts, key+"*"+strconv.Itoa(i)+"*="+prefix+enc[:n])
		enc = enc[n:]
	}
	return strings.Join(parts, "; ")
}

// percentEncode2231 escapes every byte that is not an RFC 2231 attr-char.
func percentEncode2231(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
