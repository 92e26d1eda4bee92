package gmail_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
)

func TestSync_FirstSyncInPages(t *testing.T) {
	e := newEnv(t)
	// 1,200 gets cost 6,000 quota units, Gmail's whole per-user budget for
	// a minute; pacing is not what this test measures.
	e.fake.SetQuota(0)
	want := e.deliverN(t, 1200)
	e.fake.ResetStats()

	pages, err := syncAll(t, e.mb, "", mailmanager.SyncOptions{})
	require.NoError(t, err)

	require.Len(t, pages, 3)
	for i, p := range pages {
		assert.True(t, p.Full, "page %d full", i)
		assert.Equal(t, i == len(pages)-1, p.Done, "page %d done", i)
		assert.NotEmpty(t, p.Cursor)
		assert.Empty(t, p.Deleted)
	}
	assert.Len(t, pages[0].Messages, 500)
	assert.Len(t, pages[1].Messages, 500)
	assert.Len(t, pages[2].Messages, 200)
	assert.ElementsMatch(t, want, ids(pages...))

	st := e.fake.Stats()
	perThousand := float64(st.RoundTrips) * 1000 / float64(len(want))
	t.Logf("first sync of %d messages: %d round trips (%.1f per 1,000), %d batch requests",
		len(want), st.RoundTrips, perThousand, st.BatchRequests)
	assert.LessOrEqual(t, perThousand, 25.0)
	assert.Equal(t, len(want), st.Calls["messages.get"], "each message fetched once")
}

func TestSync_PageSizeAndNewestFirst(t *testing.T) {
	e := newEnv(t)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var want []string
	for i := range 5 {
		id, err := e.fake.DeliverAt(alice, base.Add(time.Duration(i)*time.Hour),
			[]byte(plain("Numbered", "n"+string(rune('a'+i))+"@example.org")))
		require.NoError(t, err)
		want = append([]string{id}, want...) // newest first
	}

	pages, err := syncAll(t, e.mb, "", mailmanager.SyncOptions{PageSize: 2})
	require.NoError(t, err)
	require.Len(t, pages, 3)
	assert.Equal(t, want, ids(pages...))
	assert.Equal(t, base.Add(4*time.Hour), pages[0].Messages[0].Received)
}

func TestSync_Since(t *testing.T) {
	e := newEnv(t)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var recent []string
	for i := range 4 {
		id, err := e.fake.DeliverAt(alice, base.Add(time.Duration(i)*time.Hour),
			[]byte(plain("Dated", "d"+string(rune('a'+i))+"@example.org")))
		require.NoError(t, err)
		if i >= 2 {
			recent = append(recent, id)
		}
	}

	pages, err := syncAll(t, e.mb, "",
		mailmanager.SyncOptions{Since: base.Add(90 * time.Minute), PageSize: 1})
	require.NoError(t, err)
	assert.ElementsMatch(t, recent, ids(pages...))
	assert.NotEmpty(t, e.rec.requests("q=after%3A"), "listing asks Gmail to filter")
}

func TestSync_ResumesAfterHostFailure(t *testing.T) {
	e := newEnv(t)
	want := e.deliverN(t, 5)
	opts := mailmanager.SyncOptions{PageSize: 2}
	boom := errors.New("host database down")

	var accepted []*mailmanager.Changes
	var failed *mailmanager.Changes
	err := e.mb.Sync(context.Background(), "", opts,
		func(_ context.Context, c *mailmanager.Changes) error {
			if len(accepted) == 1 {
				failed = c
				return boom
			}
			accepted = append(accepted, c)
			return nil
		})
	require.ErrorIs(t, err, boom)
	require.Len(t, accepted, 1)
	require.NotNil(t, failed)
	require.False(t, accepted[0].Done)

	e.fake.ResetStats()
	rest, err := syncAll(t, e.mb, accepted[0].Cursor, opts)
	require.NoError(t, err)
	require.NotEmpty(t, rest)
	assert.Equal(t, ids(failed), ids(rest[0]), "the failed page comes again")
	assert.ElementsMatch(t, want, ids(append(accepted, rest...)...))
	assert.True(t, rest[len(rest)-1].Done)
	assert.Zero(t, e.fake.Stats().Calls["users.getProfile"], "resuming does not restart")

	// The cursor of the last page is an incremental one.
	again, err := syncAll(t, e.mb, lastCursor(t, rest), opts)
	require.NoError(t, err)
	require.Len(t, again, 1)
	assert.False(t, again[0].Full)
	assert.Empty(t, again[0].Messages)
}

