package outlook_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest/graphfake"
	"github.com/mailmanager/mailmanager/outlook"
)

func TestMailbox_Modify(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		name   string
		folder string // where the message starts
		setup  func(m *graphfake.Message)
		mod    mailmanager.Modification
		check  func(t *testing.T, e *env, m graphfake.Message)
	}{
		{name: "read", mod: mailmanager.Modification{Read: &yes},
			check: func(t *testing.T, _ *env, m graphfake.Message) { assert.True(t, m.IsRead) }},
		{name: "unread", setup: func(m *graphfake.Message) { m.IsRead = true },
			mod:   mailmanager.Modification{Read: &no},
			check: func(t *testing.T, _ *env, m graphfake.Message) { assert.False(t, m.IsRead) }},
		{name: "star", mod: mailmanager.Modification{Starred: &yes},
			check: func(t *testing.T, _ *env, m graphfake.Message) {
				assert.Equal(t, "flagged", m.FlagStatus)
			}},
		{name: "unstar", setup: func(m *graphfake.Message) { m.FlagStatus = "flagged" },
			mod: mailmanager.Modification{Starred: &no},
			check: func(t *testing.T, _ *env, m graphfake.Message) {
				assert.Equal(t, "notFlagged", m.FlagStatus)
			}},
		{name: "labels merge",
			setup: func(m *graphfake.Message) { m.Categories = []string{"Red", "Blue"} },
			mod: mailmanager.Modification{AddLabels: []string{"Green", "Red"},
				RemoveLabels: []string{"Blue"}},
			check: func(t *testing.T, _ *env, m graphfake.Message) {
				assert.Equal(t, []string{"Red", "Green"}, m.Categories)
			}},
		{name: "move", mod: mailmanager.Modification{MoveTo: "archive"},
			check: func(t *testing.T, e *env, m graphfake.Message) {
				assert.Equal(t, e.folderID("archive"), m.ParentFolderID)
			}},
		{name: "trash", mod: mailmanager.Modification{Trash: &yes},
			check: func(t *testing.T, e *env, m graphfake.Message) {
				assert.Equal(t, e.folderID("deleteditems"), m.ParentFolderID)
			}},
		{name: "untrash", folder: "deleteditems", mod: mailmanager.Modification{Trash: &no},
			check: func(t *testing.T, e *env, m graphfake.Message) {
				assert.Equal(t, e.folderID("inbox"), m.ParentFolderID)
			}},
		{name: "untrash outside trash", folder: "archive",
			mod: mailmanager.Modification{Trash: &no},
			check: func(t *testing.T, e *env, m graphfake.Message) {
				assert.Equal(t, e.folderID("archive"), m.ParentFolderID)
			}},
		{name: "read and move",
			mod: mailmanager.Modification{Read: &yes, MoveTo: "junkemail"},
			check: func(t *testing.T, e *env, m graphfake.Message) {
				assert.True(t, m.IsRead)
				assert.Equal(t, e.folderID("junkemail"), m.ParentFolderID)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, outlook.Config{})
			folder := tc.folder
			if folder == "" {
				folder = "inbox"
			}
			ids := []string{e.deliver(folder, "one"), e.deliver(folder, "two")}
			for _, id := range ids {
				if tc.setup != nil {
					e.fake.Update(ada, id, tc.setup)
				}
			}

			err := e.mb.Modify(context.Background(), ids, tc.mod)

			require.NoError(t, err)
			for _, id := range ids {
				m, ok := e.fake.Message(ada, id)
				require.True(t, ok, "immutable ID survives")
				tc.check(t, e, m)
			}
		})
	}
}

func TestMailbox_ModifyReportsEachFailure(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	yes := true
	ok := e.deliver("inbox", "fine")

	err := e.mb.Modify(context.Background(), []string{ok, "AAkALgAAgone=", ""},
		mailmanager.Modification{Read: &yes})

	require.ErrorIs(t, err, mailmanager.ErrNotFound)
	assert.Contains(t, err.Error(), "AAkALgAAgone=")
	m, _ := e.fake.Message(ada, ok)
	assert.True(t, m.IsRead, "the other messages still change")
}

func TestMailbox_ModifyRefusesMoveAndTrash(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	yes := true

	err := e.mb.Modify(context.Background(), []string{"x"},
		mailmanager.Modification{MoveTo: "archive", Trash: &yes})

	assert.Error(t, err)
	assert.Zero(t, e.fake.Stats().Requests)
}

