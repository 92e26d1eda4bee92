package outlook_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/outlook"
)

func TestMailbox_SendMail(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	doc := bytes.Repeat([]byte("x"), 100<<10)

	sent, err := e.mb.Send(context.Background(), &mailmanager.Outgoing{
		To:      []mailmanager.Address{{Name: "Bob", Email: bob}},
		Cc:      []mailmanager.Address{{Email: "carol@example.com"}},
		Subject: "Numbers",
		Text:    "See attached.",
		Attachments: []mailmanager.OutgoingAttachment{
			{Filename: "doc.txt", ContentType: "text/plain", Content: bytes.NewReader(doc)},
		},
	})

	require.NoError(t, err)
	out := e.fake.Sent(ada)
	require.Len(t, out, 1)
	m := out[0]
	assert.Equal(t, "Numbers", m.Subject)
	assert.Equal(t, "See attached.", m.Body.Content)
	assert.Equal(t, "text", m.Body.ContentType)
	assert.Equal(t, bob, m.ToRecipients[0].Address)
	assert.Equal(t, "carol@example.com", m.CcRecipients[0].Address)
	require.Len(t, m.Attachments, 1)
	assert.Equal(t, doc, m.Attachments[0].Content)
	assert.Equal(t, "<"+sent.MessageID+">", m.InternetMessageID)
	assert.True(t, strings.HasSuffix(sent.MessageID, "@example.com"), sent.MessageID)
	st := e.fake.Stats()
	assert.Equal(t, 1, st.Routes["POST /me/sendMail"])
	assert.Zero(t, st.Routes["POST /me/messages"], "no draft for a small message")
}

func TestMailbox_SendLargeAttachment(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	big := make([]byte, 10<<20)
	_, _ = rand.Read(big)
	small := []byte("small part")
	var (
		mu        sync.Mutex
		uploads   int
		withToken int
	)
	e.fake.SetFault(func(r *http.Request) (int, time.Duration) {
		if r.Method == http.MethodPut {
			mu.Lock()
			uploads++
			if r.Header.Get("Authorization") != "" {
				withToken++
			}
			mu.Unlock()
		}
		return 0, 0
	})

	sent, err := e.mb.Send(context.Background(), &mailmanager.Outgoing{
		To:      []mailmanager.Address{{Email: bob}},
		Subject: "Big",
		HTML:    "<p>big file</p>",
		Attachments: []mailmanager.OutgoingAttachment{
			{Filename: "big.bin", Content: bytes.NewReader(big)},
			{Filename: "small.txt", ContentType: "text/plain", Content: bytes.NewReader(small)},
		},
	})

	require.NoError(t, err)
	out := e.fake.Sent(ada)
	require.Len(t, out, 1)
	assert.Equal(t, sent.ID, out[0].ID, "Sent carries the draft's ID")
	assert.NotEmpty(t, sent.ThreadID)
	assert.Equal(t, "<"+sent.MessageID+">", out[0].InternetMessageID)
	assert.Equal(t, "html", out[0].Body.ContentType)
	got := map[string][]byte{}
	for _, a := range out[0].Attachments {
		got[a.Name] = a.Content
	}
	assert.True(t, bytes.Equal(big, got["big.bin"]), "large attachment arrives byte-equal")
	assert.Equal(t, small, got["small.txt"])
	// 10 MiB in chunks of 3.75 MiB, none carrying the mailbox's token.
	assert.Equal(t, 3, uploads)
	assert.Zero(t, withToken)
	st := e.fake.Stats()
	assert.Zero(t, st.Routes["POST /me/sendMail"])
	assert.Equal(t, 1, st.Routes["POST /me/messages/{id}/send"])
	_, kept := e.fake.Message(ada, sent.ID)
	assert.True(t, kept, "the sent draft keeps its ID in Sent Items")
}

