package graphfake

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deltaRun is one round of a delta: the pages' items and the deltaLink.
type deltaRun struct {
	pages     []int
	items     []map[string]any
	deltaLink string
}

// runDelta follows a delta from url until it yields a deltaLink.
func (f *fixture) runDelta(url string, headers ...string) deltaRun {
	f.t.Helper()
	var run deltaRun
	for url != "" {
		res := f.call("GET", url, nil, headers...)
		require.Equal(f.t, http.StatusOK, res.status, string(res.raw))
		run.pages = append(run.pages, len(res.value()))
		run.items = append(run.items, res.value()...)
		next, delta := res.str("@odata.nextLink"), res.str("@odata.deltaLink")
		require.True(f.t, (next == "") != (delta == ""), "exactly one of nextLink and deltaLink")
		if next != "" {
			assert.Contains(f.t, next, "$skiptoken=")
		}
		url, run.deltaLink = next, delta
	}
	assert.Contains(f.t, run.deltaLink, "$deltatoken=")
	return run
}

// split separates added or changed items from removed IDs.
func split(items []map[string]any) (changed, removed []string) {
	for _, it := range items {
		if r, ok := it["@removed"].(map[string]any); ok {
			if r["reason"] == "deleted" {
				removed = append(removed, it["id"].(string))
			}
			continue
		}
		changed = append(changed, it["id"].(string))
	}
	return changed, removed
}

func TestServer_DeltaFirstRoundPaging(t *testing.T) {
	f := newFixture(t)
	want := f.deliver(ada, "", 25)
	tests := []struct {
		name    string
		query   string
		headers []string
		pages   []int
	}{
		{"default page size", "", imm, []int{10, 10, 5}},
		{"maxpagesize", "", with("Prefer", "odata.maxpagesize=7"), []int{7, 7, 7, 4}},
		{"top", "?$top=12", imm, []int{12, 12, 1}},
		{"sdk function syntax", "()", imm, []int{10, 10, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := f.runDelta("/me/mailFolders/inbox/messages/delta"+tt.query, tt.headers...)
			assert.Equal(t, tt.pages, run.pages)
			changed, removed := split(run.items)
			assert.ElementsMatch(t, want, changed)
			assert.Empty(t, removed)
			assert.Equal(t, "#microsoft.graph.message", run.items[0]["@odata.type"])
		})
	}
	res := f.call("GET", "/me/mailFolders/inbox/messages/delta", nil,
		with("Prefer", "odata.maxpagesize=3")...)
	assert.Contains(t, res.header.Get("Preference-Applied"), "odata.maxpagesize=3")
	assert.Contains(t, res.str("@odata.context"), "$metadata#Collection(message)")
}

func TestServer_DeltaLaterRound(t *testing.T) {
	f := newFixture(t)
	ids := f.deliver(ada, "", 5)
	inbox := f.runDelta("/me/mailFolders/inbox/messages/delta", imm...)
	archive := f.runDelta("/me/mailFolders/archive/messages/delta", imm...)
	require.Len(t, inbox.items, 5)
	require.Empty(t, archive.items)

	added := f.deliver(ada, "", 1)[0]
	f.s.Update(ada, ids[0], func(m *Message) { m.IsRead = true })
	f.s.Delete(ada, ids[1])
	f.s.Move(ada, ids[2], "archive")
	f.s.Move(ada, ids[3], "junkemail")
	f.s.Move(ada, ids[3], "inbox")

	// Small pages put the re-added message and its old removal on
	// different pages.
	later := f.runDelta(inbox.deltaLink, with("Prefer", "odata.maxpagesize=2")...)
	changed, removed := split(later.items)
	assert.ElementsMatch(t, []string{added, ids[0], ids[3]}, changed)
	assert.ElementsMatch(t, []string{ids[1], ids[2]}, removed)
	for _, it := range later.items {
		if it["id"] == ids[0] {
			assert.Equal(t, true, it["isRead"])
		}
	}

	moved := f.runDelta(archive.deltaLink, imm...)
	changed, removed = split(moved.items)
	assert.Equal(t, []string{ids[2]}, changed, "a move appears with the same immutable ID")
	assert.Empty(t, removed)

	quiet := f.runDelta(later.deltaLink, imm...)
	assert.Empty(t, quiet.items)
	again := f.runDelta(inbox.deltaLink, imm...)
	assert.Len(t, again.items, len(later.items), "a deltaLink may be followed again")
}

