package outlook_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest/graphfake"
	"github.com/mailmanager/mailmanager/outlook"
)

func TestMailbox_SyncFullInPages(t *testing.T) {
	e := newEnv(t, outlook.Config{PageSize: 10})
	var want []string
	for i := range 25 {
		want = append(want, e.deliver("inbox", fmt.Sprintf("inbox %d", i)))
	}
	for i := range 3 {
		want = append(want, e.deliver("archive", fmt.Sprintf("archive %d", i)))
	}

	r := e.mustSync("", mailmanager.SyncOptions{})

	assert.ElementsMatch(t, want, r.messages())
	// Archive: one page of 3; Inbox: 10, 10 and 5; then the last page.
	require.Len(t, r.pages, 5)
	for i, p := range r.pages {
		assert.True(t, p.Full, "page %d is Full", i)
		assert.NotEmpty(t, p.Cursor, "page %d has a cursor", i)
		assert.Equal(t, i == len(r.pages)-1, p.Done, "page %d Done", i)
		assert.LessOrEqual(t, len(p.Messages), 10)
	}
	assert.Empty(t, r.deleted())
	m := r.message(want[0])
	require.NotNil(t, m)
	assert.Equal(t, "inbox 0", m.Subject)
	assert.Equal(t, e.folderID("inbox"), m.Folder)
}

func TestMailbox_SyncIdleIsOnePage(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	e.deliver("inbox", "hello")
	first := e.mustSync("", mailmanager.SyncOptions{})
	e.fake.ResetStats()

	r := e.mustSync(first.accepted, mailmanager.SyncOptions{})

	require.Len(t, r.pages, 1)
	p := r.pages[0]
	assert.True(t, p.Done)
	assert.False(t, p.Full)
	assert.Empty(t, p.Messages)
	assert.Empty(t, p.Deleted)
	assert.NotEmpty(t, p.Cursor)
	// One folder listing and one delta per visible folder, nothing else.
	st := e.fake.Stats()
	assert.Equal(t, 1, st.Routes["GET /me/mailFolders"])
	assert.Equal(t, 6, st.Routes["GET /me/mailFolders/{folder}/messages/delta"])
	assert.Equal(t, 7, st.Requests)
}

func TestMailbox_SyncChanges(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	kept := e.deliver("inbox", "kept")
	changed := e.deliver("inbox", "changed")
	gone := e.deliver("inbox", "gone")
	first := e.mustSync("", mailmanager.SyncOptions{})

	added := e.deliver("inbox", "added")
	e.fake.Update(ada, changed, func(m *graphfake.Message) {
		m.IsRead = true
		m.FlagStatus = "flagged"
		m.Categories = []string{"Blue"}
	})
	e.fake.Delete(ada, gone)
	r := e.mustSync(first.accepted, mailmanager.SyncOptions{})

	assert.ElementsMatch(t, []string{added, changed}, r.messages())
	assert.Equal(t, []string{gone}, r.deleted())
	assert.NotContains(t, r.messages(), kept)
	m := r.message(changed)
	require.NotNil(t, m)
	assert.True(t, m.Read)
	assert.True(t, m.Starred)
	assert.Equal(t, []string{"Blue"}, m.Labels)
	for _, p := range r.pages {
		assert.False(t, p.Full)
	}
}

// A move shows in Graph as a removal from one folder's delta and an
// addition to another's. Sync delivers it as a change of Folder, whichever
// folder it reads first (the fake lists Archive before Inbox).
func TestMailbox_SyncSeesMoveAsMove(t *testing.T) {
	for _, tc := range []struct{ name, from, to string }{
		{"read destination first", "inbox", "archive"},
		{"read source first", "archive", "inbox"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, outlook.Config{})
			id := e.deliver(tc.from, "moving")
			first := e.mustSync("", mailmanager.SyncOptions{})

			e.fake.Move(ada, id, tc.to)
			r := e.mustSync(first.accepted, mailmanager.SyncOptions{})

			assert.Equal(t, []string{id}, r.messages())
			assert.Empty(t, r.deleted())
			m := r.message(id)
			require.NotNil(t, m)
			assert.Equal(t, e.folderID(tc.to), m.Folder)
		})
	}
}

