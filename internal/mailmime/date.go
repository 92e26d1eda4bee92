package mailmime

import (
	"net/mail"
	"strings"
	"time"
)

// parseDate parses a Date header value: RFC 5322 through net/mail first,
// then, with comments and stray blanks removed and the zone normalized, the
// broken variants of brokenDateLayouts. A zone that cannot be read is
// dropped (the time is then taken as UTC). It returns the zero time when
// nothing fits.
func parseDate(v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	f := strings.Fields(stripComments(v))
	if len(f) == 0 {
		return time.Time{}
	}
	if t, err := mail.ParseDate(v); err == nil && obsZone(f[len(f)-1]) == "" {
		return t
	}

	f = normalizeZone(strings.Fields(closeUpColons(strings.Join(f, " "))))
	s := strings.TrimSuffix(strings.Join(f, " "), ",")
	if t, ok := tryDateLayouts(s); ok {
		return t
	}
	// An unreadable zone ("H0500"): try once more without the last word.
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		if t, ok := tryDateLayouts(s[:i]); ok {
			return t
		}
	}
	return time.Time{}
}

// tryDateLayouts parses s with net/mail and then with the broken layouts
// seen in the wild.
func tryDateLayouts(s string) (time.Time, bool) {
	if t, err := mail.ParseDate(s); err == nil {
		return t, true
	}
	layouts := [...]string{
		"Mon, 2 Jan 2006 15:04:05 -0700",
		"Mon, 2 Jan 2006 15:04:05",
		"Mon, 2 Jan 2006 15:04",
		"2 Jan 2006 15:04:05",
		"Mon 2 Jan 2006 15:04:05 -0700",
		"Mon, 2-Jan-2006 15:04:05 -0700",
		"2-Jan-2006 15:04:05 -0700",
		"Mon Jan 2 15:04:05 2006",
		"Mon Jan 2 15:04:05 -0700 2006",
		"Mon, Jan 2 2006 15:04:05 -0700",
		"Monday, January 2, 2006 3:04 PM",
		"Monday, January 2, 2006 15:04:05 -0700",
		"January 2, 2006 3:04 PM",
		"Jan 2, 2006 3:04 PM",
		"Jan 2, 2006 15:04:05 -0700",
		"2006-01-02T15:04:05Z07:00",
		"2006-01-02T15:04:05",
		"2006-01-02 15:04:05 -0700",
		"2006-01-02 15:04:05",
		"02.01.2006 15:04:05 -0700",
		"02.01.2006 15:04",
		"1/2/2006 3:04:05 PM",
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// closeUpColons removes blanks around a colon between digits, as in
// "09 : 55 : 06".
func closeUpColons(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' {
			j := i
			for j < len(s) && s[j] == ' ' {
				j++
			}
			afterColon := len(b) > 1 && b[len(b)-1] == ':' && isDigit(b[len(b)-2])
			beforeColon := j < len(s) && s[j] == ':' && len(b) > 0 && isDigit(b[len(b)-1])
			if afterColon && j < len(s) && isDigit(s[j]) || beforeColon {
				i = j - 1
				continue
			}
		}
		b = append(b, c)
	}
	return string(b)
}

// normalizeZone rewrites the zone at the end of a date's words as a
// numeric offset: obsolete names ("EST"), "GMT+1", "UTC+01:00", "+01:00",
// and "GMT +0100".
func normalizeZone(f []string) []string {
	if len(f) == 0 {
		return f
	}
	last := f[len(f)-1]
	up := strings.ToUpper(last)
	for _, prefix := range []string{"GMT", "UTC", "UT"} {
		if len(up) > len(prefix) && strings.HasPrefix(up, prefix) &&
			(up[len(prefix)] == '+' || up[len(prefix)] == '-') {
			last = last[len(prefix):]
			break
		}
	}
	if off := obsZone(last); off != "" {
		last = off
	} else if off, ok := numericOffset(last); ok {
		last = off
		if n := len(f); n >= 2 && obsZone(f[n-2]) == "+0000" {
			f = append(f[:n-2], f[n-1])
		}
	}
	f[len(f)-1] = last
	return f
}

// numericOffset reads "+1", "+01", "+100", "+0100" or "+01:00" as a zone
// offset in the form "+0100".
func numericOffset(s string) (string, bool) {
	if len(s) < 2 || s[0] != '+' && s[0] != '-' {
		return "", false
	}
	digits := strings.Replace(s[1:], ":", "", 1)
	for i := 0; i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return "", false
		}
	}
	switch len(digits) {
	case 1:
		digits = "0" + digits + "00"
	case 2:
		digits += "00"
	case 3:
		digits = "0" + digits
	case 4:
	default:
		return "", false
	}
	return s[:1] + digits, true
}

// obsZone returns the offset of an obsolete zone name from RFC 5322
// section 4.3, which Go's time package reads as a zero offset, or "".
func obsZone(name string) string {
	switch strings.ToUpper(name) {
	case "UT", "UTC", "GMT", "Z":
		return "+0000"
	case "EST":
		return "-0500"
	case "EDT":
		return "-0400"
	case "CST":
		return "-0600"
	case "CDT":
		return "-0500"
	case "MST":
		return "-0700"
	case "MDT":
		return "-0600"
	case "PST":
		return "-0800"
	case "PDT":
		return "-0700"
	}
	return ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
