package mailmime

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// SnippetLength is the number of characters of a [mailmanager.Message]
// snippet.
const SnippetLength = 200

// makeSnippet returns the first SnippetLength characters of text, or of the
// text of htmlBody when text is blank, with whitespace collapsed.
func makeSnippet(text, htmlBody string) string {
	if s := collapse(text, SnippetLength); s != "" {
		return s
	}
	return collapse(htmlText(htmlBody, 4*SnippetLength), SnippetLength)
}

// collapse collapses runs of whitespace in s to one space, trims it, and
// cuts it to at most n characters.
func collapse(s string, n int) string {
	var b strings.Builder
	count, space := 0, false
	for _, r := range s {
		if count >= n {
			break
		}
		if unicode.IsSpace(r) || r == '\u00a0' || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			count++
			space = false
			if count >= n {
				break
			}
		}
		b.WriteRune(r)
		count++
	}
	return b.String()
}

// htmlText extracts the visible text of an HTML document, up to about max
// characters: tags are dropped, entities decoded, and the content of head,
// script, style and similar elements skipped.
func htmlText(doc string, max int) string {
	if doc == "" {
		return ""
	}
	z := html.NewTokenizer(strings.NewReader(doc))
	var b strings.Builder
	skip := 0
	for utf8.RuneCountInString(b.String()) < max {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.StartTagToken:
			name, _ := z.TagName()
			if hiddenElement(string(name)) {
				skip++
			}
			b.WriteByte(' ')
		case html.EndTagToken:
			name, _ := z.TagName()
			if hiddenElement(string(name)) && skip > 0 {
				skip--
			}
			b.WriteByte(' ')
		case html.SelfClosingTagToken:
			b.WriteByte(' ')
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		}
	}
	return b.String()
}

// hiddenElement reports an element whose content is not shown as text.
func hiddenElement(name string) bool {
	switch name {
	case "head", "script", "style", "title", "template", "noscript", "xml":
		return true
	}
	return false
}

// cidReferences returns the content IDs that htmlBody references through
// "cid:" URLs, lower case and unescaped.
func cidReferences(htmlBody string) map[string]bool {
	refs := map[string]bool{}
	lower := strings.ToLower(htmlBody)
	for {
		i := strings.Index(lower, "cid:")
		if i < 0 {
			return refs
		}
		lower = lower[i+4:]
		end := strings.IndexAny(lower, "\"' \t\r\n>)")
		if end < 0 {
			end = len(lower)
		}
		cid := lower[:end]
		if u, err := url.PathUnescape(cid); err == nil {
			cid = u
		}
		if cid != "" {
			refs[cid] = true
		}
		lower = lower[end:]
	}
}
