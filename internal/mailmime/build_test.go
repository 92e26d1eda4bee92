package mailmime

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mailmanager/mailmanager"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeDraft writes d and returns the message text.
func writeDraft(t *testing.T, d *Draft) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, d))
	return buf.String()
}

// parseWritten parses a message Write produced.
func parseWritten(t *testing.T, raw string) *Parsed {
	t.Helper()
	p, err := Parse(strings.NewReader(raw))
	require.NoError(t, err)
	assertValidUTF8(t, p)
	return p
}

func TestWrite_RoundTripScripts(t *testing.T) {
	tests := []struct {
		script  string
		subject string
		name    string
		text    string
	}{
		{"ASCII", "Quarterly report", "Jane Doe", "Hello there."},
		{"ASCII specials", `Re: "quotes" (and) <brackets>, =?not encoded?=`,
			`Doe, Jane "JD" (R&D)`, "a = b\n"},
		{"Latin accents", "Réunion à Zürich: ÇA VA?", "Jöhn Müller, Dr.", "Grüße, François"},
		{"Cyrillic", "Привет, мир! Отчёт за квартал", "Иван Петров", "Добрый день"},
		{"Japanese", "会議の議事録について（第三四半期）", "山田 太郎", "よろしくお願いします。"},
		{"Arabic", "مرحبا بالعالم — تقرير", "محمد علي", "شكرا لكم"},
		{"emoji", "Launch 🚀 party 🎉🎉", "Party 🦄 Bot", "See you 👋"},
		{"long", strings.Repeat("Très long sujet ", 40), strings.Repeat("Name ", 30) + "ü",
			strings.Repeat("line of text\n", 500)},
		{"long ASCII word", strings.Repeat("x", 1500), "n", "t"},
	}
	for _, tt := range tests {
		t.Run(tt.script, func(t *testing.T) {
			d := &Draft{
				From:    mailmanager.Address{Name: tt.name, Email: "from@example.com"},
				To:      []mailmanager.Address{{Name: tt.name + " 2", Email: "to@example.org"}},
				Cc:      []mailmanager.Address{{Email: "cc@example.net"}},
				ReplyTo: []mailmanager.Address{{Name: tt.name, Email: "reply@example.com"}},
				Subject: tt.subject,
				Text:    tt.text,
			}
			raw := writeDraft(t, d)
			assertLineLengths(t, raw)
			m := parseWritten(t, raw).Message

			assert.Equal(t, strings.TrimSpace(tt.subject), m.Subject)
			require.NotNil(t, m.From)
			assert.Equal(t, strings.TrimSpace(tt.name), m.From.Name)
			assert.Equal(t, "from@example.com", m.From.Email)
			require.Len(t, m.To, 1)
			assert.Equal(t, strings.TrimSpace(tt.name)+" 2", m.To[0].Name)
			assert.Equal(t, []mailmanager.Address{{Email: "cc@example.net"}}, m.Cc)
			assert.Equal(t, d.ReplyTo[0].Email, m.ReplyTo[0].Email)
			assert.Equal(t, tt.text, m.Text)
		})
	}
}

// assertLineLengths checks CRLF line ends and the RFC 5322 line limit.
func assertLineLengths(t *testing.T, raw string) {
	t.Helper()
	for i, line := range strings.Split(raw, "\r\n") {
		assert.LessOrEqual(t, len(line), 998, "line %d", i+1)
		assert.NotContains(t, line, "\n", "bare LF in line %d", i+1)
		assert.NotContains(t, line, "\r", "bare CR in line %d", i+1)
	}
}

