package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
)

func TestFormatAddresses_RoundTrips(t *testing.T) {
	list := []mailmanager.Address{
		{Name: "Alan Turing", Email: "alan@bletchley.example"},
		{Name: "José Müller", Email: "jose@xn--bcher-kva.example"},
		{Name: "Pat O'Brien", Email: "pat@x.example"},
		{Name: "Smith, John", Email: "john@x.example"},
		{Name: `Quote "Q" Person`, Email: "q@x.example"},
		{Email: "bare@x.example"},
	}
	s := formatAddresses(list)
	assert.Contains(t, s, "Alan Turing <alan@bletchley.example>")
	got, err := parseAddresses("To", s)
	require.NoError(t, err, s)
	assert.Equal(t, list, got)
}

func TestReplyRecipients(t *testing.T) {
	self := "ada@demo.example"
	m := &mailmanager.Message{
		From: &mailmanager.Address{Name: "Bob", Email: "bob@x.example"},
		To:   []mailmanager.Address{{Email: "ADA@demo.example"}, {Email: "carol@x.example"}},
		Cc:   []mailmanager.Address{{Email: "bob@x.example"}, {Email: "dan@x.example"}},
	}
	tests := []struct {
		name   string
		msg    func() *mailmanager.Message
		all    bool
		to, cc []string
	}{
		{name: "reply", msg: func() *mailmanager.Message { return m }, to: []string{"bob@x.example"}},
		{
			name: "reply all leaves out the mailbox and duplicates",
			msg:  func() *mailmanager.Message { return m }, all: true,
			to: []string{"bob@x.example"}, cc: []string{"carol@x.example", "dan@x.example"},
		},
		{
			name: "reply-to wins",
			msg: func() *mailmanager.Message {
				c := *m
				c.ReplyTo = []mailmanager.Address{{Email: "list@x.example"}}
				return &c
			},
			to: []string{"list@x.example"},
		},
		{
			name: "own message goes to its recipients",
			msg: func() *mailmanager.Message {
				c := *m
				c.From = &mailmanager.Address{Email: self}
				return &c
			},
			to: []string{"carol@x.example"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			to, cc := replyRecipients(self, tt.msg(), tt.all)
			assert.Equal(t, tt.to, emails(to))
			assert.Equal(t, tt.cc, emails(cc))
		})
	}
}

func emails(list []mailmanager.Address) []string {
	var out []string
	for _, a := range list {
		out = append(out, a.Email)
	}
	return out
}

func TestPrefill(t *testing.T) {
	acc := &mailmanager.Account{ID: "a1", Address: "ada@demo.example"}
	m := &mailmanager.Message{
		From:    &mailmanager.Address{Name: "Alan", Email: "alan@x.example"},
		To:      []mailmanager.Address{{Email: "ada@demo.example"}},
		Subject: "Lunch", Date: time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC),
		HTML: "<p>Soup <b>today</b></p><script>x()</script><p>Bread</p>",
		Attachments: []mailmanager.Attachment{
			{ID: "1", Filename: "menu.pdf"}, {ID: "2", Filename: "logo.png", Inline: true},
		},
	}
	f := &composeForm{Mode: "reply"}
	require.NoError(t, prefill(f, acc, m))
	assert.Equal(t, "Re: Lunch", f.Subject)
	assert.Equal(t, "Alan <alan@x.example>", f.To)
	assert.Contains(t, f.Body, "> Soup today\n> \n> Bread")
	assert.NotContains(t, f.Body, "x()")

	f = &composeForm{Mode: "forward"}
	m.Subject = "Fwd: Lunch"
	require.NoError(t, prefill(f, acc, m))
	assert.Equal(t, "Fwd: Lunch", f.Subject, "no second prefix")
	assert.Empty(t, f.To)
	require.Len(t, f.Forwarded, 1)
	assert.Equal(t, "menu.pdf", f.Forwarded[0].Filename)

	assert.Error(t, prefill(&composeForm{Mode: "bogus"}, acc, m))
}
