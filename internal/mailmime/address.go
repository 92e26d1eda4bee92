package mailmime

import (
	"io"
	"mime"
	"net/mail"
	"strings"

	"github.com/mailmanager/mailmanager"
)

// maxListItems bounds how many addresses or message IDs one header yields.
const maxListItems = 1000

// ParseAddressList parses an address list header value, best effort. Names
// in RFC 2047 encoded words or raw 8-bit bytes are decoded to UTF-8, groups
// are flattened into their members (an empty group yields nothing), and
// comments are dropped. Items that do not parse as RFC 5322 are salvaged
// where an address can be seen in them ("Name <a@b>", bare "a@b" tokens);
// items without one are skipped. The result is nil for an empty list.
func ParseAddressList(s string) []mailmanager.Address {
	return parseAddressList(s, "")
}

// parseAddressList is ParseAddressList with a fallback charset for raw
// 8-bit bytes.
func parseAddressList(s, fallback string) []mailmanager.Address {
	s = decodeHeader8bit(s, fallback)
	if strings.TrimSpace(s) == "" {
		return nil
	}
	if list, ok := parseStrict(s); ok {
		return list
	}
	if stripped := stripComments(s); stripped != s {
		if list, ok := parseStrict(stripped); ok {
			return list
		}
		s = stripped
	}
	return salvageAddresses(s)
}

// decodeHeader8bit repairs raw 8-bit bytes of a header value to UTF-8 and
// leaves encoded words for later.
func decodeHeader8bit(s, fallback string) string {
	return strings.Map(foldControl, DecodeText([]byte(s), fallback))
}

// foldControl turns CR and LF into spaces and drops NUL.
func foldControl(r rune) rune {
	switch r {
	case '\r', '\n':
		return ' '
	case 0:
		return -1
	}
	return r
}

// parseStrict parses s with net/mail.
func parseStrict(s string) ([]mailmanager.Address, bool) {
	p := mail.AddressParser{WordDecoder: &mime.WordDecoder{CharsetReader: textReader}}
	parsed, err := p.ParseList(s)
	if err != nil {
		return nil, false
	}
	var out []mailmanager.Address
	for _, a := range parsed {
		if len(out) >= maxListItems {
			break
		}
		if addr, ok := cleanAddress(a.Name, a.Address); ok {
			out = append(out, addr)
		}
	}
	return out, true
}

// textReader adapts DecodeText to mime.WordDecoder; it never fails.
func textReader(label string, r io.Reader) (io.Reader, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return strings.NewReader(DecodeText(b, label)), nil
}

// cleanAddress decodes and trims a parsed name and address. It refuses an
// address without a local part and a domain.
func cleanAddress(name, email string) (mailmanager.Address, bool) {
	email = strings.Trim(email, " \t<>;,")
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 || strings.ContainsAny(email, " \t<>") {
		return mailmanager.Address{}, false
	}
	name = strings.TrimSpace(DecodeHeader(name))
	if strings.EqualFold(name, email) {
		name = ""
	}
	return mailmanager.Address{Name: name, Email: email}, true
}

// salvageAddresses reads an address list that net/mail refuses, item by
// item.
func salvageAddresses(s string) []mailmanager.Address {
	var out []mailmanager.Address
	for _, item := range splitTopLevel(s, ",;") {
		if len(out) >= maxListItems {
			break
		}
		item = dropGroupName(strings.TrimSpace(item))
		if item == "" {
			continue
		}
		if list, ok := parseStrict(item); ok {
			out = append(out, list...)
			continue
		}
		out = append(out, salvageItem(item)...)
	}
	return out
}

// salvageItem finds addresses in one malformed list item: the part in
// angle brackets with the text before it as the name, or else every token
// that holds an "@", with the other tokens as the name of a single one.
func salvageItem(item string) []mailmanager.Address {
	if open := strings.IndexByte(item, '<'); open >= 0 {
		inner := item[open+1:]
		if end := strings.IndexByte(inner, '>'); end >= 0 {
			inner = inner[:end]
		}
		// Drop an obsolete source route ("@a,@b:user@host").
		if i := strings.LastIndexByte(inner, ':'); i >= 0 {
			inner = inner[i+1:]
		}
		inner = strings.Join(strings.Fields(inner), "")
		name := strings.TrimSpace(item[:open])
		if len(name) >= 2 && name[0] == '"' && name[len(name)-1] == '"' {
			name = unquoteParam(name)
		}
		if a, ok := cleanAddress(name, inner); ok {
			return []mailmanager.Address{a}
		}
		return nil
	}

	var emails, words []string
	for _, tok := range closeUpAddress(strings.Fields(item)) {
		if strings.Contains(tok, "@") {
			emails = append(emails, tok)
		} else {
			words = append(words, tok)
		}
	}
	var out []mailmanager.Address
	for _, e := range emails {
		name := ""
		if len(emails) == 1 {
			name = strings.Join(words, " ")
		}
		if a, ok := cleanAddress(name, e); ok {
			out = append(out, a)
		}
	}
	return out
}