func TestWrite_RoundTripFull(t *testing.T) {
	binary := make([]byte, 100_000)
	_, err := rand.Read(binary)
	require.NoError(t, err)
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR fake image bytes \x00\xff")
	date := time.Date(2024, 3, 9, 14, 5, 0, 0, time.FixedZone("", 3600))

	d := &Draft{
		From:       mailmanager.Address{Name: "Zoë Ångström", Email: "zoe@example.com"},
		To:         []mailmanager.Address{{Name: "Bob", Email: "bob@example.com"}},
		Bcc:        []mailmanager.Address{{Email: "hidden@example.com"}},
		Subject:    "Report – Q3 ✓",
		Date:       date,
		MessageID:  "abc123@example.com",
		InReplyTo:  "parent@example.org",
		References: []string{"root@example.org", "parent@example.org"},
		Text:       "Plain text\nwith two lines and trailing spaces   \n",
		HTML:       `<p>HTML body <img src="cid:logo@example.com"></p>`,
		Attachments: []mailmanager.OutgoingAttachment{
			{Filename: "data.bin", ContentType: "application/octet-stream",
				Content: bytes.NewReader(binary)},
			{Filename: "Лист бюджета 2024 — итоговый вариант для совета директоров.xlsx",
				Content: strings.NewReader("spreadsheet")},
			{Filename: "logo.png", ContentType: "image/png", ContentID: "logo@example.com",
				Content: bytes.NewReader(png)},
		},
		IncludeBcc: true,
	}
	raw := writeDraft(t, d)
	assertLineLengths(t, raw)
	p := parseWritten(t, raw)
	m := p.Message

	assert.Equal(t, d.Subject, m.Subject)
	assert.Equal(t, "Zoë Ångström", m.From.Name)
	assert.Equal(t, []mailmanager.Address{{Email: "hidden@example.com"}}, m.Bcc)
	assert.True(t, date.Equal(m.Date))
	assert.Equal(t, "abc123@example.com", m.MessageID)
	assert.Equal(t, "parent@example.org", m.InReplyTo)
	assert.Equal(t, d.References, m.References)
	assert.Equal(t, d.Text, m.Text)
	assert.Equal(t, d.HTML, m.HTML)

	require.Len(t, m.Attachments, 3)
	byName := map[string]mailmanager.Attachment{}
	for _, a := range m.Attachments {
		byName[a.Filename] = a
	}
	want := map[string][]byte{
		"data.bin": binary,
		"Лист бюджета 2024 — итоговый вариант для совета директоров.xlsx": []byte("spreadsheet"),
		"logo.png": png,
	}
	for name, content := range want {
		a, ok := byName[name]
		require.True(t, ok, "attachment %q missing", name)
		got, ok := p.Content(a.ID)
		require.True(t, ok)
		assert.Equal(t, content, got, "content of %q", name)
		assert.Equal(t, int64(len(content)), a.Size)
	}
	logo := byName["logo.png"]
	assert.Equal(t, "logo@example.com", logo.ContentID)
	assert.True(t, logo.Inline)
	assert.Equal(t, "image/png", logo.ContentType)
	assert.False(t, byName["data.bin"].Inline)
	assert.Equal(t, "application/octet-stream", byName["data.bin"].ContentType)
}

func TestWrite_Structure(t *testing.T) {
	img := func() mailmanager.OutgoingAttachment {
		return mailmanager.OutgoingAttachment{Filename: "i.png", ContentType: "image/png",
			ContentID: "i@x", Content: strings.NewReader("img")}
	}
	file := func() mailmanager.OutgoingAttachment {
		return mailmanager.OutgoingAttachment{Filename: "f.txt",
			Content: strings.NewReader("file")}
	}
	tests := []struct {
		name  string
		draft Draft
		// types lists the Content-Type media types in order of appearance.
		types []string
	}{
		{"text only", Draft{Text: "t"}, []string{"text/plain"}},
		{"nothing", Draft{}, []string{"text/plain"}},
		{"html only", Draft{HTML: "<p>h</p>"}, []string{"text/html"}},
		{"text and html", Draft{Text: "t", HTML: "<p>h</p>"},
			[]string{"multipart/alternative", "text/plain", "text/html"}},
		{"inline image", Draft{Text: "t", HTML: "<img src=cid:i@x>",
			Attachments: []mailmanager.OutgoingAttachment{img()}},
			[]string{"multipart/alternative", "text/plain", "multipart/related",
				"text/html", "image/png"}},
		{"attachment", Draft{Text: "t", Attachments: []mailmanager.OutgoingAttachment{file()}},
			[]string{"multipart/mixed", "text/plain", "text/plain"}},
		{"everything", Draft{Text: "t", HTML: "<img src=cid:i@x>",
			Attachments: []mailmanager.OutgoingAttachment{file(), img()}},
			[]string{"multipart/mixed", "multipart/alternative", "text/plain",
				"multipart/related", "text/html", "image/png", "text/plain"}},
		{"content ID without HTML", Draft{Text: "t",
			Attachments: []mailmanager.OutgoingAttachment{img()}},
			[]string{"multipart/mixed", "text/plain", "image/png"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := writeDraft(t, &tt.draft)
			var types []string
			for _, line := range strings.Split(raw, "\r\n") {
				if v, ok := strings.CutPrefix(line, "Content-Type: "); ok {
					types = append(types, strings.TrimSuffix(strings.SplitN(v, ";", 2)[0], ";"))
				}
			}
			assert.Equal(t, tt.types, types)
			assert.Contains(t, raw, "Mime-Version: 1.0\r\n")
		})
	}
}

