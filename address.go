package mailmanager

import (
	"slices"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// NormalizeEmail returns an address in the one form the library compares
// and indexes addresses in: trimmed, lower case, Unicode NFC, with an
// internationalized domain in its Unicode form, so "A@Bücher.DE" and
// "a@xn--bcher-kva.de" give the same result. Input that is not an address
// comes back trimmed and lower-cased.
func NormalizeEmail(s string) string {
	s = strings.ToLower(norm.NFC.String(strings.TrimSpace(s)))
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return s
	}
	local, domain := s[:at], strings.TrimSuffix(s[at+1:], ".")
	if u, err := idna.Lookup.ToUnicode(domain); err == nil {
		domain = strings.ToLower(norm.NFC.String(u))
	}
	return local + "@" + domain
}

// NewMessageID returns a new, random RFC 5322 Message-ID without angle
// brackets: 32 hex digits, "@" and domain. An internationalized domain is
// written in its ASCII form; an empty or unusable one is replaced by
// "localhost".
func NewMessageID(domain string) string {
	return randomHex(16) + "@" + messageIDDomain(domain)
}

// messageIDDomain returns domain in its ASCII form if it is a host name,
// else "localhost".
func messageIDDomain(domain string) string {
	d, err := idna.Lookup.ToASCII(strings.TrimSpace(domain))
	if err != nil || d == "" || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") {
		return "localhost"
	}
	for _, r := range d {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return "localhost"
		}
	}
	return d
}

// NormalizeDomain returns a domain in the form [NormalizeEmail] gives it. A
// leading "@" is dropped.
func NormalizeDomain(d string) string {
	n := NormalizeEmail("x@" + strings.TrimPrefix(strings.TrimSpace(d), "@"))
	return n[2:]
}

// Participants returns the normalized addresses of everyone on the message
// (From, To, Cc, Bcc and Reply-To), without duplicates, sorted. Hosts use
// them to tie mail to their records of people.
func (m *Message) Participants() []string {
	var out []string
	add := func(a Address) {
		if a.Email != "" {
			out = append(out, NormalizeEmail(a.Email))
		}
	}
	if m.From != nil {
		add(*m.From)
	}
	for _, list := range [][]Address{m.To, m.Cc, m.Bcc, m.ReplyTo} {
		for _, a := range list {
			add(a)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Domains returns the normalized domains of the message's participants,
// without duplicates, sorted. Hosts use them to tie mail to companies.
func (m *Message) Domains() []string {
	var out []string
	for _, p := range m.Participants() {
		if i := strings.LastIndexByte(p, '@'); i >= 0 && i < len(p)-1 {
			out = append(out, p[i+1:])
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