// closeUpAddress joins words around dots and at-signs, so that
// "jdoe@test . example" becomes one token again.
func closeUpAddress(words []string) []string {
	var out []string
	var cur strings.Builder
	for _, w := range words {
		last := cur.String()
		join := cur.Len() > 0 && (strings.HasSuffix(last, ".") ||
			strings.HasSuffix(last, "@") || w[0] == '.' || w[0] == '@')
		if !join && cur.Len() > 0 {
			out = append(out, last)
			cur.Reset()
		}
		cur.WriteString(w)
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// dropGroupName removes a "display-name:" group prefix from an item.
func dropGroupName(item string) string {
	parts := splitTopLevel(item, ":")
	if len(parts) < 2 {
		return item
	}
	head := parts[0]
	if strings.ContainsAny(head, "<@") {
		return item
	}
	return strings.TrimSpace(item[len(head)+1:])
}

// splitTopLevel splits s at any byte of seps that is outside quotes, angle
// brackets and comments.
func splitTopLevel(s, seps string) []string {
	var out []string
	start, quoted, angle, paren := 0, false, false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && (quoted || paren > 0):
			i++
		case c == '"' && paren == 0:
			quoted = !quoted
		case quoted:
		case c == '(':
			paren++
		case c == ')' && paren > 0:
			paren--
		case paren > 0:
		case c == '<':
			angle = true
		case c == '>':
			angle = false
		case !angle && strings.IndexByte(seps, c) >= 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[min(start, len(s)):])
}

// stripComments removes RFC 5322 comments (text in parentheses outside
// quoted strings, nested).
func stripComments(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	quoted, depth := false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && (quoted || depth > 0) && i+1 < len(s):
			if depth == 0 {
				b.WriteByte(c)
				b.WriteByte(s[i+1])
			}
			i++
		case depth == 0 && c == '"':
			quoted = !quoted
			b.WriteByte(c)
		case !quoted && c == '(':
			depth++
		case !quoted && c == ')' && depth > 0:
			depth--
			if depth == 0 {
				b.WriteByte(' ')
			}
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// ParseMessageIDs reads the message IDs of a Message-ID, In-Reply-To or
// References value, without angle brackets, in order and without
// duplicates. It tolerates junk: blanks or line breaks inside brackets are
// removed, text outside brackets is ignored, and a value without any
// brackets yields its tokens that hold an "@" (or, failing that, a single
// token).
func ParseMessageIDs(s string) []string {
	s = decodeHeader8bit(s, "")
	var ids []string
	if strings.Contains(s, "<") {
		rest := s
		for {
			open := strings.IndexByte(rest, '<')
			if open < 0 {
				break
			}
			rest = rest[open+1:]
			end := strings.IndexAny(rest, "<>")
			var id string
			if end < 0 || rest[end] == '<' {
				// An unclosed bracket: keep it only if it looks like an ID.
				id = rest
				if end >= 0 {
					id = rest[:end]
				}
				if !strings.Contains(id, "@") {
					id = ""
				}
			} else {
				id = rest[:end]
			}
			if end < 0 {
				rest = ""
			} else {
				rest = rest[end:]
			}
			if strings.Contains(id, "(") {
				id = stripComments(id)
			}
			ids = append(ids, strings.Join(strings.Fields(id), ""))
		}
	} else {
		toks := strings.FieldsFunc(s, func(r rune) bool {
			return r == ',' || r == ';' || r == ' ' || r == '\t'
		})
		for _, t := range toks {
			if strings.Contains(t, "@") {
				ids = append(ids, t)
			}
		}
		if len(ids) == 0 && len(toks) == 1 {
			ids = toks
		}
	}
	return uniqueIDs(ids)
}

// uniqueIDs drops empty and repeated IDs and IDs with characters that
// cannot appear in one, and caps the count.
func uniqueIDs(ids []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range ids {
		if id == "" || seen[id] || !validMessageID(id) || len(out) >= maxListItems {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	return out
}

// validMessageID reports whether id can be written between angle brackets:
// not empty, not overlong, and without blanks, brackets or control
// characters.
func validMessageID(id string) bool {
	if id == "" || len(id) > maxMessageIDLen {
		return false
	}
	for _, r := range id {
		if r <= ' ' || r == 0x7f || r == '<' || r == '>' || r == '\uFFFD' {
			return false
		}
	}
	return true
}

// maxMessageIDLen bounds a message ID so that it fits a header line.
const maxMessageIDLen = 900
