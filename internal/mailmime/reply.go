package mailmime

import (
	"strings"

	"github.com/mailmanager/mailmanager"
)

// MaxReferences is the most message IDs [ReplyReferences] returns.
const MaxReferences = 20

// ReplySubject returns the subject of a reply to a message with subject s:
// s itself when it already starts with a reply prefix ("Re:", "RE:",
// "Aw:", "Sv:", "Antw:", "Re[2]:", "Re(2):", also after list tags such as
// "[list]"), and "Re: " followed by s otherwise.
func ReplySubject(s string) string {
	s = strings.TrimSpace(s)
	if hasPrefixWord(s, "re", "aw", "sv", "antw", "odp", "ynt") {
		return s
	}
	return strings.TrimSpace("Re: " + s)
}

// ForwardSubject returns the subject of a forward of a message with subject
// s: s itself when it already starts with a forward prefix ("Fwd:", "Fw:",
// "FW:", also after list tags), and "Fwd: " followed by s otherwise.
func ForwardSubject(s string) string {
	s = strings.TrimSpace(s)
	if hasPrefixWord(s, "fwd", "fw", "wg", "tr", "enc", "rv") {
		return s
	}
	return strings.TrimSpace("Fwd: " + s)
}

// hasPrefixWord reports whether s, after any "[tag]" list tags, starts with
// one of words (any case), an optional "[n]" or "(n)" counter, and a colon
// (ASCII or full width).
func hasPrefixWord(s string, words ...string) bool {
	for strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			break
		}
		s = strings.TrimSpace(s[end+1:])
	}
	lower := strings.ToLower(s)
	for _, w := range words {
		if !strings.HasPrefix(lower, w) {
			continue
		}
		rest := strings.TrimLeft(lower[len(w):], " ")
		for _, pair := range []string{"[]", "()"} {
			if strings.HasPrefix(rest, pair[:1]) {
				if end := strings.IndexByte(rest, pair[1]); end > 0 && isCounter(rest[1:end]) {
					rest = strings.TrimLeft(rest[end+1:], " ")
				}
			}
		}
		if strings.HasPrefix(rest, ":") || strings.HasPrefix(rest, "：") {
			return true
		}
	}
	return false
}

// isCounter reports a reply counter such as the "2" of "Re[2]:".
func isCounter(s string) bool {
	if s == "" || len(s) > 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// ReplyRecipients computes the To and Cc of a reply to orig sent by the
// mailbox self. To is orig's Reply-To if it has one, else its From; with
// all, Cc is orig's To and Cc. Self is never a recipient (addresses compare
// with [mailmanager.NormalizeEmail]) and no address appears twice. When the original
// came from self, so that nobody is left in To, the reply goes to the
// original's To instead, as mail clients do. The returned slices are new.
func ReplyRecipients(orig *mailmanager.Message, self string,
	all bool) (to, cc []mailmanager.Address) {
	if orig == nil {
		return nil, nil
	}
	seen := map[string]bool{}
	if self != "" {
		seen[mailmanager.NormalizeEmail(self)] = true
	}
	add := func(dst []mailmanager.Address, list []mailmanager.Address) []mailmanager.Address {
		for _, a := range list {
			key := mailmanager.NormalizeEmail(a.Email)
			if a.Email == "" || seen[key] {
				continue
			}
			seen[key] = true
			dst = append(dst, a)
		}
		return dst
	}

	primary := orig.ReplyTo
	if len(primary) == 0 && orig.From != nil {
		primary = []mailmanager.Address{*orig.From}
	}
	to = add(to, primary)
	if len(to) == 0 {
		to = add(to, orig.To)
	} else if all {
		cc = add(cc, orig.To)
	}
	if all {
		cc = add(cc, orig.Cc)
	}
	return to, cc
}

// ReplyReferences returns the References of a reply to orig: its
// References (or, lacking them, its In-Reply-To) followed by its
// Message-ID, without duplicates or invalid IDs. Longer chains keep the
// first ID and the last ones, MaxReferences in all.
func ReplyReferences(orig *mailmanager.Message) []string {
	if orig == nil {
		return nil
	}
	var refs []string
	refs = append(refs, orig.References...)
	if len(refs) == 0 && orig.InReplyTo != "" {
		refs = append(refs, orig.InReplyTo)
	}
	if orig.MessageID != "" {
		refs = append(refs, orig.MessageID)
	}

	var out []string
	seen := map[string]bool{}
	for _, id := range refs {
		id = strings.Trim(strings.TrimSpace(id), "<>")
		if !validMessageID(id) || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	if len(out) > MaxReferences {
		out = append(out[:1], out[len(out)-(MaxReferences-1):]...)
	}
	return out
}