func TestSync_Incremental(t *testing.T) {
	e := newEnv(t)
	old := e.deliverN(t, 4)
	pages, err := syncAll(t, e.mb, "", mailmanager.SyncOptions{})
	require.NoError(t, err)
	cursor := lastCursor(t, pages)

	added := e.deliver(t, plain("New one", "new@example.org"))
	e.fake.Delete(alice, old[0])
	e.fake.Relabel(alice, old[1], []string{"STARRED"}, []string{"UNREAD"})
	e.fake.Relabel(alice, old[2], []string{"Label_missing"}, nil)
	e.fake.Relabel(alice, old[2], nil, []string{"Label_missing"})
	short := e.deliver(t, plain("Short-lived", "short@example.org"))
	e.fake.Delete(alice, short)
	e.fake.ResetStats()

	got, err := syncAll(t, e.mb, cursor, mailmanager.SyncOptions{})
	require.NoError(t, err)
	require.Len(t, got, 1)
	page := got[0]
	assert.False(t, page.Full)
	assert.True(t, page.Done)
	assert.NotEqual(t, cursor, page.Cursor)
	assert.ElementsMatch(t, []string{added, old[1], old[2]}, ids(page))
	assert.ElementsMatch(t, []string{old[0], short}, page.Deleted)
	for _, m := range page.Messages {
		if m.ID == old[1] {
			assert.True(t, m.Starred)
			assert.True(t, m.Read)
		}
	}
	assert.Equal(t, 3, e.fake.Stats().Calls["messages.get"],
		"a message added and deleted since the cursor is not fetched")

	idle, err := syncAll(t, e.mb, page.Cursor, mailmanager.SyncOptions{})
	require.NoError(t, err)
	require.Len(t, idle, 1)
	assert.Empty(t, idle[0].Messages)
	assert.Empty(t, idle[0].Deleted)
}

func TestSync_IncrementalPagesCarryOldCursorUntilLast(t *testing.T) {
	e := newEnv(t)
	pages, err := syncAll(t, e.mb, "", mailmanager.SyncOptions{})
	require.NoError(t, err)
	cursor := lastCursor(t, pages)
	added := e.deliverN(t, 5)

	got, err := syncAll(t, e.mb, cursor, mailmanager.SyncOptions{PageSize: 2})
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.ElementsMatch(t, added, ids(got...))
	assert.Equal(t, cursor, got[0].Cursor)
	assert.Equal(t, cursor, got[1].Cursor)
	assert.NotEqual(t, cursor, got[2].Cursor)
	assert.True(t, got[2].Done)
}

func TestSync_IdleMailboxOneRoundTrip(t *testing.T) {
	e := newEnv(t)
	e.deliverN(t, 3)
	pages, err := syncAll(t, e.mb, "", mailmanager.SyncOptions{})
	require.NoError(t, err)
	cursor := lastCursor(t, pages)
	e.fake.ResetStats()

	got, err := syncAll(t, e.mb, cursor, mailmanager.SyncOptions{})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.True(t, got[0].Done)
	assert.Empty(t, got[0].Messages)
	assert.NotEmpty(t, got[0].Cursor)
	assert.Equal(t, 1, e.fake.Stats().RoundTrips)
}

func TestSync_HistoryExpired(t *testing.T) {
	e := newEnv(t)
	e.deliverN(t, 2)
	pages, err := syncAll(t, e.mb, "", mailmanager.SyncOptions{})
	require.NoError(t, err)
	cursor := lastCursor(t, pages)
	e.deliverN(t, 1)
	e.fake.ExpireHistory(alice)

	got, err := syncAll(t, e.mb, cursor, mailmanager.SyncOptions{})
	require.ErrorIs(t, err, mailmanager.ErrCursorExpired)
	assert.Empty(t, got)
	var ae *mailmanager.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusNotFound, ae.Status)
}

func TestSync_UnreadableCursorIsExpired(t *testing.T) {
	e := newEnv(t)
	_, err := syncAll(t, e.mb, "not a cursor", mailmanager.SyncOptions{})
	assert.ErrorIs(t, err, mailmanager.ErrCursorExpired)
}

func TestSync_ServerFaultIsNotExpiry(t *testing.T) {
	e := newEnv(t)
	pages, err := syncAll(t, e.mb, "", mailmanager.SyncOptions{})
	require.NoError(t, err)
	cursor := lastCursor(t, pages)
	e.fake.SetFault(func(r *http.Request) (int, time.Duration) {
		if strings.HasSuffix(r.URL.Path, "/history") {
			return http.StatusServiceUnavailable, 3 * time.Second
		}
		return 0, 0
	})

	_, err = syncAll(t, e.mb, cursor, mailmanager.SyncOptions{})
	require.Error(t, err)
	assert.NotErrorIs(t, err, mailmanager.ErrCursorExpired)
	var ae *mailmanager.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusServiceUnavailable, ae.Status)
	assert.Equal(t, "history.list", ae.Op)
	assert.True(t, ae.Temporary())
	assert.Equal(t, 3*time.Second, ae.RetryAfter)
}

