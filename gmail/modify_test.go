package gmail_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
)

func ptr[T any](v T) *T { return &v }

// labels returns the labels the fake holds for id.
func labels(t *testing.T, e *env, id string) []string {
	t.Helper()
	m, ok := e.fake.Message(alice, id)
	require.True(t, ok)
	return m.LabelIDs
}

func TestMailbox_ModifyOne(t *testing.T) {
	tests := []struct {
		name      string
		start     []string
		mod       func(project string) mailmanager.Modification
		want      []string
		wantCalls map[string]int
	}{
		{
			name:  "mark read",
			start: []string{"INBOX", "UNREAD"},
			mod: func(string) mailmanager.Modification {
				return mailmanager.Modification{Read: ptr(true)}
			},
			want:      []string{"INBOX"},
			wantCalls: map[string]int{"messages.modify": 1},
		},
		{
			name:  "mark unread and star",
			start: []string{"INBOX"},
			mod: func(string) mailmanager.Modification {
				return mailmanager.Modification{Read: ptr(false), Starred: ptr(true)}
			},
			want:      []string{"INBOX", "UNREAD", "STARRED"},
			wantCalls: map[string]int{"messages.modify": 1},
		},
		{
			name:  "unstar and relabel",
			start: []string{"INBOX", "STARRED", "IMPORTANT"},
			mod: func(project string) mailmanager.Modification {
				return mailmanager.Modification{Starred: ptr(false),
					AddLabels: []string{project}, RemoveLabels: []string{"IMPORTANT"}}
			},
			want:      []string{"INBOX", "project"},
			wantCalls: map[string]int{"messages.modify": 1},
		},
		{
			name:  "move to a label leaves the inbox",
			start: []string{"INBOX"},
			mod: func(project string) mailmanager.Modification {
				return mailmanager.Modification{MoveTo: project}
			},
			want:      []string{"project"},
			wantCalls: map[string]int{"messages.modify": 1},
		},
		{
			name:  "trash",
			start: []string{"INBOX"},
			mod: func(string) mailmanager.Modification {
				return mailmanager.Modification{Trash: ptr(true)}
			},
			want:      []string{"TRASH"},
			wantCalls: map[string]int{"messages.trash": 1, "messages.modify": 0},
		},
		{
			name:  "untrash and mark read",
			start: []string{"TRASH", "UNREAD"},
			mod: func(string) mailmanager.Modification {
				return mailmanager.Modification{Trash: ptr(false), Read: ptr(true)}
			},
			want:      []string{},
			wantCalls: map[string]int{"messages.untrash": 1, "messages.modify": 1},
		},
		{
			name:      "nothing to do",
			start:     []string{"INBOX"},
			mod:       func(string) mailmanager.Modification { return mailmanager.Modification{} },
			want:      []string{"INBOX"},
			wantCalls: map[string]int{"messages.modify": 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			project, err := e.fake.AddLabel(alice, "Project")
			require.NoError(t, err)
			id := e.deliver(t, plain("Modify me", "mod@example.org"), tt.start...)
			e.fake.ResetStats()

			require.NoError(t, e.mb.Modify(context.Background(), []string{id}, tt.mod(project)))

			want := make([]string, 0, len(tt.want))
			for _, l := range tt.want {
				if l == "project" {
					l = project
				}
				want = append(want, l)
			}
			assert.ElementsMatch(t, want, labels(t, e, id))
			calls := e.fake.Stats().Calls
			for op, n := range tt.wantCalls {
				assert.Equal(t, n, calls[op], op)
			}
		})
	}
}

func TestMailbox_ModifyMany(t *testing.T) {
	e := newEnv(t)
	all := e.deliverN(t, 1001)
	e.fake.ResetStats()

	err := e.mb.Modify(context.Background(), all,
		mailmanager.Modification{Read: ptr(true), Starred: ptr(true)})
	require.NoError(t, err)
	assert.Equal(t, 2, e.fake.Stats().Calls["messages.batchModify"], "chunks of 1,000")
	for _, id := range []string{all[0], all[999], all[1000]} {
		assert.ElementsMatch(t, []string{"INBOX", "STARRED"}, labels(t, e, id))
	}

	e.fake.ResetStats()
	trash := all[:3]
	require.NoError(t, e.mb.Modify(context.Background(), trash,
		mailmanager.Modification{Trash: ptr(true)}))
	st := e.fake.Stats()
	assert.Equal(t, 3, st.Calls["messages.trash"])
	assert.Equal(t, 1, st.RoundTrips, "trash per message in one batch")
	for _, id := range trash {
		assert.Contains(t, labels(t, e, id), "TRASH")
	}
	assert.NotContains(t, labels(t, e, all[3]), "TRASH")
}

func TestMailbox_ModifyUnknownMessage(t *testing.T) {
	e := newEnv(t)
	err := e.mb.Modify(context.Background(), []string{"0123456789abcdef"},
		mailmanager.Modification{Read: ptr(true)})
	assert.ErrorIs(t, err, mailmanager.ErrNotFound)

	id := e.deliver(t, plain("Exists", "exists@example.org"))
	err = e.mb.Modify(context.Background(), []string{id, "0123456789abcdef"},
		mailmanager.Modification{Trash: ptr(true)})
	assert.ErrorIs(t, err, mailmanager.ErrNotFound)
}

func TestMailbox_Folders(t *testing.T) {
	e := newEnv(t)
	work, err := e.fake.AddLabel(alice, "Work")
	require.NoError(t, err)
	project, err := e.fake.AddLabel(alice, "Work/Project")
	require.NoError(t, err)
	e.deliver(t, plain("One", "one@example.org"), "INBOX", "UNREAD", project)
	e.deliver(t, plain("Two", "two@example.org"), "INBOX", "UNREAD")
	e.deliver(t, plain("Three", "three@example.org"), "INBOX", "STARRED", project)
	e.fake.ResetStats()

	folders, err := e.mb.Folders(context.Background())
	require.NoError(t, err)

	byID := map[string]mailmanager.Folder{}
	for _, f := range folders {
		byID[f.ID] = f
	}
	require.Contains(t, byID, "INBOX")
	assert.True(t, byID["INBOX"].System)
	assert.Equal(t, 3, byID["INBOX"].Total)
	assert.Equal(t, 2, byID["INBOX"].Unread)
	assert.Equal(t, 1, byID["STARRED"].Total)

	require.Contains(t, byID, project)
	assert.Equal(t, "Work/Project", byID[project].Name)
	assert.False(t, byID[project].System)
	assert.Equal(t, 2, byID[project].Total)
	assert.Equal(t, 1, byID[project].Unread)
	assert.Equal(t, work, byID[project].ParentID)
	assert.Empty(t, byID[work].ParentID)

	st := e.fake.Stats()
	assert.Equal(t, len(folders), st.Calls["labels.get"])
	assert.Equal(t, 2, st.RoundTrips, "labels.list and one batch of labels.get")
}