func TestMailbox_Folders(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	projects, err := e.fake.CreateFolder(ada, "inbox", "Projects")
	require.NoError(t, err)
	sub, err := e.fake.CreateFolder(ada, projects, "Engines")
	require.NoError(t, err)
	e.deliver("inbox", "a")
	read := e.deliver("inbox", "b")
	e.fake.Update(ada, read, func(m *graphfake.Message) { m.IsRead = true })
	e.deliver(sub, "c")

	folders, err := e.mb.Folders(context.Background())

	require.NoError(t, err)
	byName := map[string]mailmanager.Folder{}
	for _, f := range folders {
		byName[f.Name] = f
	}
	assert.Len(t, folders, 8)
	inbox := byName["Inbox"]
	assert.Equal(t, e.folderID("inbox"), inbox.ID)
	assert.True(t, inbox.System)
	assert.Equal(t, 2, inbox.Total)
	assert.Equal(t, 1, inbox.Unread)
	for _, name := range []string{
		"Drafts", "Sent Items", "Deleted Items", "Archive", "Junk Email",
	} {
		assert.True(t, byName[name].System, name)
	}
	assert.False(t, byName["Projects"].System)
	assert.Equal(t, inbox.ID, byName["Projects"].ParentID)
	assert.Equal(t, projects, byName["Engines"].ParentID)
	assert.Equal(t, 1, byName["Engines"].Total)

	// Well-known folders are resolved once per Mailbox.
	e.fake.ResetStats()
	_, err = e.mb.Folders(context.Background())
	require.NoError(t, err)
	assert.Zero(t, e.fake.Stats().Routes["GET /me/mailFolders/{folder}"])
}

func TestMailbox_Drafts(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	ctx := context.Background()

	id, err := e.mb.CreateDraft(ctx, &mailmanager.Outgoing{
		To: []mailmanager.Address{{Email: bob}}, Subject: "Draft one", Text: "first",
		Attachments: []mailmanager.OutgoingAttachment{
			{Filename: "a.txt", Content: stringReader("aaa")},
		},
	})
	require.NoError(t, err)
	d, ok := e.fake.Message(ada, id)
	require.True(t, ok)
	assert.True(t, d.IsDraft)
	assert.Equal(t, e.folderID("drafts"), d.ParentFolderID)
	require.Len(t, d.Attachments, 1)

	err = e.mb.UpdateDraft(ctx, id, &mailmanager.Outgoing{
		To: []mailmanager.Address{{Email: "carol@example.com"}}, Subject: "Draft two",
		HTML: "<b>second</b>",
		Attachments: []mailmanager.OutgoingAttachment{
			{Filename: "b.txt", Content: stringReader("bbb")},
		},
	})
	require.NoError(t, err)
	d, _ = e.fake.Message(ada, id)
	assert.Equal(t, "Draft two", d.Subject)
	assert.Equal(t, "html", d.Body.ContentType)
	require.Len(t, d.ToRecipients, 1)
	assert.Equal(t, "carol@example.com", d.ToRecipients[0].Address)
	assert.Empty(t, d.CcRecipients)
	require.Len(t, d.Attachments, 1)
	assert.Equal(t, "b.txt", d.Attachments[0].Name)

	sent, err := e.mb.SendDraft(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, id, sent.ID)
	assert.Equal(t, d.ConversationID, sent.ThreadID)
	out := e.fake.Sent(ada)
	require.Len(t, out, 1)
	assert.Equal(t, "<"+sent.MessageID+">", out[0].InternetMessageID)

	other, err := e.mb.CreateDraft(ctx, &mailmanager.Outgoing{Subject: "no recipients yet"})
	require.NoError(t, err)
	require.NoError(t, e.mb.DeleteDraft(ctx, other))
	d, ok = e.fake.Message(ada, other)
	require.True(t, ok, "Graph's DELETE moves a draft to Deleted Items")
	assert.Equal(t, e.folderID("deleteditems"), d.ParentFolderID)
	assert.ErrorIs(t, e.mb.DeleteDraft(ctx, "AAkALgAAgone="), mailmanager.ErrNotFound)
}

func TestMailbox_DraftReply(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	orig := e.deliver("inbox", "Question", "Message-ID: <q@example.com>")
	want, _ := e.fake.Message(ada, orig)

	id, err := e.mb.CreateDraft(context.Background(), &mailmanager.Outgoing{
		Mode: mailmanager.SendReply, Original: orig, Text: "Answer",
	})

	require.NoError(t, err)
	d, ok := e.fake.Message(ada, id)
	require.True(t, ok)
	assert.True(t, d.IsDraft)
	assert.Equal(t, want.ConversationID, d.ConversationID)
	assert.Equal(t, "<q@example.com>", d.InReplyTo)
	assert.Equal(t, "Answer", d.Body.Content)
}
