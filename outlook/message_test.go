package outlook_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest/graphfake"
	"github.com/mailmanager/mailmanager/outlook"
)

// richMail is an HTML and text message answering another, with a file
// attachment and an inline image.
const richMail = "From: Bob Babbage <bob@example.com>\r\n" +
	"To: Ada Lovelace <ada@example.com>\r\n" +
	"Cc: Carol <carol@example.com>\r\n" +
	"Reply-To: Replies <replies@example.com>\r\n" +
	"Subject: Engine notes\r\n" +
	"Date: Mon, 02 Jan 2006 15:04:05 +0000\r\n" +
	"Message-ID: <notes-2@example.com>\r\n" +
	"In-Reply-To: <notes-1@example.com>\r\n" +
	"References: <notes-0@example.com> <notes-1@example.com>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=outer\r\n" +
	"\r\n" +
	"--outer\r\n" +
	"Content-Type: multipart/related; boundary=rel\r\n" +
	"\r\n" +
	"--rel\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"\r\n" +
	"<p>See <img src=\"cid:diagram@x\"></p>\r\n" +
	"--rel\r\n" +
	"Content-Type: image/png\r\n" +
	"Content-ID: <diagram@x>\r\n" +
	"Content-Disposition: inline; filename=diagram.png\r\n" +
	"\r\n" +
	"PNGDATA\r\n" +
	"--rel--\r\n" +
	"--outer\r\n" +
	"Content-Type: text/plain\r\n" +
	"Content-Disposition: attachment; filename=notes.txt\r\n" +
	"\r\n" +
	"the notes\r\n" +
	"--outer--\r\n"

func TestMailbox_Message(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	id, err := e.fake.Deliver(ada, "inbox", []byte(richMail))
	require.NoError(t, err)
	e.fake.Update(ada, id, func(m *graphfake.Message) {
		m.IsRead = true
		m.FlagStatus = "flagged"
		m.Categories = []string{"Red", "Work"}
	})
	want, ok := e.fake.Message(ada, id)
	require.True(t, ok)

	m, err := e.mb.Message(context.Background(), id)
	require.NoError(t, err)

	assert.Equal(t, id, m.ID)
	assert.Equal(t, want.ConversationID, m.ThreadID)
	assert.Equal(t, "notes-2@example.com", m.MessageID)
	assert.Equal(t, "notes-1@example.com", m.InReplyTo)
	assert.Equal(t, []string{"notes-0@example.com", "notes-1@example.com"}, m.References)
	assert.Equal(t, &mailmanager.Address{Name: "Bob Babbage", Email: bob}, m.From)
	assert.Equal(t, []mailmanager.Address{{Name: "Ada Lovelace", Email: ada}}, m.To)
	assert.Equal(t, []mailmanager.Address{{Name: "Carol", Email: "carol@example.com"}}, m.Cc)
	assert.Equal(t, []mailmanager.Address{{Name: "Replies", Email: "replies@example.com"}},
		m.ReplyTo)
	assert.Equal(t, "Engine notes", m.Subject)
	assert.Equal(t, 2006, m.Date.Year())
	assert.False(t, m.Received.IsZero())
	assert.Contains(t, m.HTML, `cid:diagram@x`)
	assert.Empty(t, m.Text)
	assert.NotEmpty(t, m.Snippet)
	assert.Equal(t, []string{"Red", "Work"}, m.Labels)
	assert.Equal(t, e.folderID("inbox"), m.Folder)
	assert.True(t, m.Read)
	assert.True(t, m.Starred)

	require.Len(t, m.Attachments, 2)
	byName := map[string]mailmanager.Attachment{}
	for _, a := range m.Attachments {
		byName[a.Filename] = a
	}
	img := byName["diagram.png"]
	assert.True(t, img.Inline)
	assert.Equal(t, "diagram@x", img.ContentID)
	assert.Equal(t, "image/png", img.ContentType)
	notes := byName["notes.txt"]
	assert.False(t, notes.Inline)
	assert.Equal(t, int64(len("the notes")), notes.Size)
	assert.NotEmpty(t, notes.ID)
}

// Graph says hasAttachments false for a message whose only attachments
// are inline; the HTML's cid: link still makes Message list them.
func TestMailbox_MessageInlineOnly(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	raw := strings.Replace(richMail, "--outer\r\nContent-Type: text/plain\r\n"+
		"Content-Disposition: attachment; filename=notes.txt\r\n\r\nthe notes\r\n", "", 1)
	id, err := e.fake.Deliver(ada, "inbox", []byte(raw))
	require.NoError(t, err)

	m, err := e.mb.Message(context.Background(), id)
	require.NoError(t, err)

	require.Len(t, m.Attachments, 1)
	assert.Equal(t, "diagram@x", m.Attachments[0].ContentID)
}

func TestMailbox_MessageNotFound(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	for _, id := range []string{"AAkALgAAnothere=", ""} {
		_, err := e.mb.Message(context.Background(), id)
		assert.ErrorIs(t, err, mailmanager.ErrNotFound, "id %q", id)
	}
}

func TestMailbox_Attachment(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	id, err := e.fake.Deliver(ada, "inbox", []byte(richMail))
	require.NoError(t, err)
	m, err := e.mb.Message(context.Background(), id)
	require.NoError(t, err)

	for _, a := range m.Attachments {
		rc, err := e.mb.Attachment(context.Background(), id, a.ID)
		require.NoError(t, err)
		got, err := io.ReadAll(rc)
		require.NoError(t, rc.Close())
		require.NoError(t, err)
		want := map[string]string{"diagram.png": "PNGDATA", "notes.txt": "the notes"}[a.Filename]
		assert.Equal(t, want, strings.TrimSpace(string(got)), a.Filename)
	}

	_, err = e.mb.Attachment(context.Background(), id, "AAMkAGAtmissing=")
	var ae *mailmanager.APIError
	require.ErrorAs(t, err, &ae)
	assert.ErrorIs(t, err, mailmanager.ErrNotFound)
	assert.Equal(t, "ErrorItemNotFound", ae.Code)
	assert.Equal(t, "attachments.get", ae.Op)
}

func TestMailbox_Profile(t *testing.T) {
	e := newEnv(t, outlook.Config{})

	p, err := e.mb.Profile(context.Background())

	require.NoError(t, err)
	assert.Equal(t, &mailmanager.Profile{Address: ada, Name: "Ada Lovelace"}, p)
}

func TestMailbox_MailboxNotEnabled(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	e.fake.SetExchangeEnabled(ada, false)
	ctx := context.Background()

	_, profileErr := e.mb.Profile(ctx)
	syncErr := e.mb.Sync(ctx, "", mailmanager.SyncOptions{},
		func(context.Context, *mailmanager.Changes) error { return nil })
	_, foldersErr := e.mb.Folders(ctx)

	for _, err := range []error{profileErr, syncErr, foldersErr} {
		require.ErrorIs(t, err, outlook.ErrMailboxNotEnabled)
		var ae *mailmanager.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, "MailboxNotEnabledForRESTAPI", ae.Code)
		assert.Contains(t, err.Error(), "MailboxNotEnabledForRESTAPI")
		assert.NotErrorIs(t, err, mailmanager.ErrNotFound)
	}
}
