package mailmime

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mailmanager/mailmanager"
)

func FuzzParse(f *testing.F) {
	// Seeds are small messages shaped like the corpus: nested multiparts,
	// odd charsets, encoded words, RFC 2231 names, broken encodings.
	seeds := []string{
		"From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n",
		"Subject: =?ISO-8859-1?Q?Eelanal=FC=FCsi?=\nContent-Type: text/plain; charset=shift_jis\n" +
			"Content-Transfer-Encoding: 8bit\n\n\x82\xa0\x82\xa2\n",
		"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/alternative; " +
			"boundary=c\n\n--c\nContent-Type: text/plain\n\nt\n--c\nContent-Type: text/html\n\n" +
			"<p>h <img src=cid:x></p>\n--c--\n--b\nContent-Type: image/png\nContent-ID: <x>\n" +
			"Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--b\nContent-Disposition: " +
			"attachment; filename*0*=utf-8''%E3%81%8B; filename*1*=%E3%81%8D.txt\n\nx\n--b--\n",
		"Content-Type: text/plain; charset=utf-16\nContent-Transfer-Encoding: base64\n\n//5BAEIA\n",
		"Content-Type: message/rfc822\n\nFrom x Mon\nSubject: inner\n\ninner body\n",
		"To: A Group:Chris <c@a.test>,joe@where.test;, (c) <x@y>\nDate: Thu,\n 13 Feb 1969 23:32 " +
			"-0330\nReferences: <a@b> <c@d\n\n=?x?q?=ZZ?=",
		"Content-Type: multipart/related; boundary=\"a b\"\n\n--a b\n\n--a b--",
		"Content-Type: text/html; charset=iso-2022-jp\nContent-Transfer-Encoding: quoted-printable\n" +
			"\n=1B$B$3$s=1B(B =\n=XX",
		"From x\nFrom  : y <z@w>\n\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(bytes.NewReader(data))
		if err != nil {
			if p != nil {
				t.Fatalf("Parse returned a message with error %v", err)
			}
			return
		}
		checkUTF8(t, p)
	})
}

// checkUTF8 fails t if any string of p is not valid UTF-8 or a subject
// keeps a line break.
func checkUTF8(t *testing.T, p *Parsed) {
	t.Helper()
	m := p.Message
	strs := []string{m.Text, m.HTML, m.Subject, m.Snippet, m.MessageID, m.InReplyTo}
	strs = append(strs, m.References...)
	addrs := append(append(append(append([]mailmanager.Address(nil), m.To...), m.Cc...),
		m.Bcc...), m.ReplyTo...)
	if m.From != nil {
		addrs = append(addrs, *m.From)
	}
	for _, a := range addrs {
		strs = append(strs, a.Name, a.Email)
	}
	for _, a := range m.Attachments {
		strs = append(strs, a.ID, a.Filename, a.ContentType, a.ContentID)
		if c, ok := p.Content(a.ID); !ok || int64(len(c)) != a.Size {
			t.Fatalf("attachment %q: content %v, size %d", a.ID, ok, a.Size)
		}
	}
	for _, s := range strs {
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8: %q", s)
		}
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Fatalf("line break in subject %q", m.Subject)
	}
}

// usable reports whether s can go into a header field: valid UTF-8 without
// line breaks or NUL.
func usable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsAny(s, "\r\n\x00")
}

func FuzzWriteParse(f *testing.F) {
	f.Add("Quarterly report", "Jane Doe", "report.pdf", "Hello\nthere\n")
	f.Add("Réunion à Zürich", `Doe, "Jane"`, "résumé (final).pdf", "Grüße")
	f.Add("=?utf-8?q?not_a_word?=", "=?x?=", "=?utf-8?b?eA==?=.txt", "=3D trailing   \n")
	f.Add("会議の議事録について"+strings.Repeat("x", 1000), "山田\t太郎", "議事録.txt", "")
	f.Fuzz(func(t *testing.T, subject, name, filename, text string) {
		if !usable(subject) || !usable(name) || !usable(filename) || !utf8.ValidString(text) ||
			strings.ContainsRune(text, '\r') || strings.ContainsAny(filename, `/\`) {
			t.Skip()
		}
		d := &Draft{
			From:    mailmanager.Address{Name: name, Email: "from@example.com"},
			To:      []mailmanager.Address{{Email: "to@example.com"}},
			Subject: subject,
			Text:    text,
			Attachments: []mailmanager.OutgoingAttachment{
				{Filename: filename, Content: strings.NewReader("content")},
			},
		}
		var buf bytes.Buffer
		if err := Write(&buf, d); err != nil {
			t.Fatalf("Write: %v", err)
		}
		p, err := Parse(&buf)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		checkUTF8(t, p)
		m := p.Message

		// Header folding may merge blanks, and both ends are trimmed.
		same := func(a, b string) bool {
			return strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ")
		}
		if !same(m.Subject, subject) {
			t.Errorf("subject %q, want %q", m.Subject, subject)
		}
		wantName := strings.TrimSpace(name)
		if strings.EqualFold(wantName, "from@example.com") {
			wantName = ""
		}
		if m.From == nil || !same(m.From.Name, wantName) {
			t.Errorf("from %v, want name %q", m.From, wantName)
		}
		if m.Text != text {
			t.Errorf("text %q, want %q", m.Text, text)
		}
		if len(m.Attachments) != 1 {
			t.Fatalf("%d attachments", len(m.Attachments))
		}
		wantFile := strings.TrimSpace(strings.Map(func(r rune) rune {
			if r < ' ' || r == 0x7f {
				return -1
			}
			return r
		}, filename))
		if wantFile == "." || wantFile == ".." {
			wantFile = ""
		}
		if got := m.Attachments[0].Filename; !same(got, wantFile) {
			t.Errorf("file name %q, want %q", got, wantFile)
		}
	})
}
