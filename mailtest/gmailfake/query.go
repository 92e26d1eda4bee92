package gmailfake

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// term is one search term of a q parameter.
type term struct {
	neg bool
	key string // operator such as "from", or "" for free text
	val string // lower case
}

// operators are the search operators the fake understands; a token with
// another prefix is free text.
func isOperator(key string) bool {
	switch key {
	case "from", "to", "cc", "bcc", "subject", "in", "label", "is", "has",
		"after", "before", "newer", "older", "newer_than", "older_than",
		"filename", "rfc822msgid", "category":
		return true
	}
	return false
}

// parseQuery splits Gmail's search syntax into terms. Terms are ANDed;
// OR, braces and parentheses are not understood and are dropped.
func parseQuery(q string) []term {
	var terms []term
	for _, tok := range tokenize(q) {
		t := term{}
		if strings.HasPrefix(tok, "-") && len(tok) > 1 {
			t.neg, tok = true, tok[1:]
		}
		tok = strings.Trim(tok, "(){}")
		if tok == "" || tok == "OR" || tok == "AND" {
			continue
		}
		if key, val, ok := strings.Cut(tok, ":"); ok && isOperator(strings.ToLower(key)) {
			t.key, tok = strings.ToLower(key), val
		}
		t.val = strings.ToLower(strings.Trim(tok, `"`))
		terms = append(terms, t)
	}
	return terms
}

// tokenize splits at spaces outside double quotes.
func tokenize(q string) []string {
	var toks []string
	var b strings.Builder
	quoted := false
	for _, r := range q {
		switch {
		case r == '"':
			quoted = !quoted
			b.WriteRune(r)
		case !quoted && (r == ' ' || r == '\t' || r == '\n'):
			if b.Len() > 0 {
				toks = append(toks, b.String())
				b.Reset()
			}
		default:
			b.WriteRune(r)
		}
	}
	if b.Len() > 0 {
		toks = append(toks, b.String())
	}
	return toks
}

// namesSpamOrTrash reports whether the query asks for spam or trash, so
// that they are not left out.
func (mb *mailbox) namesSpamOrTrash(terms []term) bool {
	for _, t := range terms {
		if t.neg || (t.key != "in" && t.key != "label") {
			continue
		}
		ids := mb.resolveLabel(t.val)
		if t.val == "anywhere" || slices.Contains(ids, "SPAM") || slices.Contains(ids, "TRASH") {
			return true
		}
	}
	return false
}

// resolveLabel returns the label IDs a label: or in: value names.
func (mb *mailbox) resolveLabel(v string) []string {
	switch v {
	case "drafts":
		v = "draft"
	case "chats":
		v = "chat"
	}
	var ids []string
	for _, id := range systemLabels() {
		if strings.EqualFold(id, v) {
			ids = append(ids, id)
		}
	}
	dashed := strings.NewReplacer(" ", "-", "/", "-")
	for _, l := range mb.labels {
		name := strings.ToLower(l.name)
		if name == v || dashed.Replace(name) == v || strings.EqualFold(l.id, v) {
			ids = append(ids, l.id)
		}
	}
	return ids
}

func (mb *mailbox) matches(m *message, terms []term, now time.Time) bool {
	for _, t := range terms {
		if mb.matchTerm(m, t, now) == t.neg {
			return false
		}
	}
	return true
}

func (mb *mailbox) matchTerm(m *message, t term, now time.Time) bool {
	d := m.doc
	addr := t.val
	if addr == "me" {
		addr = mb.address
	}
	switch t.key {
	case "from":
		return strings.Contains(d.from, addr)
	case "to":
		return strings.Contains(d.to, addr)
	case "cc":
		return strings.Contains(d.cc, addr)
	case "bcc":
		return strings.Contains(d.bcc, addr)
	case "subject":
		return strings.Contains(strings.ToLower(d.subject), t.val)
	case "in", "label":
		if t.val == "anywhere" {
			return true
		}
		return slices.ContainsFunc(mb.resolveLabel(t.val), m.has)
	case "category":
		id := "CATEGORY_" + strings.ToUpper(t.val)
		if t.val == "primary" {
			id = "CATEGORY_PERSONAL"
		}
		return m.has(id)
	case "is":
		return matchIs(m, t.val)
	case "has":
		return t.val == "attachment" && len(d.files) > 0
	case "filename":
		return slices.ContainsFunc(d.files, func(f string) bool {
			return strings.Contains(f, t.val)
		})
	case "rfc822msgid":
		return strings.EqualFold(strings.Trim(t.val, "<>"), d.messageID)
	case "after", "newer", "before", "older":
		at, ok := parseDate(t.val)
		if !ok {
			return false
		}
		if t.key == "after" || t.key == "newer" {
			return !m.internal.Before(at)
		}
		return m.internal.Before(at)
	case "newer_than", "older_than":
		age, ok := parseAge(t.val)
		if !ok {
			return false
		}
		if t.key == "newer_than" {
			return m.internal.After(now.Add(-age))
		}
		return m.internal.Before(now.Add(-age))
	}
	return strings.Contains(d.text, t.val) ||
		strings.Contains(strings.ToLower(d.subject), t.val) ||
		strings.Contains(d.from, t.val) || strings.Contains(d.to, t.val) ||
		slices.ContainsFunc(d.files, func(f string) bool { return strings.Contains(f, t.val) })
}

func matchIs(m *message, v string) bool {
	switch v {
	case "unread":
		return m.has("UNREAD")
	case "read":
		return !m.has("UNREAD")
	case "starred":
		return m.has("STARRED")
	case "important":
		return m.has("IMPORTANT")
	}
	return false
}

// parseDate reads a date of after: or before:, either Unix seconds or a
// calendar date taken as UTC midnight.
func parseDate(v string) (time.Time, bool) {
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(secs, 0), true
	}
	for _, layout := range []string{"2006/1/2", "2006-1-2", "1/2/2006"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseAge reads the span of newer_than: and older_than:, such as 2d.
func parseAge(v string) (time.Duration, bool) {
	if len(v) < 2 {
		return 0, false
	}
	n, err := strconv.Atoi(v[:len(v)-1])
	if err != nil || n < 0 {
		return 0, false
	}
	day := 24 * time.Hour
	switch v[len(v)-1] {
	case 'h':
		return time.Duration(n) * time.Hour, true
	case 'd':
		return time.Duration(n) * day, true
	case 'm':
		return time.Duration(n) * 30 * day, true
	case 'y':
		return time.Duration(n) * 365 * day, true
	}
	return 0, false
}
