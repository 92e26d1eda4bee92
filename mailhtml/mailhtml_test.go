package mailhtml_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager/mailhtml"
)

func TestSanitize_RemovesHostileMarkup(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		absent  []string // lower-case fragments that must not survive
		present []string // fragments that must survive
	}{
		{
			name:    "script element",
			in:      `<p>hi</p><script>alert(document.cookie)</script>`,
			absent:  []string{"<script", "alert(", "document.cookie"},
			present: []string{"<p>hi</p>"},
		},
		{
			name:   "script in odd case and attributes",
			in:     `<SCRIPT type="text/javascript" src="https://evil.example/x.js"></SCRIPT>ok`,
			absent: []string{"<script", "evil.example"},
		},
		{
			name:    "img onerror",
			in:      `<img src="x" onerror="alert(1)">text`,
			absent:  []string{"onerror", "alert(", "<img"},
			present: []string{"text"},
		},
		{
			name:   "svg onload",
			in:     `<svg onload="alert(1)"><circle r="5"/></svg>after`,
			absent: []string{"<svg", "onload", "alert(", "<circle"},
		},
		{
			name:   "event handler on harmless element",
			in:     `<div onclick="steal()" onmouseover="steal()">click</div>`,
			absent: []string{"onclick", "onmouseover", "steal("},
		},
		{
			name:    "javascript href",
			in:      `<a href="javascript:alert(1)">link</a>`,
			absent:  []string{"javascript:", "href"},
			present: []string{"link"},
		},
		{
			name:   "javascript href with entities and spaces",
			in:     `<a href=" jav&#x09;ascript:alert(1)">x</a><a href="JaVaScRiPt:alert(2)">y</a>`,
			absent: []string{"ascript:", "alert(", "href"},
		},
		{
			name:   "vbscript href",
			in:     `<a href="vbscript:msgbox(1)">x</a>`,
			absent: []string{"vbscript", "href"},
		},
		{
			name:   "data URL link to html",
			in:     `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`,
			absent: []string{"data:", "href"},
		},
		{
			name:   "data URL link to an image",
			in:     `<a href="data:image/png;base64,iVBORw0KGgo=">x</a>`,
			absent: []string{"data:", "href"},
		},
		{
			name:   "data URL image that is svg",
			in:     `<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">`,
			absent: []string{"<img", "data:"},
		},
		{
			name:   "data URL image that is html",
			in:     `<img src="data:text/html,<script>alert(1)</script>">`,
			absent: []string{"<img", "data:", "<script"},
		},
		{
			name:    "data URL raster image kept",
			in:      `<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot">`,
			present: []string{`src="data:image/png;base64,iVBORw0KGgo="`, `alt="dot"`},
		},
		{
			name:   "iframe object embed",
			in:     `<iframe src="https://evil.example"></iframe><object data="x.swf"></object><embed src="x.swf">`,
			absent: []string{"<iframe", "<object", "<embed", "evil.example", "x.swf"},
		},
		{
			name:    "forms and inputs",
			in:      `<form action="https://evil.example/phish"><input name="pw" type="password"><button>Go</button></form>`,
			absent:  []string{"<form", "<input", "<button", "evil.example"},
			present: []string{"Go"},
		},
		{
			name:   "style element with url",
			in:     `<style>body{background:url(https://track.example/p.gif)}</style><p>x</p>`,
			absent: []string{"<style", "track.example", "url("},
		},
		{
			name:    "inline style with url",
			in:      `<p style="color: red; background: url('https://track.example/p.gif')">x</p>`,
			absent:  []string{"track.example", "url("},
			present: []string{"color: red"},
		},
		{
			name:   "inline style with escaped url",
			in:     `<p style="background-image: \75 rl(https://track.example/p.gif)">x</p>`,
			absent: []string{"track.example", "style="},
		},
		{
			name:   "inline style expression",
			in:     `<p style="width: expression(alert(1))">x</p>`,
			absent: []string{"expression", "alert("},
		},
		{
			name:   "inline style that covers the page",
			in:     `<div style="position: fixed; top: 0; z-index: 9999">fake login</div>`,
			absent: []string{"position", "z-index"},
		},
		{
			name:   "meta refresh and base",
			in:     `<meta http-equiv="refresh" content="0;url=https://evil.example"><base href="https://evil.example/">x`,
			absent: []string{"<meta", "<base", "evil.example"},
		},
		{
			name:   "link stylesheet",
			in:     `<link rel="stylesheet" href="https://evil.example/s.css">x`,
			absent: []string{"<link", "evil.example"},
		},
		{
			name:   "id and class dropped",
			in:     `<div id="signout" class="btn primary">x</div>`,
			absent: []string{"id=", "class="},
		},
		{
			name:   "srcset and background attributes",
			in:     `<img src="cid:a" srcset="https://track.example/1x.png 1x"><td background="https://track.example/bg.png">x</td>`,
			absent: []string{"srcset", "background=", "track.example"},
		},
		{
			name:   "noscript mutation",
			in:     `<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`,
			absent: []string{"onerror", "alert(", "<img"},
		},
		{
			name:   "math and style mutation",
			in:     `<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>`,
			absent: []string{"onerror", "<img", "<math", "<style"},
		},
		{
			name:   "xmp and plaintext",
			in:     `<xmp><script>alert(1)</script></xmp><plaintext><script>alert(2)</script>`,
			absent: []string{"<script", "<xmp", "<plaintext"},
		},
		{
			name:   "textarea holding markup",
			in:     `<textarea><img src=x onerror=alert(1)></textarea>`,
			absent: []string{"<textarea", "<img"},
		},
		{
			name:    "html comment hiding script",
			in:      `<!-- <script>alert(1)</script> -->ok`,
			absent:  []string{"<!--", "<script", "alert("},
			present: []string{"ok"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mailhtml.Sanitize(tt.in, mailhtml.Options{})
			lower := strings.ToLower(got.HTML)
			for _, a := range tt.absent {
				assert.NotContains(t, lower, a)
			}
			for _, p := range tt.present {
				assert.Contains(t, got.HTML, p)
			}
		})
	}
}