func TestWrite_Encodings(t *testing.T) {
	d := &Draft{
		From:    mailmanager.Address{Name: "Jöhn Smith-Jones", Email: "j@example.com"},
		To:      []mailmanager.Address{{Name: "Jöhn", Email: "k@example.com"}},
		Subject: "Café at noon tomorrow",
		Cc:      []mailmanager.Address{{Name: "Grüße", Email: "g@example.com"}},
		Text:    "Grüße\n",
		Attachments: []mailmanager.OutgoingAttachment{{
			Filename: "résumé.pdf", ContentType: "application/pdf",
			Content: bytes.NewReader(bytes.Repeat([]byte{0xff, 0x00, 0x7f}, 200)),
		}},
	}
	raw := writeDraft(t, d)
	// Q for mostly ASCII, B when that is shorter or specials would need it.
	assert.Contains(t, raw, "Subject: =?utf-8?q?Caf=C3=A9_at_noon_tomorrow?=\r\n")
	assert.Contains(t, raw, "From: =?utf-8?q?J=C3=B6hn_Smith-Jones?= <j@example.com>\r\n")
	assert.Contains(t, raw, "To: =?utf-8?b?SsO2aG4=?= <k@example.com>\r\n")
	assert.Contains(t, raw, "Cc: =?utf-8?b?R3LDvMOfZQ==?= <g@example.com>\r\n")
	assert.Contains(t, raw, "Content-Transfer-Encoding: quoted-printable\r\n")
	assert.Contains(t, raw, "Gr=C3=BC=C3=9Fe\r\n")
	assert.Contains(t, raw, "filename*=utf-8''r%C3%A9sum%C3%A9.pdf")
	assert.NotContains(t, raw, "Bcc:")

	// Base64 lines of attachments are 76 columns.
	_, after, ok := strings.Cut(raw, "Content-Transfer-Encoding: base64\r\n")
	require.True(t, ok)
	_, body, _ := strings.Cut(after, "\r\n\r\n")
	lines := strings.Split(body, "\r\n")
	require.Greater(t, len(lines), 2)
	assert.Len(t, lines[0], 76)
	assert.Len(t, lines[1], 76)
}

func TestWrite_LongNonASCIIFilenameUsesContinuations(t *testing.T) {
	name := strings.Repeat("かきくけこ", 12) + ".txt"
	raw := writeDraft(t, &Draft{Text: "t", Attachments: []mailmanager.OutgoingAttachment{
		{Filename: name, Content: strings.NewReader("x")},
	}})
	assert.Contains(t, raw, "filename*0*=utf-8''")
	assert.Contains(t, raw, "filename*1*=")
	assertLineLengths(t, raw)
	p := parseWritten(t, raw)
	require.Len(t, p.Message.Attachments, 1)
	assert.Equal(t, name, p.Message.Attachments[0].Filename)
}

