package mailmime

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// crlf turns the LF line ends of a test message into CRLF.
func crlf(s string) string {
	return strings.ReplaceAll(s, "\n", "\r\n")
}

func mustParse(t *testing.T, raw string) *Parsed {
	t.Helper()
	p, err := Parse(strings.NewReader(raw))
	require.NoError(t, err)
	assertValidUTF8(t, p)
	return p
}

func TestParse_BrokenInput(t *testing.T) {
	deep := strings.Builder{}
	deep.WriteString("Subject: deep\n")
	for i := 0; i < 200; i++ {
		bd := "b" + strconv.Itoa(i)
		deep.WriteString("Content-Type: multipart/mixed; boundary=" + bd + "\n\n--" + bd + "\n")
	}
	deep.WriteString("Content-Type: text/plain\n\ninnermost\n")

	tests := []struct {
		name string
		raw  string
		text string // substring Text must hold; "" means Text must be ""
		html string
	}{
		{
			name: "unknown charset, valid UTF-8",
			raw:  "Content-Type: text/plain; charset=x-klingon\n\nGrüße",
			text: "Grüße",
		},
		{
			name: "unknown charset, 8-bit bytes",
			raw:  "Content-Type: text/plain; charset=x-klingon\n\nGr\xfc\xdfe",
			text: "Grüße",
		},
		{
			name: "UTF-8 declared, latin1 sent",
			raw:  "Content-Type: text/plain; charset=utf-8\n\nGr\xfc\xdfe aus K\xf6ln",
			text: "Grüße aus Köln",
		},
		{
			name: "US-ASCII declared, UTF-8 sent",
			raw:  "Content-Type: text/plain; charset=us-ascii\n\nCafé crème",
			text: "Café crème",
		},
		{
			name: "Shift_JIS declared, UTF-8 sent",
			raw:  "Content-Type: text/plain; charset=shift_jis\n\n日本語のテキスト",
			text: "日本語のテキスト",
		},
		{
			name: "truncated base64",
			raw: "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n" +
				"SGVsbG8gV29ybG", // "Hello World" cut short
			text: "Hello Worl",
		},
		{
			name: "base64 with junk and inner padding",
			raw: "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n" +
				"SGVs*bG8=\n IFdv\tcmxk\n",
			text: "Hello World",
		},
		{
			name: "broken quoted-printable",
			raw: "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n" +
				"a=ZZb=3Dc \x01 d=\nsoft=\n",
			text: "a=ZZb=c \x01 dsoft",
		},
		{
			name: "missing Content-Type is text/plain",
			raw:  "Subject: x\n\nplain body",
			text: "plain body",
		},
		{
			name: "multipart without boundary",
			raw: "Content-Type: multipart/mixed\n\n--xyz\nContent-Type: text/plain\n\n" +
				"found by guessing\n--xyz--\n",
			text: "found by guessing",
		},
		{
			name: "multipart with a wrong boundary",
			raw: "Content-Type: multipart/mixed; boundary=nope\n\nplain text, " +
				"no parts at all\n",
			text: "plain text, no parts at all",
		},
		{
			name: "boundary that never closes",
			raw: "Content-Type: multipart/alternative; boundary=b\n\n--b\n" +
				"Content-Type: text/plain\n\nfirst\n--b\nContent-Type: text/html\n\n" +
				"<p>second, cut off",
			text: "first",
			html: "<p>second, cut off",
		},
		{
			name: "part header cut off",
			raw:  "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/pl",
		},
		{
			name: "deep nesting",
			raw:  deep.String(),
		},
		{
			name: "malformed header line is skipped",
			raw:  "Subject: kept\nthis is no header\nFrom: a@example.com\n\nbody",
			text: "body",
		},
		{
			name: "mbox envelope line",
			raw:  "From a@example.com Mon Jan  1 00:00:00 2024\nSubject: s\n\nbody",
			text: "body",
		},
		{
			name: "unknown transfer encoding is read as is",
			raw:  "Content-Transfer-Encoding: x-rot13\n\nuryyb",
			text: "uryyb",
		},
		{
			name: "html only with meta charset",
			raw: "Content-Type: text/html\n\n<meta charset=\"koi8-r\"><p>\xf0\xd2\xc9\xd7" +
				"\xc5\xd4</p>",
			html: "<p>Привет</p>",
		},
		{
			name: "NUL and control bytes",
			raw:  "Subject: a\x00b\n\nx\x00y\x1b",
			text: "x\x00y\x1b",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, tt.raw)
			if tt.text == "" {
				assert.Empty(t, strings.TrimSpace(p.Message.Text))
			} else {
				assert.Contains(t, p.Message.Text, tt.text)
			}
			if tt.html != "" {
				assert.Contains(t, p.Message.HTML, tt.html)
			}
		})
	}
}