func TestMailbox_SyncResumesAfterRefusedPage(t *testing.T) {
	e := newEnv(t, outlook.Config{PageSize: 5})
	var want []string
	for i := range 12 {
		want = append(want, e.deliver("inbox", fmt.Sprintf("m%d", i)))
	}

	// Inbox pages: 5, 5, 2. The host accepts the first and refuses the
	// second.
	failed := e.sync("", mailmanager.SyncOptions{}, 2)
	require.ErrorIs(t, failed.err, errRefused)
	require.Len(t, failed.pages, 1)

	r := e.mustSync(failed.accepted, mailmanager.SyncOptions{})

	assert.ElementsMatch(t, want, append(failed.messages(), r.messages()...))
	assert.Len(t, r.messages(), 7, "resumes after the accepted page")
	for _, p := range r.pages {
		assert.True(t, p.Full, "a resumed first sync stays Full")
	}
	idle := e.mustSync(r.accepted, mailmanager.SyncOptions{})
	assert.Empty(t, idle.messages())
	assert.False(t, idle.pages[0].Full)
}

// A run that fails after it delivered a moved message, but before its
// last page, leaves a cursor in which the move's source folder has not
// advanced. The resumed run sees only the removal and must find out that
// the message moved rather than deliver a deletion.
func TestMailbox_SyncResumedRunChecksRemovals(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	moved := e.deliver("inbox", "moved")
	purged := e.deliver("inbox", "purged")
	first := e.mustSync("", mailmanager.SyncOptions{})

	e.fake.Move(ada, moved, "archive")
	e.fake.Delete(ada, purged)
	failed := e.sync(first.accepted, mailmanager.SyncOptions{}, 2)
	require.ErrorIs(t, failed.err, errRefused)
	require.Equal(t, []string{moved}, failed.messages())

	r := e.mustSync(failed.accepted, mailmanager.SyncOptions{})

	assert.Equal(t, []string{purged}, r.deleted())
	assert.Empty(t, r.messages())
}

// A message that moves after a run read its old folder but before it read
// the new one arrives in that run in its new folder; the next run sees
// only its removal from the old folder, which is no deletion.
func TestMailbox_SyncMoveDuringRunIsNoDeletion(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	moved := e.deliver("archive", "moved")
	purged := e.deliver("archive", "purged")
	first := &run{}
	// The fake lists Archive before Inbox; its page is the run's first.
	first.err = e.mb.Sync(context.Background(), "", mailmanager.SyncOptions{},
		func(_ context.Context, ch *mailmanager.Changes) error {
			if len(first.pages) == 0 {
				e.fake.Move(ada, moved, "inbox")
			}
			first.pages = append(first.pages, ch)
			first.accepted = ch.Cursor
			return nil
		})
	require.NoError(t, first.err)
	require.Equal(t, e.folderID("inbox"), first.message(moved).Folder)

	e.fake.Delete(ada, purged)
	r := e.mustSync(first.accepted, mailmanager.SyncOptions{})

	assert.Equal(t, []string{purged}, r.deleted())
	assert.Empty(t, r.messages())
}

func TestMailbox_SyncCursorExpired(t *testing.T) {
	for _, tc := range []struct {
		name   string
		expire func(*graphfake.Server)
		code   string
	}{
		{"syncStateNotFound", func(s *graphfake.Server) { s.ExpireDeltas(ada) },
			"syncStateNotFound"},
		{"resyncRequired", func(s *graphfake.Server) { s.RequireResync(ada) }, "resyncRequired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, outlook.Config{})
			e.deliver("inbox", "hello")
			first := e.mustSync("", mailmanager.SyncOptions{})

			tc.expire(e.fake)
			r := e.sync(first.accepted, mailmanager.SyncOptions{}, 0)

			require.ErrorIs(t, r.err, mailmanager.ErrCursorExpired)
			var ae *mailmanager.APIError
			require.ErrorAs(t, r.err, &ae)
			assert.Equal(t, 410, ae.Status)
			assert.Equal(t, tc.code, ae.Code)
			assert.Equal(t, "outlook", ae.Provider)
			assert.Empty(t, r.pages)
		})
	}
}

