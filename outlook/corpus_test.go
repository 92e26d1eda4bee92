package outlook_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/outlook"
)

func TestMailbox_SyncsCorpus(t *testing.T) {
	const dir = "../../shared/corpus"
	e := newEnv(t, outlook.Config{})
	n, err := e.fake.SeedDir(ada, dir)
	if err != nil || n == 0 {
		t.Skipf("corpus %s not available: %v", dir, err)
	}

	r := e.mustSync("", mailmanager.SyncOptions{})

	assert.Len(t, r.messages(), n, "every seeded message comes through")
	valid := func(what, s string) {
		assert.True(t, utf8.ValidString(s), "%s is not valid UTF-8: %q", what, s)
	}
	for _, p := range r.pages {
		for _, m := range p.Messages {
			valid(m.ID+" subject", m.Subject)
			valid(m.ID+" text", m.Text)
			valid(m.ID+" html", m.HTML)
			for _, list := range [][]mailmanager.Address{m.To, m.Cc, m.ReplyTo} {
				for _, a := range list {
					valid(m.ID+" name", a.Name)
				}
			}
			for _, a := range m.Attachments {
				valid(m.ID+" filename", a.Filename)
			}
		}
	}
}

func TestMailbox_SendRoundTripsScripts(t *testing.T) {
	cases := []struct{ name, subject, display, file string }{
		{"latin", "Réunion à 14h — ça marche", "Zoë Ä. Müller", "résumé.pdf"},
		{"cyrillic", "Отчёт за квартал", "Пётр Ильич", "отчёт.txt"},
		{"japanese", "会議の議事録について", "山田 太郎", "議事録.txt"},
		{"arabic", "تقرير الربع الأول", "ليلى", "تقرير.txt"},
		{"emoji", "Launch 🚀 today", "Ada 🐙", "notes-✅.txt"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, outlook.Config{})
			ctx := context.Background()
			payload := bytes.Repeat([]byte{0, 1, 2, 253, 254, 255}, 1000)

			_, err := e.mb.Send(ctx, &mailmanager.Outgoing{
				To:      []mailmanager.Address{{Name: tc.display, Email: ada}},
				Subject: tc.subject,
				Text:    "Body: " + tc.subject,
				Attachments: []mailmanager.OutgoingAttachment{{
					Filename: tc.file, ContentType: "application/octet-stream", Content: bytes.NewReader(payload),
				}},
			})
			require.NoError(t, err)

			var got *mailmanager.Message
			for _, p := range e.mustSync("", mailmanager.SyncOptions{}).pages {
				for _, m := range p.Messages {
					if m.Subject == tc.subject && len(m.Attachments) == 1 {
						got = m
					}
				}
			}
			require.NotNil(t, got, "the sent message arrives with its subject intact")
			require.Len(t, got.To, 1)
			assert.Equal(t, tc.display, got.To[0].Name)
			assert.Contains(t, got.Text+got.HTML, tc.subject)
			assert.Equal(t, tc.file, got.Attachments[0].Filename)
			rc, err := e.mb.Attachment(ctx, got.ID, got.Attachments[0].ID)
			require.NoError(t, err)
			b, err := io.ReadAll(rc)
			rc.Close()
			require.NoError(t, err)
			assert.Equal(t, payload, b, "attachment bytes come back equal")
		})
	}
}