func TestWrite_RefusesInvalidHeaders(t *testing.T) {
	ok := func() *Draft {
		return &Draft{
			From:       mailmanager.Address{Name: "F", Email: "f@example.com"},
			To:         []mailmanager.Address{{Name: "T", Email: "t@example.com"}},
			Subject:    "s",
			MessageID:  "m@example.com",
			References: []string{"r@example.com"},
			Text:       "body",
			HTML:       "<p>body</p>",
			Attachments: []mailmanager.OutgoingAttachment{{
				Filename: "a.txt", ContentType: "text/plain", ContentID: "c@example.com",
				Content: strings.NewReader("a"),
			}},
		}
	}
	att := func(d *Draft) *mailmanager.OutgoingAttachment { return &d.Attachments[0] }
	tests := []struct {
		name   string
		mutate func(d *Draft)
		header string // what the error names
	}{
		{"subject CRLF", func(d *Draft) { d.Subject = "hi\r\nBcc: evil@example.com" }, "Subject"},
		{"subject LF", func(d *Draft) { d.Subject = "hi\nX: y" }, "Subject"},
		{"subject CR", func(d *Draft) { d.Subject = "hi\rX: y" }, "Subject"},
		{"subject NUL", func(d *Draft) { d.Subject = "hi\x00" }, "Subject"},
		{"from name", func(d *Draft) { d.From.Name = "F\r\nBcc: e@x" }, "From name"},
		{"from address", func(d *Draft) { d.From.Email = "f@example.com\r\nBcc: e@x" },
			"From address"},
		{"to name", func(d *Draft) { d.To[0].Name = "T\nX: y" }, "To name"},
		{"to address", func(d *Draft) { d.To[0].Email = "t@example.com\n" }, "To address"},
		{"cc name", func(d *Draft) {
			d.Cc = []mailmanager.Address{{Name: "C\r\n", Email: "c@example.com"}}
		}, "Cc name"},
		{"bcc address", func(d *Draft) {
			d.Bcc = []mailmanager.Address{{Email: "b@example.com\r\nX: y"}}
		}, "Bcc address"},
		{"reply-to name", func(d *Draft) {
			d.ReplyTo = []mailmanager.Address{{Name: "\n", Email: "r@example.com"}}
		}, "Reply-To name"},
		{"message ID", func(d *Draft) { d.MessageID = "m@x\r\nBcc: e@x" }, "Message-ID"},
		{"in-reply-to", func(d *Draft) { d.InReplyTo = "p@x\n" }, "In-Reply-To"},
		{"references", func(d *Draft) { d.References = []string{"a@x", "b@x\r\n"} }, "References"},
		{"filename", func(d *Draft) { att(d).Filename = "a.txt\r\nX: y" }, "file name"},
		{"content ID", func(d *Draft) { att(d).ContentID = "c@x\r\nX: y" }, "content ID"},
		{"content type", func(d *Draft) { att(d).ContentType = "text/plain\r\nX: y" },
			"content type"},
		{"content type param", func(d *Draft) {
			att(d).ContentType = "text/plain; x=\"a\r\n b\""
		}, "content type"},
		{"address not addr-spec", func(d *Draft) { d.To[0].Email = "not an address" }, "To"},
		{"address with name part", func(d *Draft) { d.To[0].Email = "X <t@example.com>" }, "To"},
		{"empty address", func(d *Draft) { d.To[0].Email = "" }, "To"},
		{"overlong address", func(d *Draft) {
			d.To[0].Email = strings.Repeat("a", 250) + "@example.com"
		}, "To"},
		{"overlong content type", func(d *Draft) {
			att(d).ContentType = "text/plain; x=" + strings.Repeat("y", 300)
		}, "content type"},
		{"name without address", func(d *Draft) { d.From.Email = "" }, "From"},
		{"message ID with blank", func(d *Draft) { d.MessageID = "a b@x" }, "Message-ID"},
		{"message ID with bracket", func(d *Draft) { d.MessageID = "<m@x>" }, "Message-ID"},
		{"content type not a type", func(d *Draft) { att(d).ContentType = "nonsense" },
			"content type"},
		{"multipart content type", func(d *Draft) { att(d).ContentType = "multipart/mixed" },
			"content type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ok()
			tt.mutate(d)
			var buf bytes.Buffer
			err := Write(&buf, d)
			require.Error(t, err)
			assert.ErrorIs(t, err, mailmanager.ErrInvalidHeader)
			assert.Contains(t, err.Error(), tt.header)
			assert.NotContains(t, err.Error(), "evil", "the error must not carry the value")
			assert.Zero(t, buf.Len(), "nothing may be written")
		})
	}

	t.Run("valid draft is written", func(t *testing.T) {
		assert.NotEmpty(t, writeDraft(t, ok()))
	})
}

