package gmail_test

import (
	"context"
	"encoding/base64"
	"net/mail"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
)

// addresses returns the lower-case addresses of a header of m.
func addresses(t *testing.T, m *sentMail, name string) []string {
	t.Helper()
	if m.header.Get(name) == "" {
		return nil
	}
	list, err := m.header.AddressList(name)
	require.NoError(t, err)
	var out []string
	for _, a := range list {
		out = append(out, strings.ToLower(a.Address))
	}
	return out
}

// lastSent returns the last message Alice sent, parsed.
func lastSent(t *testing.T, e *env) (*sentMail, []string) {
	t.Helper()
	sent := e.fake.Sent(alice)
	require.NotEmpty(t, sent)
	last := sent[len(sent)-1]
	return parseMail(t, last.Raw), last.Bcc
}

func TestMailbox_Send(t *testing.T) {
	e := newEnv(t)
	csv := "name,amount\nÉlodie,12\n"
	res, err := e.mb.Send(context.Background(), &mailmanager.Outgoing{
		To:      []mailmanager.Address{{Name: "Bob", Email: "bob@example.org"}},
		Cc:      []mailmanager.Address{{Email: "carol@example.org"}},
		Bcc:     []mailmanager.Address{{Email: "dave@example.org"}},
		ReplyTo: []mailmanager.Address{{Email: "replies@example.com"}},
		Subject: "Quarterly numbers — Q1",
		Text:    "Numbers attached.",
		HTML:    "<p>Numbers attached.</p>",
		Attachments: []mailmanager.OutgoingAttachment{{
			Filename: "numbers.csv", ContentType: "text/csv", Content: strings.NewReader(csv),
		}},
	})
	require.NoError(t, err)

	sent := e.fake.Sent(alice)
	require.Len(t, sent, 1)
	assert.Equal(t, sent[0].ID, res.ID)
	assert.Equal(t, sent[0].ThreadID, res.ThreadID)
	assert.Contains(t, sent[0].LabelIDs, "SENT")
	assert.Equal(t, []string{"dave@example.org"}, sent[0].Bcc, "Bcc reached Gmail in the raw")

	m := parseMail(t, sent[0].Raw)
	assert.Equal(t, []string{alice}, addresses(t, m, "From"))
	assert.Equal(t, []string{"bob@example.org"}, addresses(t, m, "To"))
	assert.Equal(t, []string{"carol@example.org"}, addresses(t, m, "Cc"))
	assert.Equal(t, []string{"replies@example.com"}, addresses(t, m, "Reply-To"))
	assert.Empty(t, m.header.Get("Bcc"), "Gmail strips Bcc from the stored copy")
	assert.Equal(t, "Quarterly numbers — Q1", decodeWords(t, m.header.Get("Subject")))
	require.NotEmpty(t, res.MessageID)
	assert.Equal(t, "<"+res.MessageID+">", m.header.Get("Message-Id"))
	assert.Empty(t, m.header.Get("In-Reply-To"))
	_, err = mail.ParseDate(m.header.Get("Date"))
	assert.NoError(t, err)

	require.NotNil(t, m.part("text/plain"))
	assert.Equal(t, "Numbers attached.", strings.TrimSpace(string(m.part("text/plain").body)))
	require.NotNil(t, m.part("text/html"))
	require.NotNil(t, m.part("text/csv"))
	assert.Equal(t, csv, string(m.part("text/csv").body))

	assert.Empty(t, e.rec.requests("/upload/"), "a small message goes as raw JSON")
}

func TestMailbox_SendLargeUsesMediaUpload(t *testing.T) {
	e := newEnv(t)
	big := randomBytes(t, 6<<20)
	res, err := e.mb.Send(context.Background(), &mailmanager.Outgoing{
		To:      []mailmanager.Address{{Email: "bob@example.org"}},
		Subject: "Big file",
		Text:    "See attachment.",
		Attachments: []mailmanager.OutgoingAttachment{{
			Filename: "big.bin", ContentType: "application/octet-stream",
			Content: strings.NewReader(string(big)),
		}},
	})
	require.NoError(t, err)

	uploads := e.rec.requests("/upload/gmail/v1/users/me/messages/send")
	require.Len(t, uploads, 1)
	assert.Contains(t, uploads[0], "uploadType=multipart")

	m, _ := lastSent(t, e)
	assert.Equal(t, "<"+res.MessageID+">", m.header.Get("Message-Id"))
	p := m.part("application/octet-stream")
	require.NotNil(t, p)
	assert.Equal(t, big, p.body)
}