// vanishOnFirstGet deletes victim when the first messages.get is served.
func vanishOnFirstGet(e *env, victim string) {
	var once sync.Once
	e.fake.OnRequest(func(method string, _ *http.Request) {
		if method == "messages.get" {
			once.Do(func() { e.fake.Delete(alice, victim) })
		}
	})
}

func TestSync_VanishingMessage(t *testing.T) {
	t.Run("full sync skips it", func(t *testing.T) {
		e := newEnv(t)
		all := e.deliverN(t, 3)
		vanishOnFirstGet(e, all[1])

		pages, err := syncAll(t, e.mb, "", mailmanager.SyncOptions{})
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{all[0], all[2]}, ids(pages...))
		assert.Empty(t, pages[0].Deleted)
	})
	t.Run("incremental sync reports it deleted", func(t *testing.T) {
		e := newEnv(t)
		pages, err := syncAll(t, e.mb, "", mailmanager.SyncOptions{})
		require.NoError(t, err)
		added := e.deliverN(t, 2)
		vanishOnFirstGet(e, added[0])

		got, err := syncAll(t, e.mb, lastCursor(t, pages), mailmanager.SyncOptions{})
		require.NoError(t, err)
		require.Len(t, got, 1)
		assert.Equal(t, []string{added[1]}, ids(got...))
		assert.Equal(t, []string{added[0]}, got[0].Deleted)
	})
}

func TestSync_BatchRetry(t *testing.T) {
	tests := []struct {
		name     string
		failures int // faults answered for the chosen message
		status   int
		wantErr  bool
	}{
		{"throttled once then served", 1, http.StatusTooManyRequests, false},
		{"server fault once then served", 1, http.StatusInternalServerError, false},
		{"failing four times then served", 4, http.StatusServiceUnavailable, false},
		{"failing five times fails the page", 5, http.StatusServiceUnavailable, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			all := e.deliverN(t, 4)
			victim := "/messages/" + all[2]
			var mu sync.Mutex
			left := tt.failures
			e.fake.SetFault(func(r *http.Request) (int, time.Duration) {
				mu.Lock()
				defer mu.Unlock()
				if strings.HasSuffix(r.URL.Path, victim) && left > 0 {
					left--
					return tt.status, 0
				}
				return 0, 0
			})
			e.fake.ResetStats()

			pages, err := syncAll(t, e.mb, "", mailmanager.SyncOptions{})
			if tt.wantErr {
				require.Error(t, err)
				assert.ErrorContains(t, err, "failed 5 times")
				var ae *mailmanager.APIError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, tt.status, ae.Status)
				assert.Empty(t, pages, "no page is handed over")
				return
			}
			require.NoError(t, err)
			assert.ElementsMatch(t, all, ids(pages...))
			st := e.fake.Stats()
			assert.Equal(t, len(all)+tt.failures, st.Calls["messages.get"])
			assert.Equal(t, 1+tt.failures, st.BatchRequests, "each retry goes in a later batch")
		})
	}
}

// clock is a settable time source for the fake's quota window.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestSync_QuotaExhaustedResumesLater(t *testing.T) {
	e := newEnv(t)
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	e.fake.SetClock(clk.Now)
	want := e.deliverN(t, 4)
	// The first page costs 16 units (profile 1, list 5, two gets 10); the
	// second page's list no longer fits in the minute.
	e.fake.SetQuota(20)
	opts := mailmanager.SyncOptions{PageSize: 2}

	var accepted []*mailmanager.Changes
	err := e.mb.Sync(context.Background(), "", opts,
		func(_ context.Context, c *mailmanager.Changes) error {
			accepted = append(accepted, c)
			return nil
		})
	var ae *mailmanager.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusTooManyRequests, ae.Status)
	assert.True(t, ae.Temporary())
	assert.Positive(t, ae.RetryAfter)
	require.Len(t, accepted, 1)

	clk.Advance(ae.RetryAfter)
	rest, err := syncAll(t, e.mb, accepted[0].Cursor, opts)
	require.NoError(t, err)
	assert.ElementsMatch(t, want, ids(append(accepted, rest...)...))
}