func TestWrite_AttachmentErrors(t *testing.T) {
	errRead := errors.New("disk gone")
	t.Run("nil content", func(t *testing.T) {
		var buf bytes.Buffer
		err := Write(&buf, &Draft{Attachments: []mailmanager.OutgoingAttachment{{Filename: "a"}}})
		require.Error(t, err)
		assert.Zero(t, buf.Len())
	})
	t.Run("read error", func(t *testing.T) {
		err := Write(io.Discard, &Draft{Attachments: []mailmanager.OutgoingAttachment{
			{Filename: "a", Content: &failingReader{data: []byte("abc"), err: errRead}},
		}})
		assert.ErrorIs(t, err, errRead)
	})
}

func TestWrite_StreamsAttachments(t *testing.T) {
	const size = 48 << 20
	src := &heapWatcher{r: &repeatReader{pattern: []byte("0123456789abcdefghij"), n: size}}
	d := &Draft{Text: "t", Attachments: []mailmanager.OutgoingAttachment{
		{Filename: "big.bin", Content: src},
	}}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var counter countingWriter
	require.NoError(t, Write(&counter, d))

	assert.Greater(t, counter.n, int64(size*4/3))
	growth := int64(src.peak) - int64(before.HeapAlloc)
	t.Logf("heap growth while writing %d MiB: %d bytes", size>>20, growth)
	assert.Less(t, growth, int64(16<<20),
		"heap grew by %d bytes while writing a %d MiB attachment", growth, size>>20)
}

// heapWatcher reads from r and samples the heap in use every MiB.
type heapWatcher struct {
	r    io.Reader
	read int
	peak uint64
}

func (h *heapWatcher) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if h.read/(1<<20) != (h.read+n)/(1<<20) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		h.peak = max(h.peak, ms.HeapAlloc)
	}
	h.read += n
	return n, err
}

// countingWriter counts and discards what is written to it.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

func TestCheckHeader(t *testing.T) {
	assert.NoError(t, CheckHeader("Subject", "fine\tvalue ü"))
	for _, bad := range []string{"a\rb", "a\nb", "a\x00b"} {
		err := CheckHeader("Subject", bad)
		assert.ErrorIs(t, err, mailmanager.ErrInvalidHeader)
		assert.Contains(t, err.Error(), "Subject")
	}
}

func TestNewMessageID(t *testing.T) {
	tests := []struct{ domain, wantDomain string }{
		{"example.com", "example.com"},
		{"Example.COM", "example.com"},
		{"bücher.de", "xn--bcher-kva.de"},
		{"", "localhost"},
		{"bad domain\r\n", "localhost"},
		{"a<b>", "localhost"},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			id := mailmanager.NewMessageID(tt.domain)
			local, domain, ok := strings.Cut(id, "@")
			require.True(t, ok)
			assert.Len(t, local, 32)
			assert.Equal(t, tt.wantDomain, domain)
			assert.True(t, validMessageID(id))
		})
	}
	assert.NotEqual(t, mailmanager.NewMessageID("x"), mailmanager.NewMessageID("x"))
}

func TestCheckHeader_RefusesHugeValues(t *testing.T) {
	require.NoError(t, CheckHeader("Subject", strings.Repeat("a", MaxHeaderValue)))
	err := CheckHeader("Subject", strings.Repeat("a", MaxHeaderValue+1))
	require.ErrorIs(t, err, mailmanager.ErrInvalidHeader)
	assert.NotContains(t, err.Error(), "aaaa", "the value is not quoted")

	var out bytes.Buffer
	start := time.Now()
	err = Write(&out, &Draft{
		From:    mailmanager.Address{Email: "a@example.com"},
		To:      []mailmanager.Address{{Email: "b@example.com"}},
		Subject: strings.Repeat("long subject ", 400_000),
		Text:    "x",
	})
	require.ErrorIs(t, err, mailmanager.ErrInvalidHeader)
	assert.Zero(t, out.Len(), "nothing is written")
	assert.Less(t, time.Since(start), 5*time.Second, "refused before any folding")
}