// original delivers the message the reply and forward tests answer.
func original(t *testing.T, e *env, extra ...string) (id string, pdf []byte) {
	t.Helper()
	pdf = randomBytes(t, 40_000)
	raw := strings.Join(append([]string{
		"From: Bob <bob@example.org>",
		"To: Alice <ALICE@example.com>, Carol <carol@example.org>",
		"Cc: Dan <dan@example.org>",
		"Subject: Plans",
		"Date: Tue, 03 Feb 2026 10:20:30 +0000",
		"Message-ID: <orig@example.org>",
		"References: <root@example.org>",
		"In-Reply-To: <root@example.org>",
	}, append(extra,
		"MIME-Version: 1.0",
		`Content-Type: multipart/mixed; boundary="b"`,
		"",
		"--b",
		"Content-Type: text/plain; charset=utf-8",
		"",
		"Shall we meet on Friday?",
		"--b",
		`Content-Type: application/pdf; name="agenda.pdf"`,
		`Content-Disposition: attachment; filename="agenda.pdf"`,
		"Content-Transfer-Encoding: base64",
		"",
		wrap76(pdf),
		"--b--",
		"")...), "\r\n")
	return e.deliver(t, raw), pdf
}

func TestMailbox_ReplyAndForward(t *testing.T) {
	tests := []struct {
		name        string
		extra       []string // more headers of the original
		out         mailmanager.Outgoing
		wantSubject string
		wantTo      []string
		wantCc      []string
		wantPDF     bool
	}{
		{
			name:        "reply",
			out:         mailmanager.Outgoing{Mode: mailmanager.SendReply, Text: "Yes."},
			wantSubject: "Re: Plans",
			wantTo:      []string{"bob@example.org"},
		},
		{
			name:        "reply honours Reply-To",
			extra:       []string{"Reply-To: Team <team@example.org>"},
			out:         mailmanager.Outgoing{Mode: mailmanager.SendReply, Text: "Yes."},
			wantSubject: "Re: Plans",
			wantTo:      []string{"team@example.org"},
		},
		{
			name:        "reply all leaves the mailbox out",
			out:         mailmanager.Outgoing{Mode: mailmanager.SendReplyAll, Text: "Yes."},
			wantSubject: "Re: Plans",
			wantTo:      []string{"bob@example.org"},
			wantCc:      []string{"carol@example.org", "dan@example.org"},
		},
		{
			// Gmail threads a reply only when its subject matches the
			// original's once prefixes are stripped.
			name: "reply with own subject and recipients",
			out: mailmanager.Outgoing{Mode: mailmanager.SendReply, Subject: "AW: Plans",
				To: []mailmanager.Address{{Email: "erin@example.org"}}, Text: "Moved."},
			wantSubject: "AW: Plans",
			wantTo:      []string{"erin@example.org"},
		},
		{
			name: "forward carries the attachments",
			out: mailmanager.Outgoing{Mode: mailmanager.SendForward, Text: "FYI",
				To: []mailmanager.Address{{Email: "erin@example.org"}}},
			wantSubject: "Fwd: Plans",
			wantTo:      []string{"erin@example.org"},
			wantPDF:     true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			origID, pdf := original(t, e, tt.extra...)
			stored, ok := e.fake.Message(alice, origID)
			require.True(t, ok)

			out := tt.out
			out.Original = origID
			res, err := e.mb.Send(context.Background(), &out)
			require.NoError(t, err)

			assert.Equal(t, stored.ThreadID, res.ThreadID, "the answer joins the thread")
			m, _ := lastSent(t, e)
			assert.Equal(t, tt.wantSubject, decodeWords(t, m.header.Get("Subject")))
			assert.Equal(t, "<orig@example.org>", m.header.Get("In-Reply-To"))
			assert.Equal(t, []string{"<root@example.org>", "<orig@example.org>"},
				strings.Fields(m.header.Get("References")))
			// The union of To and Cc is the rule; which header holds the
			// original's other recipients is the MIME package's choice.
			got := append(addresses(t, m, "To"), addresses(t, m, "Cc")...)
			assert.ElementsMatch(t, append(append([]string(nil), tt.wantTo...), tt.wantCc...), got)
			assert.Subset(t, addresses(t, m, "To"), tt.wantTo)
			assert.NotContains(t, got, alice, "never the mailbox itself")

			p := m.part("application/pdf")
			if !tt.wantPDF {
				assert.Nil(t, p)
				return
			}
			require.NotNil(t, p)
			assert.Equal(t, pdf, p.body)
			assert.Equal(t, "agenda.pdf", p.filename())
			text := m.part("text/plain")
			require.NotNil(t, text)
			assert.Contains(t, string(text.body), "FYI")
			assert.Contains(t, string(text.body), "Shall we meet on Friday?")
		})
	}
}

