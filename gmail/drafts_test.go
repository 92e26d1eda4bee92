package gmail_test

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
)

// drafts returns the messages of Alice's mailbox labelled DRAFT.
func drafts(e *env) []string {
	var out []string
	for _, m := range e.fake.Messages(alice) {
		if slices.Contains(m.LabelIDs, "DRAFT") {
			out = append(out, m.ID)
		}
	}
	return out
}

func TestMailbox_Drafts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d, ok := e.mb.(mailmanager.Drafter)
	require.True(t, ok, "the Gmail mailbox manages drafts")

	out := &mailmanager.Outgoing{
		To:      []mailmanager.Address{{Email: "bob@example.org"}},
		Bcc:     []mailmanager.Address{{Email: "carol@example.org"}},
		Subject: "First words",
		Text:    "Draft one",
	}
	id, err := d.CreateDraft(ctx, out)
	require.NoError(t, err)
	require.NotEmpty(t, id)
	require.Len(t, drafts(e), 1)

	out.Subject = "Better words"
	require.NoError(t, d.UpdateDraft(ctx, id, out))
	got := drafts(e)
	require.Len(t, got, 1)
	stored, ok := e.fake.Message(alice, got[0])
	require.True(t, ok)
	m := parseMail(t, stored.Raw)
	assert.Equal(t, "Better words", decodeWords(t, m.header.Get("Subject")))

	sent, err := d.SendDraft(ctx, id)
	require.NoError(t, err)
	assert.Empty(t, drafts(e), "a sent draft is no longer a draft")
	s, bcc := lastSent(t, e)
	assert.Equal(t, "<"+sent.MessageID+">", s.header.Get("Message-Id"))
	assert.Equal(t, "Better words", decodeWords(t, s.header.Get("Subject")))
	assert.Equal(t, []string{"carol@example.org"}, bcc)
	assert.NotEmpty(t, sent.ID)
	assert.NotEmpty(t, sent.ThreadID)

	other, err := d.CreateDraft(ctx, out)
	require.NoError(t, err)
	require.Len(t, drafts(e), 1)
	require.NoError(t, d.DeleteDraft(ctx, other))
	assert.Empty(t, drafts(e))
	assert.ErrorIs(t, d.DeleteDraft(ctx, other), mailmanager.ErrNotFound)
}

func TestMailbox_DraftReplyKeepsThread(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	origID, _ := original(t, e)
	orig, ok := e.fake.Message(alice, origID)
	require.True(t, ok)

	id, err := e.mb.(mailmanager.Drafter).CreateDraft(ctx, &mailmanager.Outgoing{
		Mode: mailmanager.SendReply, Original: origID, Text: "Draft reply",
	})
	require.NoError(t, err)
	require.NotEmpty(t, id)
	got := drafts(e)
	require.Len(t, got, 1)
	stored, ok := e.fake.Message(alice, got[0])
	require.True(t, ok)
	assert.Equal(t, orig.ThreadID, stored.ThreadID)
	m := parseMail(t, stored.Raw)
	assert.Equal(t, "<orig@example.org>", m.header.Get("In-Reply-To"))
	assert.Equal(t, "Re: Plans", decodeWords(t, m.header.Get("Subject")))
}
