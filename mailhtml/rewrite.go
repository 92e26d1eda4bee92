package mailhtml

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// rewrite parses the policy's output as the content of a <div>, as a
// browser would where the page shows it, and renders it again: stray end
// tags are dropped and open elements closed, so the message cannot close
// or swallow the page's own elements. On the way it sets rel and target
// on links, maps cid: images through o.CID, and drops or keeps remote
// images.
func rewrite(s string, o Options) Result {
	var res Result
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(s), ctx)
	if err != nil {
		// The parser only fails on read errors, which a string reader does
		// not have; show nothing rather than something unbalanced.
		return res
	}
	var b strings.Builder
	for _, n := range nodes {
		if !rewriteNode(n, o, &res) {
			continue
		}
		if err := html.Render(&b, n); err != nil {
			return Result{}
		}
	}
	res.HTML = b.String()
	return res
}

// rewriteNode fixes the attributes of n and its descendants, and reports
// whether n is kept.
func rewriteNode(n *html.Node, o Options, res *Result) bool {
	if n.Type == html.ElementNode {
		switch n.Data {
		case "a":
			n.Attr = linkAttrs(n.Attr)
		case "img":
			var keep bool
			n.Attr, keep = imageAttrs(n.Attr, o, res)
			if !keep {
				return false
			}
		}
	}
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if !rewriteNode(c, o, res) {
			n.RemoveChild(c)
		}
		c = next
	}
	return true
}

// schemeImages gives protocol-relative image sources ("//host/x.png") the
// https scheme they would load with, so that the policy, which refuses
// relative URLs, keeps them and rewrite counts them as remote images.
func schemeImages(s string) string {
	if !strings.Contains(s, "//") {
		return s
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return b.String()
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			b.Write(z.Raw())
			continue
		}
		tok := z.Token()
		if tok.Data != "img" {
			b.Write(z.Raw())
			continue
		}
		for i, a := range tok.Attr {
			if a.Key == "src" && strings.HasPrefix(strings.TrimSpace(a.Val), "//") {
				tok.Attr[i].Val = "https:" + strings.TrimSpace(a.Val)
			}
		}
		b.WriteString(tok.String())
	}
}

// linkAttrs keeps an http, https or mailto href and makes the link open
// apart from the page.
func linkAttrs(attrs []html.Attribute) []html.Attribute {
	out := attrs[:0]
	href := ""
	for _, a := range attrs {
		switch a.Key {
		case "href":
			href = a.Val
		case "rel", "target":
		default:
			out = append(out, a)
		}
	}
	if scheme(href) == "" {
		return out
	}
	return append(out,
		html.Attribute{Key: "href", Val: href},
		html.Attribute{Key: "rel", Val: "noopener noreferrer nofollow"},
		html.Attribute{Key: "target", Val: "_blank"})
}

// imageAttrs decides an image's source. It reports false when the image
// is to be dropped.
func imageAttrs(attrs []html.Attribute, o Options, res *Result) ([]html.Attribute, bool) {
	out := attrs[:0]
	src := ""
	for _, a := range attrs {
		if a.Key == "src" {
			src = a.Val
			continue
		}
		out = append(out, a)
	}

	switch lower := strings.ToLower(strings.TrimSpace(src)); {
	case strings.HasPrefix(lower, "cid:"):
		if o.CID == nil {
			return nil, false
		}
		id := strings.Trim(strings.TrimSpace(src)[len("cid:"):], "<>")
		src = o.CID(id)
		if id == "" || src == "" {
			return nil, false
		}
	case strings.HasPrefix(lower, "data:"):
		if !rasterDataURL(strings.TrimSpace(src)) {
			return nil, false
		}
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"):
		if !o.AllowRemoteImages {
			res.RemoteImagesBlocked++
			return nil, false
		}
		out = append(out, html.Attribute{Key: "referrerpolicy", Val: "no-referrer"},
			html.Attribute{Key: "loading", Val: "lazy"})
	default:
		return nil, false
	}
	return append(out, html.Attribute{Key: "src", Val: src}), true
}

// scheme returns the lower-case scheme of a link target the page may
// follow (http, https, mailto), or "".
func scheme(href string) string {
	h := strings.ToLower(strings.TrimSpace(href))
	for _, s := range []string{"http", "https", "mailto"} {
		if strings.HasPrefix(h, s+":") {
			return s
		}
	}
	return ""
}