func TestMailbox_SyncRefusesForeignCursor(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	for _, cursor := range []string{
		"not base64!",
		"e30", // {}
		// {"v":1,"l":{"x":"http://evil.example"}}
		"eyJ2IjoxLCJsIjp7IngiOiJodHRwOi8vZXZpbC5leGFtcGxlIn19",
	} {
		r := e.sync(cursor, mailmanager.SyncOptions{}, 0)
		assert.ErrorIs(t, r.err, mailmanager.ErrCursorExpired, "cursor %q", cursor)
	}
	assert.Zero(t, e.fake.Stats().Requests)
}

func TestMailbox_SyncFolderJoinsAndLeaves(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	e.deliver("inbox", "hello")
	old, err := e.fake.CreateFolder(ada, "", "Old")
	require.NoError(t, err)
	e.deliver(old, "in old")

	// A folder made while a run is under way joins the next run.
	var made, inMade string
	first := e.sync("", mailmanager.SyncOptions{}, 0)
	require.NoError(t, first.err)
	made, err = e.fake.CreateFolder(ada, "inbox", "Projects")
	require.NoError(t, err)
	inMade = e.deliver(made, "in projects")
	assert.NotContains(t, first.messages(), inMade)

	e.fake.DeleteFolder(ada, old)
	r := e.mustSync(first.accepted, mailmanager.SyncOptions{})

	assert.Equal(t, []string{inMade}, r.messages())
	assert.Equal(t, made, r.message(inMade).Folder)
	for _, p := range r.pages {
		assert.False(t, p.Full)
	}
	route := "GET /me/mailFolders/{folder}/messages/delta"
	before := e.fake.Stats().Routes[route]
	idle := e.mustSync(r.accepted, mailmanager.SyncOptions{})
	assert.Empty(t, idle.messages())
	// Six well-known folders and Projects; Old left the cursor.
	assert.Equal(t, 7, e.fake.Stats().Routes[route]-before)
}

func TestMailbox_SyncCreatedDuringRun(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	e.deliver("inbox", "hello")
	var made, inMade string
	first := &run{}
	first.err = e.mb.Sync(context.Background(), "", mailmanager.SyncOptions{},
		func(_ context.Context, ch *mailmanager.Changes) error {
			if made == "" {
				var err error
				made, err = e.fake.CreateFolder(ada, "", "Mid")
				require.NoError(t, err)
				inMade = e.deliver(made, "mid")
			}
			first.pages = append(first.pages, ch)
			first.accepted = ch.Cursor
			return nil
		})
	require.NoError(t, first.err)
	require.NotEmpty(t, made)

	r := e.mustSync(first.accepted, mailmanager.SyncOptions{})

	assert.Contains(t, r.messages(), inMade)
	assert.Equal(t, made, r.message(inMade).Folder)
}

func TestMailbox_SyncSince(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	oldID := e.deliver("inbox", "old")
	newID := e.deliver("inbox", "new")
	e.fake.Update(ada, oldID, func(m *graphfake.Message) {
		m.ReceivedDateTime = time.Now().Add(-48 * time.Hour)
	})

	r := e.mustSync("", mailmanager.SyncOptions{Since: time.Now().Add(-time.Hour)})

	assert.Equal(t, []string{newID}, r.messages())
}

func TestMailbox_SyncPageSizeOption(t *testing.T) {
	e := newEnv(t, outlook.Config{PageSize: 50})
	for i := range 7 {
		e.deliver("inbox", fmt.Sprintf("m%d", i))
	}

	r := e.mustSync("", mailmanager.SyncOptions{PageSize: 3})

	// 3, 3, 1 and the last page.
	require.Len(t, r.pages, 4)
	assert.Len(t, r.pages[0].Messages, 3)
}

func TestMailbox_SyncStopsOnDeltaError(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	e.deliver("inbox", "hello")
	e.fake.SetFault(func(r *http.Request) (int, time.Duration) {
		if strings.Contains(r.URL.Path, "/delta") {
			return http.StatusInternalServerError, 0
		}
		return 0, 0
	})

	r := e.sync("", mailmanager.SyncOptions{}, 0)

	var ae *mailmanager.APIError
	require.ErrorAs(t, r.err, &ae)
	assert.Equal(t, 500, ae.Status)
	assert.Equal(t, "messages.delta", ae.Op)
	assert.False(t, errors.Is(r.err, mailmanager.ErrCursorExpired))
	assert.Empty(t, r.pages)
}
