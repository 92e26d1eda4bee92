package mailmime

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	htmlcharset "golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"
)

// charsetKind sorts charset labels by how [DecodeText] treats them.
type charsetKind int

const (
	// kindUTF8 is UTF-8, US-ASCII or no label at all.
	kindUTF8 charsetKind = iota
	// kindLatin1 is ISO-8859-1 or windows-1252, both read as windows-1252.
	kindLatin1
	// kindSingleByte is any other 8-bit charset, such as KOI8-R.
	kindSingleByte
	// kindOther is a multi-byte, stateful or unknown charset.
	kindOther
)

// DecodeText converts b from the charset named by label to UTF-8. It is
// best effort and never fails: an unknown label, or bytes the label does not
// fit, fall back to UTF-8 when b is valid UTF-8 and to windows-1252
// otherwise. Bytes that decode to nothing valid become U+FFFD. The result is
// always valid UTF-8.
//
// Text that declares a single-byte charset (or US-ASCII) but is valid UTF-8
// with non-ASCII characters is taken as UTF-8: such byte runs almost never
// occur in real 8-bit text, while mislabelled UTF-8 is common.
func DecodeText(b []byte, label string) string {
	label = normalizeLabel(label)
	kind := classify(label)
	valid := utf8.Valid(b)
	if isASCII(b) && kind != kindOther {
		return string(b)
	}

	switch kind {
	case kindUTF8:
		if valid {
			return string(b)
		}
		if label == "utf-8" && mostlyUTF8(b) {
			return strings.ToValidUTF8(string(b), "\uFFFD")
		}
		return decodeWindows1252(b)
	case kindLatin1:
		if valid {
			return string(b)
		}
		return decodeWindows1252(b)
	case kindSingleByte:
		if valid {
			return string(b)
		}
	}

	s, ok := decodeWith(b, label)
	if !ok {
		if valid {
			return string(b)
		}
		return decodeWindows1252(b)
	}
	// A multi-byte charset that yields replacement characters for input
	// that is valid UTF-8 was most likely a wrong label.
	if valid && !isASCII(b) &&
		strings.Count(s, "\uFFFD") > bytes.Count(b, []byte("\uFFFD")) {
		return string(b)
	}
	return s
}

// decodeWith decodes b with the charset reader of go-message. It reports
// false when the label is unknown.
func decodeWith(b []byte, label string) (string, bool) {
	r, err := charset.Reader(label, bytes.NewReader(b))
	if err != nil || r == nil {
		return "", false
	}
	out, err := io.ReadAll(r)
	if err != nil && len(out) == 0 {
		return "", false
	}
	return strings.ToValidUTF8(string(out), "\uFFFD"), true
}

// decodeHTML decodes an HTML body. Without a declared charset it honours a
// <meta> charset in the document when the bytes are not UTF-8.
func decodeHTML(b []byte, label string) string {
	if strings.TrimSpace(label) == "" && !utf8.Valid(b) {
		_, name, _ := htmlcharset.DetermineEncoding(b, "text/html")
		label = name
	}
	return DecodeText(b, label)
}

// decodeWindows1252 decodes b as windows-1252, a superset of ISO-8859-1 in
// its printable range.
func decodeWindows1252(b []byte) string {
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		out, _ = charmap.ISO8859_1.NewDecoder().Bytes(b)
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

// mostlyUTF8 reports whether the non-ASCII bytes of b are mostly valid UTF-8
// sequences, so that a few bad bytes are better replaced than the whole
// text reinterpreted.
func mostlyUTF8(b []byte) bool {
	good, bad := 0, 0
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n == 1:
			bad++
		case n > 1:
			good++
		}
		b = b[n:]
	}
	return good > 0 && good >= 2*bad
}

// isASCII reports whether b holds only 7-bit bytes without escape
// sequences.
func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf || c == 0x1b {
			return false
		}
	}
	return true
}

// normalizeLabel lower-cases a charset label, strips quotes, RFC 2231
// language suffixes and blanks, and maps aliases the charset package does
// not know to ones it does.
func normalizeLabel(label string) string {
	label = strings.ToLower(strings.Trim(label, " \t\r\n\"'"))
	if i := strings.IndexByte(label, '*'); i >= 0 {
		label = label[:i]
	}
	switch label {
	case "utf8", "utf_8", "x-utf8", "unicode-1-1-utf-8", "x-unicode20utf8":
		return "utf-8"
	case "ascii", "us_ascii", "usascii", "ansi_x3.4-1968", "iso646-us",
		"us", "7bit", "8bit", "default", "x-unknown", "unknown-8bit",
		"unknown":
		return ""
	case "cp932", "shift-jis", "sjis", "x-sjis", "ms_kanji", "windows-31j":
		return "shift_jis"
	case "cp936", "ms936", "gb_2312-80", "x-gbk", "euc-cn", "gb2312":
		return "gbk"
	case "cp949", "ks_c_5601-1987", "ks_c_5601", "x-windows-949":
		return "euc-kr"
	case "cp950", "big5-hkscs", "x-x-big5":
		return "big5"
	case "latin1", "latin-1", "iso8859-1", "iso_8859-1", "cp1252", "cp819",
		"x-cp1252", "win-1252":
		return "windows-1252"
	}
	return label
}

// classify tells how DecodeText treats a normalized label.
func classify(label string) charsetKind {
	switch label {
	case "", "utf-8", "us-ascii":
		return kindUTF8
	case "iso-8859-1", "windows-1252":
		return kindLatin1
	}
	switch {
	case strings.HasPrefix(label, "iso-8859-"),
		strings.HasPrefix(label, "iso8859-"),
		strings.HasPrefix(label, "iso_8859-"),
		strings.HasPrefix(label, "windows-125"),
		strings.HasPrefix(label, "cp125"),
		strings.HasPrefix(label, "koi8"),
		label == "macintosh", label == "x-mac-roman", label == "ibm866",
		label == "cp866", label == "windows-874", label == "tis-620":
		return kindSingleByte
	}
	return kindOther
}
