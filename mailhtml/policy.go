package mailhtml

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
)

// Attribute value patterns.
var (
	sizeValue   = regexp.MustCompile(`^[0-9]{1,5}(%|px)?$`)
	alignValue  = regexp.MustCompile(`(?i)^(left|center|right|justify|top|middle|bottom)$`)
	valignValue = regexp.MustCompile(`(?i)^(top|middle|bottom|baseline)$`)
	colorValue  = regexp.MustCompile(`(?i)^(#[0-9a-f]{3,8}|[a-z]{3,20})$`)
	faceValue   = regexp.MustCompile(`^[\p{L}\p{N} ,'"_-]{1,200}$`)
	textValue   = regexp.MustCompile(`^[^<>]{0,500}$`)
	integer     = regexp.MustCompile(`^[0-9]{1,4}$`)
	dirValue    = regexp.MustCompile(`(?i)^(ltr|rtl|auto)$`)
	langValue   = regexp.MustCompile(`^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$`)
)

// styleProperties are the CSS properties a style attribute keeps, each
// checked by safeStyleValue. Properties that position or stack an element
// (position, z-index) or that take images (background-image, list-style-image,
// content, cursor) are left out.
var styleProperties = []string{
	"color", "background-color", "background",
	"font", "font-family", "font-size", "font-style", "font-weight", "font-variant",
	"line-height", "letter-spacing", "word-spacing",
	"text-align", "text-decoration", "text-indent", "text-transform",
	"vertical-align", "white-space", "word-break", "word-wrap", "overflow-wrap",
	"direction",
	"margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
	"padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
	"border", "border-top", "border-right", "border-bottom", "border-left",
	"border-color", "border-style", "border-width", "border-radius",
	"border-collapse", "border-spacing",
	"width", "min-width", "max-width", "height", "min-height", "max-height",
	"display", "float", "clear", "list-style-type", "table-layout",
}

// newPolicy returns the element and attribute policy. It is built per
// call so the package holds no shared state; building one takes about
// 50µs, small beside sanitizing a message.
func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()

	// Links and images. Schemes not listed here (javascript:, vbscript:,
	// file: and the like) are removed; which of the listed ones an element
	// keeps is decided in rewrite.
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.AllowURLSchemes("http", "https", "mailto", "cid")
	p.AllowURLSchemeWithCustomPolicy("data", func(u *url.URL) bool {
		return rasterDataURL("data:" + u.Opaque)
	})
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("title").Matching(textValue).Globally()
	p.AllowAttrs("src").OnElements("img")
	p.AllowAttrs("alt").Matching(textValue).OnElements("img")
	p.AllowAttrs("width", "height").Matching(sizeValue).
		OnElements("img", "table", "td", "th", "col")
	p.AllowAttrs("align").Matching(alignValue).OnElements("img", "p", "div", "table",
		"tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6")
	p.AllowAttrs("border").Matching(integer).OnElements("img", "table")

	// Text and structure.
	p.AllowElements("p", "div", "span", "br", "hr", "wbr", "center",
		"h1", "h2", "h3", "h4", "h5", "h6",
		"b", "strong", "i", "em", "u", "s", "strike", "del", "ins", "mark",
		"small", "big", "sub", "sup", "tt", "code", "kbd", "samp", "var", "pre",
		"abbr", "acronym", "cite", "dfn", "q", "blockquote", "address",
		"ul", "ol", "li", "dl", "dt", "dd",
		"article", "section", "header", "footer", "aside", "main", "nav",
		"figure", "figcaption", "details", "summary", "bdi", "bdo")
	p.AllowAttrs("dir").Matching(dirValue).Globally()
	p.AllowAttrs("lang").Matching(langValue).Globally()
	p.AllowAttrs("start").Matching(integer).OnElements("ol")
	p.AllowAttrs("color").Matching(colorValue).OnElements("font", "hr")
	p.AllowAttrs("face").Matching(faceValue).OnElements("font")
	p.AllowAttrs("size").Matching(regexp.MustCompile(`^[+-]?[1-7]$`)).OnElements("font")

	// Tables, still the backbone of newsletter layout.
	p.AllowElements("table", "thead", "tbody", "tfoot", "tr", "td", "th",
		"caption", "colgroup", "col")
	p.AllowAttrs("bgcolor").Matching(colorValue).OnElements("table", "tr", "td", "th")
	p.AllowAttrs("valign").Matching(valignValue).OnElements("tr", "td", "th")
	p.AllowAttrs("cellpadding", "cellspacing").Matching(integer).OnElements("table")
	p.AllowAttrs("colspan", "rowspan", "span").Matching(integer).OnElements("td", "th", "col")

	// Inline styles, property by property.
	p.AllowStyles(styleProperties...).MatchingHandler(safeStyleValue).Globally()
	return p
}

// unsafeCSS are fragments of a CSS value that load a resource, run code or
// hide such a thing behind an escape.
var unsafeCSS = []string{
	"url(", "image(", "image-set(", "cross-fade(", "element(", "expression(",
	"javascript:", "vbscript:", "@import", "\\", "/*", "<", ">", "behavior", "binding",
}

// safeStyleValue reports whether a CSS value (lower-cased by the caller)
// loads and runs nothing.
func safeStyleValue(v string) bool {
	if len(v) > 300 {
		return false
	}
	compact := strings.Join(strings.Fields(v), "")
	for _, bad := range unsafeCSS {
		if strings.Contains(compact, bad) {
			return false
		}
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// rasterDataURL reports whether u is a base64 data: URL of a PNG, GIF,
// JPEG or WebP image. SVG is refused: it is a document that may carry
// script.
func rasterDataURL(u string) bool {
	lower := strings.ToLower(u)
	for _, t := range []string{"png", "gif", "jpeg", "jpg", "webp"} {
		prefix := "data:image/" + t + ";base64,"
		if strings.HasPrefix(lower, prefix) {
			_, err := base64.StdEncoding.DecodeString(u[len(prefix):])
			return err == nil
		}
	}
	return false
}