func TestServer_DeltaRegularIDsOnMove(t *testing.T) {
	f := newFixture(t)
	id := f.deliver(ada, "", 1)[0]
	inbox := f.runDelta("/me/mailFolders/inbox/messages/delta")
	archive := f.runDelta("/me/mailFolders/archive/messages/delta")
	before := inbox.items[0]["id"].(string)
	require.NotEqual(t, id, before)

	f.s.Move(ada, id, "archive")
	_, removed := split(f.runDelta(inbox.deltaLink).items)
	assert.Equal(t, []string{before}, removed)
	changed, _ := split(f.runDelta(archive.deltaLink).items)
	require.Len(t, changed, 1)
	assert.NotEqual(t, before, changed[0], "the regular ID changes on a move")
	assert.Equal(t, http.StatusOK,
		f.call("GET", "/me/messages/"+url.PathEscape(changed[0]), nil).status)
}

func TestServer_DeltaKeepsOptions(t *testing.T) {
	f := newFixture(t)
	ids := f.deliver(ada, "", 3)
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	f.s.Update(ada, ids[0], func(m *Message) { m.ReceivedDateTime = old })

	q := "?" + escapeQuery("$select=subject,isRead&$filter=receivedDateTime ge 2021-01-01T00:00:00Z")
	first := f.runDelta("/me/mailFolders/inbox/messages/delta"+q, imm...)
	changed, _ := split(first.items)
	assert.ElementsMatch(t, ids[1:], changed, "the filter applies")
	f.s.Update(ada, ids[1], func(m *Message) { m.IsRead = true })
	later := f.runDelta(first.deltaLink, imm...)
	require.Len(t, later.items, 1)
	for k := range later.items[0] {
		assert.Contains(t, []string{"id", "subject", "isRead", "@odata.etag", "@odata.type"}, k)
	}

	bad := f.call("GET", "/me/mailFolders/inbox/messages/delta?"+
		escapeQuery("$filter=isRead eq false"), nil)
	assert.Equal(t, http.StatusBadRequest, bad.status)
}

func TestServer_DeltaChangeType(t *testing.T) {
	tests := []struct {
		changeType string
		want       func(added, updated, deleted string) ([]string, []string)
	}{
		{"created", func(a, u, d string) ([]string, []string) { return []string{a}, nil }},
		{"updated", func(a, u, d string) ([]string, []string) { return []string{u}, nil }},
		{"deleted", func(a, u, d string) ([]string, []string) { return nil, []string{d} }},
	}
	for _, tt := range tests {
		t.Run(tt.changeType, func(t *testing.T) {
			f := newFixture(t)
			ids := f.deliver(ada, "", 2)
			first := f.runDelta("/me/mailFolders/inbox/messages/delta?changeType="+
				tt.changeType, imm...)
			require.Len(t, first.items, 2, "the first round lists everything")
			added := f.deliver(ada, "", 1)[0]
			f.s.Update(ada, ids[0], func(m *Message) { m.FlagStatus = "flagged" })
			f.s.Delete(ada, ids[1])

			changed, removed := split(f.runDelta(first.deltaLink, imm...).items)
			wantChanged, wantRemoved := tt.want(added, ids[0], ids[1])
			assert.ElementsMatch(t, wantChanged, changed)
			assert.ElementsMatch(t, wantRemoved, removed)
		})
	}
}

