package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
)

func msg(id, thread string, age time.Duration, from string) *mailmanager.Message {
	return &mailmanager.Message{
		ID: id, ThreadID: thread, Subject: "subject " + id,
		From: &mailmanager.Address{Email: from},
		Date: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC).Add(-age),
	}
}

func ids(x *index, accountID string) []string {
	var out []string
	convs, _ := x.list(listQuery{Accounts: []string{accountID}, Limit: 100})
	for _, c := range convs {
		for _, m := range c.Messages {
			out = append(out, m.ID)
		}
	}
	return out
}

func TestIndex_UpsertAndDelete(t *testing.T) {
	x := newIndex()
	acc := &mailmanager.Account{ID: "a1", Provider: "gmail"}
	x.apply(acc, &mailmanager.Changes{Messages: []*mailmanager.Message{
		msg("m1", "t1", 2*time.Hour, "x@a.example"), msg("m2", "t2", time.Hour, "y@b.example"),
	}, Full: true})
	// The same page again changes nothing: pages may be delivered twice.
	x.apply(acc, &mailmanager.Changes{Messages: []*mailmanager.Message{
		msg("m1", "t1", 2*time.Hour, "x@a.example"), msg("m2", "t2", time.Hour, "y@b.example"),
	}, Full: true})
	assert.Equal(t, []string{"m2", "m1"}, ids(x, "a1"))

	changed := msg("m1", "t1", 2*time.Hour, "x@a.example")
	changed.Read = true
	x.apply(acc, &mailmanager.Changes{Messages: []*mailmanager.Message{changed}, Deleted: []string{"m2", "gone"}})
	assert.Equal(t, []string{"m1"}, ids(x, "a1"))
	assert.True(t, x.message("a1", "m1").Read)
}

func TestIndex_ResetDropsWhatTheFullSyncDidNotDeliver(t *testing.T) {
	tests := []struct {
		name  string
		pages []*mailmanager.Changes
		want  []string
	}{
		{
			name: "reset finished",
			pages: []*mailmanager.Changes{
				{Messages: []*mailmanager.Message{msg("m1", "t1", 3*time.Hour, "a@x.example")}, Full: true, Reset: true},
				{Messages: []*mailmanager.Message{msg("m4", "t4", time.Hour, "a@x.example")}, Full: true, Reset: true, Done: true},
			},
			want: []string{"m4", "m1"},
		},
		{
			name: "reset still running",
			pages: []*mailmanager.Changes{
				{Messages: []*mailmanager.Message{msg("m1", "t1", 3*time.Hour, "a@x.example")}, Full: true, Reset: true},
			},
			want: []string{"m1", "m2", "m3"},
		},
		{
			name: "reset interrupted by an incremental page",
			pages: []*mailmanager.Changes{
				{Messages: []*mailmanager.Message{msg("m1", "t1", 3*time.Hour, "a@x.example")}, Full: true, Reset: true},
				{Done: true},
			},
			want: []string{"m1", "m2", "m3"},
		},
		{
			name: "full sync without reset drops nothing",
			pages: []*mailmanager.Changes{
				{Messages: []*mailmanager.Message{msg("m1", "t1", 3*time.Hour, "a@x.example")}, Full: true, Done: true},
			},
			want: []string{"m1", "m2", "m3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newIndex()
			acc := &mailmanager.Account{ID: "a1", Provider: "gmail"}
			x.apply(acc, &mailmanager.Changes{Messages: []*mailmanager.Message{
				msg("m1", "t1", 3*time.Hour, "a@x.example"),
				msg("m2", "t2", 4*time.Hour, "a@x.example"),
				msg("m3", "t3", 5*time.Hour, "a@x.example"),
			}, Full: true, Done: true})
			for _, p := range tt.pages {
				x.apply(acc, p)
			}
			assert.Equal(t, tt.want, ids(x, "a1"))
		})
	}
}