func TestMailbox_SendAnswerKeepsConversation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mode   mailmanager.SendMode
		to     []mailmanager.Address
		wantTo []string
		prefix string
	}{
		{"reply", mailmanager.SendReply, nil, []string{bob}, "RE: "},
		{"reply all", mailmanager.SendReplyAll, nil, []string{bob, "carol@example.com"}, "RE: "},
		{"forward", mailmanager.SendForward, []mailmanager.Address{{Email: "dan@example.com"}},
			[]string{"dan@example.com"}, "FW: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, outlook.Config{})
			orig := e.deliver("inbox", "Plans", "Message-ID: <plans@example.com>",
				"Cc: carol@example.com")
			want, _ := e.fake.Message(ada, orig)

			sent, err := e.mb.Send(context.Background(), &mailmanager.Outgoing{
				Mode: tc.mode, Original: orig, To: tc.to, Text: "My answer",
			})

			require.NoError(t, err)
			out := e.fake.Sent(ada)
			require.Len(t, out, 1)
			m := out[0]
			assert.Equal(t, want.ConversationID, m.ConversationID)
			assert.Equal(t, want.ConversationID, sent.ThreadID)
			assert.Equal(t, "<plans@example.com>", m.InReplyTo)
			assert.Contains(t, m.References, "<plans@example.com>")
			assert.Equal(t, tc.prefix+"Plans", m.Subject)
			assert.Equal(t, "My answer", m.Body.Content, "the caller's body replaces the quote")
			var to []string
			for _, r := range append(m.ToRecipients, m.CcRecipients...) {
				to = append(to, r.Address)
			}
			assert.ElementsMatch(t, tc.wantTo, to)
			assert.Equal(t, sent.ID, m.ID)
		})
	}
}

func TestMailbox_SendRefusesHeaderInjection(t *testing.T) {
	base := func() *mailmanager.Outgoing {
		return &mailmanager.Outgoing{
			To: []mailmanager.Address{{Email: bob}}, Subject: "Hi", Text: "x",
		}
	}
	for _, tc := range []struct {
		name string
		edit func(*mailmanager.Outgoing)
	}{
		{"subject", func(o *mailmanager.Outgoing) { o.Subject = "Hi\r\nBcc: eve@example.com" }},
		{"name", func(o *mailmanager.Outgoing) { o.To[0].Name = "Bob\nBcc: eve@example.com" }},
		{"address", func(o *mailmanager.Outgoing) { o.To[0].Email = "bob@example.com\r\nX: y" }},
		{"cc", func(o *mailmanager.Outgoing) { o.Cc = []mailmanager.Address{{Email: "a\r@b"}} }},
		{"reply-to", func(o *mailmanager.Outgoing) {
			o.ReplyTo = []mailmanager.Address{{Name: "\n", Email: "r@example.com"}}
		}},
		{"from", func(o *mailmanager.Outgoing) { o.From = &mailmanager.Address{Email: "x@y\n"} }},
		{"message-id", func(o *mailmanager.Outgoing) { o.MessageID = "a@b\r\nX: y" }},
		{"filename", func(o *mailmanager.Outgoing) {
			o.Attachments = []mailmanager.OutgoingAttachment{
				{Filename: "a\r\n.txt", Content: strings.NewReader("x")}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, outlook.Config{})
			msg := base()
			tc.edit(msg)

			_, sendErr := e.mb.Send(context.Background(), msg)
			_, draftErr := e.mb.CreateDraft(context.Background(), msg)

			assert.ErrorIs(t, sendErr, mailmanager.ErrInvalidHeader)
			assert.ErrorIs(t, draftErr, mailmanager.ErrInvalidHeader)
			assert.Zero(t, e.fake.Stats().Requests, "nothing reached Graph")
			assert.Empty(t, e.fake.Sent(ada))
		})
	}
}

func TestMailbox_SendRefusesIncompleteMessages(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	for name, msg := range map[string]*mailmanager.Outgoing{
		"no recipients":      {Subject: "x"},
		"reply without orig": {Mode: mailmanager.SendReply, Text: "x"},
		"forward without to": {Mode: mailmanager.SendForward, Original: "AAkALgAAx="},
		"unknown mode":       {Mode: 9, Original: "x", To: []mailmanager.Address{{Email: bob}}},
		"attachment no reader": {
			To:          []mailmanager.Address{{Email: bob}},
			Attachments: []mailmanager.OutgoingAttachment{{Filename: "a"}},
		},
	} {
		_, err := e.mb.Send(context.Background(), msg)
		assert.Error(t, err, name)
	}
	assert.Zero(t, e.fake.Stats().Requests)
}

func TestMailbox_SendOriginalNotFound(t *testing.T) {
	e := newEnv(t, outlook.Config{})

	_, err := e.mb.Send(context.Background(), &mailmanager.Outgoing{
		Mode: mailmanager.SendReply, Original: "AAkALgAAgone=", Text: "x",
	})

	assert.ErrorIs(t, err, mailmanager.ErrNotFound)
	assert.Empty(t, e.fake.Sent(ada))
}