func TestServer_DeltaExpiry(t *testing.T) {
	tests := []struct {
		name   string
		expire func(s *Server)
		code   string
		link   func(first *response, run deltaRun) string
	}{
		{"expired deltaLink", func(s *Server) { s.ExpireDeltas(ada) }, "syncStateNotFound",
			func(_ *response, run deltaRun) string { return run.deltaLink }},
		{"expired nextLink", func(s *Server) { s.ExpireDeltas(ada) }, "syncStateNotFound",
			func(first *response, _ deltaRun) string { return first.str("@odata.nextLink") }},
		{"resync required", func(s *Server) { s.RequireResync(ada) }, "resyncRequired",
			func(_ *response, run deltaRun) string { return run.deltaLink }},
		{"unknown token", func(*Server) {}, "syncStateNotFound",
			func(_ *response, run deltaRun) string {
				return strings.Split(run.deltaLink, "?")[0] + "?$deltatoken=made-up"
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.deliver(ada, "", 3)
			start := "/me/mailFolders/inbox/messages/delta"
			first := f.call("GET", start, nil, with("Prefer", "odata.maxpagesize=2")...)
			require.NotEmpty(t, first.str("@odata.nextLink"))
			run := f.runDelta(start, imm...)
			tt.expire(f.s)

			res := f.call("GET", tt.link(&first, run), nil, imm...)
			assert.Equal(t, http.StatusGone, res.status)
			assert.Equal(t, tt.code, res.errorCode())
			inner := res.body["error"].(map[string]any)["innerError"].(map[string]any)
			assert.NotEmpty(t, inner["request-id"])
			loc := res.header.Get("Location")
			assert.True(t, strings.HasSuffix(loc, "/messages/delta"), loc)

			restarted := f.runDelta(loc, imm...)
			assert.Len(t, restarted.items, 3, "the Location starts a full round")
		})
	}
}

func TestServer_DeltaPageRetry(t *testing.T) {
	f := newFixture(t)
	f.deliver(ada, "", 5)
	first := f.call("GET", "/me/mailFolders/inbox/messages/delta", nil,
		with("Prefer", "odata.maxpagesize=2")...)
	next := first.str("@odata.nextLink")
	a := f.call("GET", next, nil, imm...)
	b := f.call("GET", next, nil, imm...)
	assert.Equal(t, idsOf(a.value()), idsOf(b.value()), "a page can be fetched again")
	assert.Len(t, a.value(), 2, "the first request's page size stays with the round")
}

// TestServer_DeltaFolderCreatedMidSync creates and fills a folder while a
// message delta pages through the inbox, and checks both deltas.
func TestServer_DeltaFolderCreatedMidSync(t *testing.T) {
	f := newFixture(t)
	ids := f.deliver(ada, "", 5)
	folders := f.runDelta("/me/mailFolders/delta", imm...)
	changed, _ := split(folders.items)
	assert.Len(t, changed, 6, "the well-known folders")
	assert.Equal(t, "#microsoft.graph.mailFolder", folders.items[0]["@odata.type"])

	first := f.call("GET", "/me/mailFolders/inbox/messages/delta", nil,
		with("Prefer", "odata.maxpagesize=2")...)
	seen := idsOf(first.value())
	newFolder, err := f.s.CreateFolder(ada, "inbox", "Projects")
	require.NoError(t, err)
	moved := ids[0]
	if seen[0] == moved || seen[1] == moved {
		moved = ids[4]
	}
	f.s.Move(ada, moved, newFolder)
	rest := f.runDelta(first.str("@odata.nextLink"), imm...)
	inboxChanged, _ := split(rest.items)
	assert.NotContains(t, inboxChanged, moved, "a message gone mid-round is skipped")
	assert.Len(t, append(seen, inboxChanged...), 4)

	_, removed := split(f.runDelta(rest.deltaLink, imm...).items)
	assert.Equal(t, []string{moved}, removed, "the next round reports the move")

	inNew := f.runDelta("/me/mailFolders/"+url.PathEscape(newFolder)+"/messages/delta", imm...)
	newChanged, _ := split(inNew.items)
	assert.Equal(t, []string{moved}, newChanged)

	laterFolders := f.runDelta(folders.deltaLink, imm...)
	fc, _ := split(laterFolders.items)
	assert.Contains(t, fc, newFolder)
	f.s.DeleteFolder(ada, newFolder)
	_, fr := split(f.runDelta(laterFolders.deltaLink, imm...).items)
	assert.Equal(t, []string{newFolder}, fr)
	gone := f.call("GET", inNew.deltaLink, nil, imm...)
	assert.Equal(t, http.StatusNotFound, gone.status, "the folder itself is gone")
}