func TestMailbox_ForwardNeedsRecipients(t *testing.T) {
	e := newEnv(t)
	origID, _ := original(t, e)
	_, err := e.mb.Send(context.Background(),
		&mailmanager.Outgoing{Mode: mailmanager.SendForward, Original: origID})
	assert.ErrorContains(t, err, "no recipients")
	assert.Empty(t, e.fake.Sent(alice))
}

func TestMailbox_SendAs(t *testing.T) {
	tests := []struct {
		name     string
		from     string
		verified bool
		add      bool
		wantErr  string
		wantIs   error
	}{
		{"verified alias", "sales@example.com", true, true, "", nil},
		{"alias differs in case", "Sales@Example.com", true, true, "", nil},
		{"the mailbox itself", alice, false, false, "", nil},
		{"pending alias", "sales@example.com", false, true, "alias is not verified", nil},
		{"unknown alias", "other@example.com", false, false, "not an alias",
			mailmanager.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.add {
				e.fake.AddSendAs(alice, "sales@example.com", tt.verified)
			}
			_, err := e.mb.Send(context.Background(), &mailmanager.Outgoing{
				From:    &mailmanager.Address{Name: "Sales", Email: tt.from},
				To:      []mailmanager.Address{{Email: "bob@example.org"}},
				Subject: "Offer",
				Text:    "Hello",
			})
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				if tt.wantIs != nil {
					assert.ErrorIs(t, err, tt.wantIs)
				}
				assert.Empty(t, e.fake.Sent(alice), "nothing sent")
				return
			}
			require.NoError(t, err)
			m, _ := lastSent(t, e)
			assert.Equal(t, []string{strings.ToLower(tt.from)}, addresses(t, m, "From"))
		})
	}
}

func TestMailbox_SendRefusesCRLF(t *testing.T) {
	base := func() mailmanager.Outgoing {
		return mailmanager.Outgoing{
			To:      []mailmanager.Address{{Email: "bob@example.org"}},
			Subject: "Hello",
			Text:    "Hi",
		}
	}
	tests := []struct {
		name   string
		change func(o *mailmanager.Outgoing)
	}{
		{"subject", func(o *mailmanager.Outgoing) { o.Subject = "Hi\r\nBcc: evil@example.net" }},
		{"subject LF only", func(o *mailmanager.Outgoing) { o.Subject = "Hi\nBcc: evil@example.net" }},
		{"recipient name", func(o *mailmanager.Outgoing) {
			o.To[0].Name = "Bob\r\nBcc: evil@example.net"
		}},
		{"recipient address", func(o *mailmanager.Outgoing) {
			o.Cc = []mailmanager.Address{{Email: "x@example.org\r\nBcc: evil@example.net"}}
		}},
		{"sender name", func(o *mailmanager.Outgoing) {
			o.From = &mailmanager.Address{Name: "Alice\nX-Evil: 1", Email: alice}
		}},
		{"message id", func(o *mailmanager.Outgoing) { o.MessageID = "a@b\r\nBcc: evil@example.net" }},
		{"attachment name", func(o *mailmanager.Outgoing) {
			o.Attachments = []mailmanager.OutgoingAttachment{{
				Filename: "a.txt\r\nBcc: evil@example.net", ContentType: "text/plain",
				Content: strings.NewReader("x"),
			}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			out := base()
			tt.change(&out)
			_, err := e.mb.Send(context.Background(), &out)
			require.ErrorIs(t, err, mailmanager.ErrInvalidHeader)
			assert.NotContains(t, err.Error(), "evil@example.net", "the value is not echoed")
			assert.Empty(t, e.fake.Sent(alice))
			assert.Zero(t, e.fake.Stats().RoundTrips, "refused before any request")
		})
	}

	t.Run("subject reused from an inbound message", func(t *testing.T) {
		e := newEnv(t)
		evil := base64.StdEncoding.EncodeToString([]byte("Hello\r\nBcc: evil@example.net"))
		origID := e.deliver(t, plain("=?UTF-8?B?"+evil+"?=", "evil@example.org"))
		_, err := e.mb.Send(context.Background(), &mailmanager.Outgoing{
			Mode: mailmanager.SendReply, Original: origID, Text: "No.",
		})
		require.ErrorIs(t, err, mailmanager.ErrInvalidHeader)
		assert.Empty(t, e.fake.Sent(alice))
		assert.Zero(t, e.fake.Stats().Calls["messages.send"])
	})
}
