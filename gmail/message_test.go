package gmail_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/japanese"

	"github.com/mailmanager/mailmanager"
)

// wrap76 base64-encodes b in lines of 76 characters.
func wrap76(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(s) > 76 {
		out.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	out.WriteString(s)
	return out.String()
}

// richMessage returns a multipart message with bodies in two charsets, an
// inline image and an attachment with an RFC 2231 file name.
func richMessage(t *testing.T, png, pdf []byte) string {
	t.Helper()
	sjis, err := japanese.ShiftJIS.NewEncoder().String(
		`<p>日本語のメニュー</p><img src="cid:logo@example.org">`)
	require.NoError(t, err)
	return strings.Join([]string{
		"From: =?UTF-8?B?w4lsb2RpZSBEdXBvbnQ=?= <elodie@example.org>",
		`To: alice@example.com, "Bob B." <bob@example.net>`,
		"Cc: =?ISO-8859-1?Q?J=F6rg?= <jorg@example.de>",
		"Reply-To: Replies <replies@example.org>",
		"Subject: =?UTF-8?Q?Caf=C3=A9_menu_=E2=98=95?=",
		"Date: Tue, 03 Feb 2026 10:20:30 +0100",
		"Message-ID: <msg-1@example.org>",
		"In-Reply-To: <parent@example.org>",
		"References: <root@example.org> <parent@example.org>",
		"MIME-Version: 1.0",
		`Content-Type: multipart/mixed; boundary="mixed"`,
		"",
		"--mixed",
		`Content-Type: multipart/related; boundary="rel"`,
		"",
		"--rel",
		`Content-Type: multipart/alternative; boundary="alt"`,
		"",
		"--alt",
		"Content-Type: text/plain; charset=iso-8859-1",
		"Content-Transfer-Encoding: quoted-printable",
		"",
		"Men=FC du jour: caf=E9 cr=E8me, Tom's favourite",
		"--alt",
		"Content-Type: text/html; charset=Shift_JIS",
		"Content-Transfer-Encoding: base64",
		"",
		wrap76([]byte(sjis)),
		"--alt--",
		"--rel",
		"Content-Type: image/png",
		"Content-ID: <logo@example.org>",
		"Content-Disposition: inline",
		"Content-Transfer-Encoding: base64",
		"",
		wrap76(png),
		"--rel--",
		"--mixed",
		`Content-Type: application/pdf; name="report.pdf"`,
		"Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf",
		"Content-Transfer-Encoding: base64",
		"",
		wrap76(pdf),
		"--mixed--",
		"",
	}, "\r\n")
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

func TestMailbox_MessageFields(t *testing.T) {
	e := newEnv(t)
	png, pdf := randomBytes(t, 2000), randomBytes(t, 150_000)
	id := e.deliver(t, richMessage(t, png, pdf), "INBOX", "STARRED")
	stored, ok := e.fake.Message(alice, id)
	require.True(t, ok)

	m, err := e.mb.Message(context.Background(), id)
	require.NoError(t, err)

	assert.Equal(t, id, m.ID)
	assert.Equal(t, stored.ThreadID, m.ThreadID)
	assert.Equal(t, "msg-1@example.org", m.MessageID)
	assert.Equal(t, "parent@example.org", m.InReplyTo)
	assert.Equal(t, []string{"root@example.org", "parent@example.org"}, m.References)
	require.NotNil(t, m.From)
	assert.Equal(t, mailmanager.Address{Name: "Élodie Dupont", Email: "elodie@example.org"}, *m.From)
	assert.Equal(t, []mailmanager.Address{
		{Email: "alice@example.com"}, {Name: "Bob B.", Email: "bob@example.net"},
	}, m.To)
	assert.Equal(t, []mailmanager.Address{{Name: "Jörg", Email: "jorg@example.de"}}, m.Cc)
	assert.Equal(t, []mailmanager.Address{{Name: "Replies", Email: "replies@example.org"}},
		m.ReplyTo)
	assert.Equal(t, "Café menu ☕", m.Subject)
	assert.True(t, m.Date.Equal(time.Date(2026, 2, 3, 9, 20, 30, 0, time.UTC)), m.Date)
	assert.True(t, m.Received.Equal(stored.InternalDate), m.Received)

	assert.Equal(t, "Menü du jour: café crème, Tom's favourite", strings.TrimSpace(m.Text))
	assert.Contains(t, m.HTML, "日本語のメニュー")
	assert.Contains(t, m.Snippet, "Tom's", "snippet is HTML-unescaped")

	assert.ElementsMatch(t, []string{"INBOX", "STARRED"}, m.Labels)
	assert.True(t, m.Read)
	assert.True(t, m.Starred)
	assert.Empty(t, m.Folder)

	require.Len(t, m.Attachments, 2)
	img, doc := m.Attachments[0], m.Attachments[1]
	assert.Equal(t, "image/png", img.ContentType)
	assert.True(t, img.Inline)
	assert.Equal(t, "logo@example.org", img.ContentID)
	assert.Equal(t, int64(len(png)), img.Size)
	assert.NotEmpty(t, img.ID)
	assert.Equal(t, "résumé.pdf", doc.Filename)
	assert.Equal(t, "application/pdf", doc.ContentType)
	assert.False(t, doc.Inline)
	assert.Empty(t, doc.ContentID)
	assert.Equal(t, int64(len(pdf)), doc.Size)

	for _, a := range m.Attachments {
		rc, err := e.mb.Attachment(context.Background(), id, a.ID)
		require.NoError(t, err)
		got, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
		if a.ContentType == "image/png" {
			assert.Equal(t, png, got)
		} else {
			assert.Equal(t, pdf, got)
		}
	}
}

func TestMailbox_MessageDefaults(t *testing.T) {
	e := newEnv(t)
	raw := "From: bob@example.org\r\nTo: alice@example.com\r\nSubject: no date\r\n\r\nbody\r\n"
	id := e.deliver(t, raw)
	stored, ok := e.fake.Message(alice, id)
	require.True(t, ok)

	m, err := e.mb.Message(context.Background(), id)
	require.NoError(t, err)
	assert.True(t, m.Date.Equal(stored.InternalDate), "date falls back to internal date")
	assert.False(t, m.Read, "UNREAD label")
	assert.False(t, m.Starred)
	assert.Empty(t, m.HTML)
	assert.Equal(t, "body", strings.TrimSpace(m.Text))
	assert.Empty(t, m.Attachments)
}

func TestMailbox_MessageNotFound(t *testing.T) {
	e := newEnv(t)
	_, err := e.mb.Message(context.Background(), "0123456789abcdef")
	require.ErrorIs(t, err, mailmanager.ErrNotFound)
	var ae *mailmanager.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "messages.get", ae.Op)
}

func TestMailbox_AttachmentStreamsByteEqual(t *testing.T) {
	e := newEnv(t)
	content := randomBytes(t, 700_001) // not a multiple of 3
	id := e.deliver(t, richMessage(t, []byte("tiny"), content))
	m, err := e.mb.Message(context.Background(), id)
	require.NoError(t, err)
	require.Len(t, m.Attachments, 2)

	rc, err := e.mb.Attachment(context.Background(), id, m.Attachments[1].ID)
	require.NoError(t, err)
	defer rc.Close()
	var got []byte
	buf := make([]byte, 4093)
	for {
		n, err := rc.Read(buf)
		got = append(got, buf[:n]...)
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
	}
	assert.Equal(t, content, got)

	_, err = e.mb.Attachment(context.Background(), id, "no-such-attachment")
	assert.Error(t, err)
}

func TestMailbox_ConvertsCorpus(t *testing.T) {
	const dir = "../../shared/corpus"
	e := newEnv(t)
	n, err := e.fake.SeedDir(alice, dir)
	if err != nil || n == 0 {
		t.Skipf("corpus %s not available: %v", dir, err)
	}

	pages, err := syncAll(t, e.mb, "", mailmanager.SyncOptions{})
	require.NoError(t, err)
	got := ids(pages...)
	assert.Len(t, got, n, "every seeded message comes through")

	valid := func(what, s string) {
		assert.True(t, utf8.ValidString(s), "%s is not valid UTF-8: %q", what, s)
	}
	for _, p := range pages {
		for _, m := range p.Messages {
			valid(m.ID+" subject", m.Subject)
			valid(m.ID+" text", m.Text)
			valid(m.ID+" html", m.HTML)
			valid(m.ID+" snippet", m.Snippet)
			for _, list := range [][]mailmanager.Address{m.To, m.Cc, m.ReplyTo} {
				for _, a := range list {
					valid(m.ID+" name", a.Name)
				}
			}
			if m.From != nil {
				valid(m.ID+" from", m.From.Name)
			}
			for _, a := range m.Attachments {
				valid(m.ID+" filename", a.Filename)
			}
		}
	}
	t.Logf("corpus: %d messages synced", len(got))
}