func TestParse_DeepNestingStopsAtMaxDepth(t *testing.T) {
	var b strings.Builder
	b.WriteString("Subject: deep\n")
	const levels = MaxDepth + 10
	for i := 0; i < levels; i++ {
		bd := "b" + strings.Repeat("x", i)
		b.WriteString("Content-Type: multipart/mixed; boundary=" + bd + "\n\n--" + bd + "\n")
	}
	b.WriteString("Content-Type: text/plain\n\ninnermost\n")

	p := mustParse(t, b.String())
	require.Len(t, p.Message.Attachments, 1, "the part at MaxDepth is kept whole")
	a := p.Message.Attachments[0]
	assert.Equal(t, "multipart/mixed", a.ContentType)
	assert.Equal(t, MaxDepth, strings.Count(a.ID, ".")+1)
	content, ok := p.Content(a.ID)
	require.True(t, ok)
	assert.Contains(t, string(content), "innermost")
	assert.Empty(t, p.Message.Text)
}

func TestParse_Structure(t *testing.T) {
	raw := crlf(`From: =?utf-8?q?J=C3=B6rg?= <jorg@example.com>
To: a@example.com, "B, the second" <b@example.com>
Cc: undisclosed-recipients:;
Subject: =?utf-8?b?0J/RgNC40LLQtdGC?= =?utf-8?b?INC80LjRgA==?=
Message-ID: <m1@example.com>
Content-Type: multipart/mixed; boundary=outer

--outer
Content-Type: multipart/alternative; boundary=alt

--alt
Content-Type: text/plain; charset=utf-8

plain version
--alt
Content-Type: multipart/related; boundary=rel

--rel
Content-Type: text/html; charset=utf-8

<p>html version <img src="cid:logo%40example"></p>
--rel
Content-Type: image/png
Content-ID: <logo@example>
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--rel--
--alt--
--outer
Content-Type: application/pdf
Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--outer
Content-Type: text/plain; charset=utf-8

footer text
--outer--
`)
	p := mustParse(t, raw)
	m := p.Message

	require.NotNil(t, m.From)
	assert.Equal(t, "Jörg", m.From.Name)
	assert.Equal(t, "Привет мир", m.Subject)
	require.Len(t, m.To, 2)
	assert.Equal(t, "B, the second", m.To[1].Name)
	assert.Empty(t, m.Cc)
	assert.Equal(t, "m1@example.com", m.MessageID)
	assert.Equal(t, "plain version\nfooter text", m.Text)
	assert.Contains(t, m.HTML, "<p>html version")
	assert.Equal(t, "plain version footer text", m.Snippet)

	require.Len(t, m.Attachments, 2)
	img, pdf := m.Attachments[0], m.Attachments[1]
	assert.Equal(t, "1.2.2", img.ID)
	assert.Equal(t, "logo@example", img.ContentID)
	assert.True(t, img.Inline, "referenced from the HTML by cid")
	assert.Equal(t, "image/png", img.ContentType)
	assert.Equal(t, "2", pdf.ID)
	assert.Equal(t, "résumé.pdf", pdf.Filename)
	assert.False(t, pdf.Inline)
	content, ok := p.Content("2")
	require.True(t, ok)
	assert.Equal(t, "%PDF-1.4\n", string(content))
	_, ok = p.Content("9")
	assert.False(t, ok)
}

func TestParse_SnippetFromHTML(t *testing.T) {
	body := "<html><head><title>T</title><style>p{color:red}</style></head><body>" +
		"<p>Hello&nbsp;&amp;   welcome</p><script>alert(1)</script><div>" +
		strings.Repeat("word ", 100) + "</div></body></html>"
	p := mustParse(t, "Content-Type: text/html\n\n"+body)
	s := p.Message.Snippet
	assert.True(t, strings.HasPrefix(s, "Hello & welcome word word"), s)
	assert.NotContains(t, s, "alert")
	assert.NotContains(t, s, "color")
	assert.Equal(t, SnippetLength, utf8.RuneCountInString(s))
}

func TestParse_BodyIsCapped(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", (MaxBodySize/16)+4096)
	p := mustParse(t, "Content-Type: text/plain\n\n"+big)
	assert.Len(t, p.Message.Text, MaxBodySize)
}

// repeatReader yields n bytes of a repeated pattern without holding them.
type repeatReader struct {
	pattern []byte
	n       int64
	off     int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	for i := range p {
		p[i] = r.pattern[r.off]
		r.off = (r.off + 1) % len(r.pattern)
	}
	r.n -= int64(len(p))
	return len(p), nil
}

func TestParse_Limits(t *testing.T) {
	tests := []struct {
		name string
		r    io.Reader
	}{
		{
			name: "message over MaxMessageSize",
			r: io.MultiReader(strings.NewReader("Content-Type: text/plain\n\n"),
				&repeatReader{pattern: []byte("QUJD\n"), n: MaxMessageSize + 1}),
		},
		{
			name: "header over MaxHeaderSize",
			r: io.MultiReader(
				&repeatReader{pattern: []byte("X-Junk: 0123456789\n"), n: MaxHeaderSize + 1<<16},
				strings.NewReader("\nbody")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.r)
			assert.Nil(t, p)
			assert.ErrorIs(t, err, ErrTooLarge)
		})
	}
}

