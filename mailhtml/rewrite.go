package mailhtml

import (
	"strings"

	"golang.org/x/net/html"
)

// rewrite walks the policy's output and decides what links and images
// keep: it sets rel and target on links, maps cid: images through o.CID,
// and drops or keeps remote images.
func rewrite(s string, o Options) Result {
	var (
		res Result
		b   strings.Builder
	)
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		tok := z.Token()
		if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
			switch tok.Data {
			case "a":
				tok.Attr = linkAttrs(tok.Attr)
			case "img":
				var keep bool
				tok.Attr, keep = imageAttrs(tok.Attr, o, &res)
				if !keep {
					continue
				}
			}
		}
		b.WriteString(tok.String())
	}
	res.HTML = b.String()
	return res
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
