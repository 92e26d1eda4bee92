// Package mailhtml makes the HTML body of an email safe to show inside a
// web page.
//
// Mail is written by strangers, so its HTML is hostile until cleaned:
// [Sanitize] keeps the markup that formats a message (text, links, lists,
// tables, images, colors and fonts) and drops everything that runs code,
// submits data, embeds other documents or reaches the network on its own.
//
// # What it removes
//
//   - script, style, iframe, object, embed, form and input elements, and
//     every on* event handler attribute;
//   - javascript:, vbscript: and data: links, and data: images that are not
//     plain raster images (PNG, GIF, JPEG, WebP);
//   - CSS that loads anything (url(), image-set(), @import) or executes
//     (expression()), and layout properties that let a message cover the
//     page (position, z-index);
//   - id and class attributes, so a message cannot restyle or target the
//     host's page;
//   - remote images, unless [Options.AllowRemoteImages] is set: a remote
//     image tells the sender when and where a message was read. They are
//     counted in [Result.RemoteImagesBlocked] so the host can offer a
//     "show images" button.
//
// The result is balanced: it is parsed as the content of a <div>, as a
// browser parses it where the host shows it, and rendered again, so stray
// end tags cannot close the host's elements and unclosed ones end with the
// message. A protocol-relative image ("//host/x.png") counts as remote and
// loads over https when allowed.
//
// Links keep their http, https and mailto targets and open in a new
// browsing context with rel="noopener noreferrer nofollow". Images in
// the message itself ("cid:" URLs) are rewritten through [Options.CID] to
// a URL of the host that serves the attachment.
//
// The result is meant to be placed in a page that also sends a strict
// Content-Security-Policy without script-src; sanitizing is the first
// line of defence, not the only one.
package mailhtml

import "strings"

// Options says what [Sanitize] may keep.
type Options struct {
	// AllowRemoteImages keeps images loaded from http and https URLs.
	// Off by default, which drops them and counts them instead.
	AllowRemoteImages bool

	// CID maps a content ID (without "cid:" and angle brackets) to a URL
	// serving that inline part. Nil, or an empty result, drops the image.
	CID func(contentID string) string
}

// Result is sanitized HTML and what sanitizing held back.
type Result struct {
	// HTML is safe to embed in a page as is.
	HTML string
	// RemoteImagesBlocked counts the remote images removed because
	// Options.AllowRemoteImages was off.
	RemoteImagesBlocked int
}

// Sanitize returns html with everything unsafe removed, as the package
// documentation describes. It accepts a fragment or a whole document and
// returns a fragment: head, title and body tags go, the body's content
// stays. It never fails; input that is not HTML comes back as escaped
// text. Sanitize is safe for concurrent use.
func Sanitize(html string, o Options) Result {
	if strings.TrimSpace(html) == "" {
		return Result{}
	}
	cleaned := newPolicy().Sanitize(schemeImages(html))
	return rewrite(cleaned, o)
}