// failingReader returns its data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestParse_Errors(t *testing.T) {
	errBroken := errors.New("connection reset")
	tests := []struct {
		name   string
		r      io.Reader
		target error
	}{
		{name: "empty input", r: strings.NewReader("")},
		{name: "not a header", r: strings.NewReader("just some text\nwith lines\n")},
		{name: "blank first line", r: strings.NewReader("\nbody only")},
		{
			name:   "read error mid body",
			r:      &failingReader{data: []byte("Subject: x\n\nbody"), err: errBroken},
			target: errBroken,
		},
		{
			name:   "read error in header",
			r:      &failingReader{data: []byte("Subject: x\n"), err: errBroken},
			target: errBroken,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.r)
			require.Error(t, err)
			assert.Nil(t, p)
			assert.True(t, strings.HasPrefix(err.Error(), "mailmime: "), err.Error())
			if tt.target != nil {
				assert.ErrorIs(t, err, tt.target)
			}
		})
	}
}

func TestParse_HeaderFieldsKeptInOrder(t *testing.T) {
	p := mustParse(t, crlf("Subject: one\nX-Folded: a\n b\nSubject: two\n\nbody"))
	assert.Equal(t, []Field{
		{Name: "Subject", Value: "one"},
		{Name: "X-Folded", Value: "a b"},
		{Name: "Subject", Value: "two"},
	}, p.Header)
	assert.Equal(t, "one", p.Message.Subject)
}

func TestParse_HeaderFallsBackToBodyCharset(t *testing.T) {
	// Raw KOI8-R bytes in the subject, the charset named only for the body.
	raw := "Subject: \xf0\xd2\xc9\xd7\xc5\xd4\nContent-Type: text/plain; charset=koi8-r\n\n" +
		"\xf0\xd2\xc9\xd7\xc5\xd4"
	p := mustParse(t, raw)
	assert.Equal(t, "Привет", p.Message.Subject)
	assert.Equal(t, "Привет", p.Message.Text)
}

func TestParse_SubjectLineBreaksFoldedOut(t *testing.T) {
	p := mustParse(t, "Subject: =?utf-8?q?one=0D=0Atwo?=\n  three\n\nbody")
	assert.Equal(t, "one two three", p.Message.Subject)
}

func TestParse_CRLFAndLFGiveTheSameText(t *testing.T) {
	lf := "Content-Type: text/plain\n\nline one\nline two\n"
	a := mustParse(t, lf)
	b := mustParse(t, crlf(lf))
	assert.Equal(t, "line one\nline two\n", a.Message.Text)
	assert.Equal(t, a.Message.Text, b.Message.Text)
	assert.True(t, bytes.Equal([]byte(a.Message.Snippet), []byte(b.Message.Snippet)))
}

func TestParse_PartHeadersAreBounded(t *testing.T) {
	t.Run("long part header is cut", func(t *testing.T) {
		junk := strings.Repeat("X-Junk: 0123456789\n", 5000) // about 95 KiB
		raw := "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n" +
			junk + "\nreal body\n--b\nContent-Type: text/plain\n\nsecond part\n--b--\n"
		p := mustParse(t, raw)
		assert.Contains(t, p.Message.Text, "real body")
		assert.Contains(t, p.Message.Text, "X-Junk: 0123456789", "the cut rest is body")
		assert.Contains(t, p.Message.Text, "second part")
	})
	t.Run("many ordinary parts keep their headers", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("Content-Type: multipart/mixed; boundary=b\n\n")
		for i := 0; i < 900; i++ {
			fmt.Fprintf(&b, "--b\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n"+
				"Content-Disposition: attachment; filename=\"f%d.png\"\n"+
				"Content-ID: <f%d@x>\nX-Attachment-Id: f_%d\n\niVBORw0KGgo=\n", i, i, i)
		}
		b.WriteString("--b--\n")
		p := mustParse(t, b.String())
		require.Len(t, p.Message.Attachments, 900)
		last := p.Message.Attachments[899]
		assert.Equal(t, "f899.png", last.Filename)
		assert.Equal(t, "image/png", last.ContentType)
		assert.Equal(t, int64(8), last.Size)
	})
	t.Run("header line flood stays cheap", func(t *testing.T) {
		const flood = 8 << 20
		r := io.MultiReader(
			strings.NewReader("Content-Type: multipart/mixed; boundary=b\n\n--b\n"),
			&repeatReader{pattern: []byte("a:\n"), n: flood},
			strings.NewReader("\nbody\n--b--\n"))
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := Parse(r)
		runtime.ReadMemStats(&after)
		require.NoError(t, err)
		allocated := after.TotalAlloc - before.TotalAlloc
		t.Logf("parsing %d MiB of header lines allocated %d MiB", flood>>20, allocated>>20)
		// Unbounded, go-message spent about 180 bytes per input byte here.
		assert.Less(t, allocated, uint64(16*flood))
	})
}