func TestSanitize_Links(t *testing.T) {
	got := mailhtml.Sanitize(
		`<a href="https://example.com/a?b=1&amp;c=2" rel="opener" target="_self">x</a>`+
			`<a href="mailto:bob@example.com">mail</a><a href="/local/path">rel</a>`,
		mailhtml.Options{})
	assert.Contains(t, got.HTML,
		`<a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow" target="_blank">x</a>`)
	assert.Contains(t, got.HTML, `href="mailto:bob@example.com"`)
	assert.NotContains(t, got.HTML, `rel="opener"`)
	assert.NotContains(t, got.HTML, `_self`)
	assert.NotContains(t, got.HTML, "/local/path", "relative links would point into the host")
	assert.Equal(t, 2, strings.Count(got.HTML, `target="_blank"`), got.HTML)
}

func TestSanitize_RemoteImages(t *testing.T) {
	const in = `<p>Hello</p><img src="https://track.example/open.gif" width="1" height="1">` +
		`<img src="http://cdn.example/logo.png" alt="Logo"><img src="//cdn.example/x.png">`
	tests := []struct {
		name        string
		allow       bool
		wantBlocked int
		want        []string
		wantAbsent  []string
	}{
		{
			name:        "blocked and counted, protocol-relative too",
			wantBlocked: 3,
			want:        []string{"<p>Hello</p>"},
			wantAbsent:  []string{"track.example", "cdn.example", "<img"},
		},
		{
			name:  "allowed",
			allow: true,
			want: []string{
				`src="https://track.example/open.gif"`, `src="http://cdn.example/logo.png"`,
				`referrerpolicy="no-referrer"`,
				// A protocol-relative source loads over https.
				`src="https://cdn.example/x.png"`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mailhtml.Sanitize(in, mailhtml.Options{AllowRemoteImages: tt.allow})
			assert.Equal(t, tt.wantBlocked, got.RemoteImagesBlocked)
			for _, w := range tt.want {
				assert.Contains(t, got.HTML, w)
			}
			for _, w := range tt.wantAbsent {
				assert.NotContains(t, got.HTML, w)
			}
		})
	}
}