func TestIndex_ListGroupsFiltersAndPages(t *testing.T) {
	x := newIndex()
	gm := &mailmanager.Account{ID: "g", Provider: "gmail"}
	ol := &mailmanager.Account{ID: "o", Provider: "outlook"}
	a := msg("a", "t1", 3*time.Hour, "Ann@Example.COM")
	a.Labels = []string{"INBOX"}
	b := msg("b", "t1", 1*time.Hour, "bob@other.example")
	b.Labels = []string{"INBOX"}
	b.Read = true
	c := msg("c", "t2", 2*time.Hour, "carl@example.com")
	c.Labels = []string{"TRASH"}
	d := msg("d", "x9", 30*time.Minute, "dora@bücher.example")
	d.Folder = "inbox-id"
	e := msg("e", "x9", 20*time.Minute, "eve@example.com")
	e.Folder = "trash-id"
	x.apply(gm, &mailmanager.Changes{Messages: []*mailmanager.Message{a, b, c}})
	x.apply(ol, &mailmanager.Changes{Messages: []*mailmanager.Message{d, e}})
	x.setFolders(ol, []mailmanager.Folder{{ID: "inbox-id", Name: "Inbox"}, {ID: "trash-id", Name: "Deleted Items"}})

	tests := []struct {
		name  string
		q     listQuery
		want  []string // conversations as their message IDs
		total int
	}{
		{name: "all, trash left out", q: listQuery{}, want: []string{"d", "ab"}, total: 2},
		{name: "one account", q: listQuery{Account: "g"}, want: []string{"ab"}, total: 1},
		{name: "gmail trash", q: listQuery{Account: "g", Folder: "TRASH"}, want: []string{"c"}, total: 1},
		{name: "outlook trash", q: listQuery{Account: "o", Folder: "trash-id"}, want: []string{"e"}, total: 1},
		{name: "unread", q: listQuery{View: "unread"}, want: []string{"d", "a"}, total: 2},
		{name: "domain search", q: listQuery{Search: "@EXAMPLE.com"}, want: []string{"a"}, total: 1},
		{name: "IDN domain search", q: listQuery{Search: "@xn--bcher-kva.example"}, want: []string{"d"}, total: 1},
		{name: "address search", q: listQuery{Search: " BOB@other.example "}, want: []string{"b"}, total: 1},
		{name: "word search", q: listQuery{Search: "BOB subject"}, want: []string{"b"}, total: 1},
		{name: "second page", q: listQuery{Offset: 1, Limit: 1}, want: []string{"ab"}, total: 2},
		{name: "past the end", q: listQuery{Offset: 5, Limit: 1}, want: nil, total: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			q.Accounts = []string{"g", "o"}
			if q.Limit == 0 {
				q.Limit = 10
			}
			convs, total := x.list(q)
			var got []string
			for _, c := range convs {
				s := ""
				for _, m := range c.Messages {
					s += m.ID
				}
				got = append(got, s)
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.total, total)
		})
	}

	perAccount, perFolder := x.unread([]string{"g", "o"})
	assert.Equal(t, map[string]int{"g": 1, "o": 1}, perAccount, "trash is not counted")
	assert.Equal(t, 1, perFolder["g"]["INBOX"])
	assert.Equal(t, 1, perFolder["g"]["TRASH"])
	assert.Equal(t, 1, perFolder["o"]["trash-id"])
}

func TestIndex_UpdateCopiesOnWrite(t *testing.T) {
	x := newIndex()
	acc := &mailmanager.Account{ID: "a1", Provider: "gmail"}
	x.apply(acc, &mailmanager.Changes{Messages: []*mailmanager.Message{msg("m1", "t1", 0, "a@x.example")}})
	before := x.message("a1", "m1")
	x.update("a1", []string{"m1", "missing"}, func(m *mailmanager.Message) { m.Read = true })
	after := x.message("a1", "m1")
	require.NotNil(t, after)
	assert.False(t, before.Read, "a reader's message changed under it")
	assert.True(t, after.Read)
}

func BenchmarkIndex_ListSearch(b *testing.B) {
	x := newIndex()
	acc := &mailmanager.Account{ID: "a1", Provider: "gmail"}
	var page []*mailmanager.Message
	for i := range 10000 {
		m := msg(fmt.Sprint(i), fmt.Sprint(i/3), time.Duration(i)*time.Minute,
			fmt.Sprintf("user%d@domain%d.example", i, i%50))
		m.To = []mailmanager.Address{{Email: "ada@demo.example"}}
		page = append(page, m)
	}
	x.apply(acc, &mailmanager.Changes{Messages: page})
	for b.Loop() {
		x.list(listQuery{Accounts: []string{"a1"}, Search: "@domain7.example", Limit: 25})
	}
}

func TestShownDate_DistrustsFutureDates(t *testing.T) {
	received := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		date time.Time
		want time.Time
	}{
		{name: "ordinary", date: received.Add(-time.Hour), want: received.Add(-time.Hour)},
		{name: "a little ahead", date: received.Add(3 * time.Hour), want: received.Add(3 * time.Hour)},
		{name: "far future", date: time.Date(3609, 6, 30, 0, 0, 0, 0, time.UTC), want: received},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, shownDate(&mailmanager.Message{Date: tt.date, Received: received}))
		})
	}
	assert.Equal(t, received, shownDate(&mailmanager.Message{Date: received}), "no received time")
}