func TestSanitize_CID(t *testing.T) {
	const in = `<img src="cid:logo@example.com" alt="logo"><img src="CID:&lt;chart.1&gt;">`
	t.Run("mapped", func(t *testing.T) {
		var asked []string
		got := mailhtml.Sanitize(in, mailhtml.Options{CID: func(id string) string {
			asked = append(asked, id)
			return "/mail/acc/m1/cid/" + id
		}})
		assert.Equal(t, []string{"logo@example.com", "chart.1"}, asked)
		assert.Contains(t, got.HTML, `src="/mail/acc/m1/cid/logo@example.com"`)
		assert.Contains(t, got.HTML, `src="/mail/acc/m1/cid/chart.1"`)
		assert.Zero(t, got.RemoteImagesBlocked)
	})
	t.Run("nil mapper drops", func(t *testing.T) {
		got := mailhtml.Sanitize(in, mailhtml.Options{})
		assert.NotContains(t, got.HTML, "<img")
		assert.NotContains(t, got.HTML, "cid:")
	})
	t.Run("unknown part drops", func(t *testing.T) {
		got := mailhtml.Sanitize(in, mailhtml.Options{CID: func(string) string { return "" }})
		assert.NotContains(t, got.HTML, "<img")
	})
	t.Run("mapped URL is escaped", func(t *testing.T) {
		got := mailhtml.Sanitize(`<img src="cid:x">`, mailhtml.Options{CID: func(string) string {
			return `/p?a=1&b="2"`
		}})
		assert.Contains(t, got.HTML, `src="/p?a=1&amp;b=&#34;2&#34;"`)
	})
}

func TestSanitize_KeepsFormatting(t *testing.T) {
	const in = `<html><head><title>Newsletter</title></head><body bgcolor="#fff">` +
		`<table width="600" cellpadding="4"><tr><td align="center" style="color:#333;font-size:14px">` +
		`<h1>News</h1><p><b>Bold</b> and <i>italic</i></p><ul><li>one</li></ul>` +
		`<font color="red" face="Arial">red</font></td></tr></table></body></html>`
	got := mailhtml.Sanitize(in, mailhtml.Options{})
	for _, w := range []string{
		`<table width="600" cellpadding="4">`, `<td align="center" style="color: #333; font-size: 14px">`,
		"<h1>News</h1>", "<b>Bold</b>", "<li>one</li>", `<font color="red" face="Arial">red</font>`,
	} {
		assert.Contains(t, got.HTML, w)
	}
	assert.NotContains(t, got.HTML, "Newsletter", "the title is not part of the body")
	assert.NotContains(t, got.HTML, "<body")
}

func TestSanitize_EmptyAndText(t *testing.T) {
	assert.Equal(t, mailhtml.Result{}, mailhtml.Sanitize("  \n", mailhtml.Options{}))
	got := mailhtml.Sanitize("a < b & c", mailhtml.Options{})
	require.NotEmpty(t, got.HTML)
	assert.Equal(t, "a &lt; b &amp; c", got.HTML)
}

func BenchmarkSanitize(b *testing.B) {
	body := strings.Repeat(`<p style="color:#333">Hello <a href="https://example.com">there</a>`+
		`<img src="https://track.example/p.gif"><img src="cid:logo"></p>`, 50)
	o := mailhtml.Options{CID: func(id string) string { return "/cid/" + id }}
	for b.Loop() {
		mailhtml.Sanitize(body, o)
	}
}

func TestSanitize_BalancesTags(t *testing.T) {
	cases := []struct {
		name, in   string
		notContain []string
		contain    []string
	}{
		{"stray end tags cannot close the page's elements",
			`<p>hi</div></details></div></main><h1>PHISH</h1>`,
			[]string{"</div>", "</details>", "</main>"}, []string{"<h1>PHISH</h1>"}},
		{"an open link is closed at the message's end",
			`<a href="http://evil.example/">click`,
			nil, []string{"click</a>"}},
		{"open table and bold are closed",
			`<table><tr><td><b>x`,
			nil, []string{"</b>", "</td>", "</table>"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := mailhtml.Sanitize(tc.in, mailhtml.Options{}).HTML
			for _, s := range tc.notContain {
				assert.NotContains(t, got, s)
			}
			for _, s := range tc.contain {
				assert.Contains(t, got, s)
			}
			// Whatever follows the message stays outside it.
			page := "<div id=msg>" + got + "</div><p id=after>after</p>"
			assert.Contains(t, page, "</div><p id=after>")
		})
	}
}

func TestSanitize_ProtocolRelativeImageIsRemote(t *testing.T) {
	r := mailhtml.Sanitize(`<img src="//evil.example/x.png">`, mailhtml.Options{})
	assert.Equal(t, 1, r.RemoteImagesBlocked)
	assert.NotContains(t, r.HTML, "evil.example")
	r = mailhtml.Sanitize(`<img src="//cdn.example/x.png">`, mailhtml.Options{AllowRemoteImages: true})
	assert.Contains(t, r.HTML, `src="https://cdn.example/x.png"`)
}
