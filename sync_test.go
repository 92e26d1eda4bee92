package mailmanager_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest"
)

// scriptProvider serves a mailbox whose sync pages follow a fixed script:
// a full sync of two pages, then an idle history cursor; "stale" expires.
type scriptProvider struct {
	*mailtest.Provider
	mu      sync.Mutex
	cursors []string
	since   []time.Time
	// failAfter, when set, makes a full sync fail after its first page.
	failAfter bool
}

func (p *scriptProvider) calls() ([]string, []time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.cursors...), append([]time.Time(nil), p.since...)
}

func (p *scriptProvider) Open(ctx context.Context, c *http.Client) (mailmanager.Mailbox, error) {
	mb, err := p.Provider.Open(ctx, c)
	if err != nil {
		return nil, err
	}
	return &scriptMailbox{Mailbox: mb, p: p}, nil
}

type scriptMailbox struct {
	mailmanager.Mailbox
	p *scriptProvider
}

func (mb *scriptMailbox) Sync(ctx context.Context, cursor string, opts mailmanager.SyncOptions,
	fn func(context.Context, *mailmanager.Changes) error) error {
	mb.p.mu.Lock()
	mb.p.cursors = append(mb.p.cursors, cursor)
	mb.p.since = append(mb.p.since, opts.Since)
	failAfter := mb.p.failAfter
	mb.p.mu.Unlock()
	msg := func(id string) *mailmanager.Message { return &mailmanager.Message{ID: id} }
	full := []*mailmanager.Changes{
		{Messages: []*mailmanager.Message{msg("m1"), msg("m2")}, Cursor: "list-2", Full: true},
		{Messages: []*mailmanager.Message{msg("m3")}, Cursor: "history-9", Full: true, Done: true},
	}
	var pages []*mailmanager.Changes
	switch cursor {
	case "":
		pages = full
	case "list-2":
		pages = full[1:]
	case "history-9":
		pages = []*mailmanager.Changes{{Cursor: "history-9", Done: true}}
	case "stale":
		return fmt.Errorf("script: history: %w", mailmanager.ErrCursorExpired)
	default:
		return fmt.Errorf("script: unknown cursor %q", cursor)
	}
	for i, p := range pages {
		if err := fn(ctx, p); err != nil {
			return err
		}
		if failAfter && i == 0 && cursor == "" {
			return errors.New("script: connection lost")
		}
	}
	return nil
}

func newSyncEnv(t *testing.T) (*env, *scriptProvider, string) {
	e := newEnv(t)
	sp := &scriptProvider{Provider: &mailtest.Provider{ProviderName: "script", Server: e.oauth}}
	e.config.Providers = []mailmanager.Provider{sp}
	e.m = e.newManager()
	ctx := context.Background()
	require.NoError(t, e.m.SaveCredentials(ctx, "script",
		mailmanager.Credentials{ClientID: testClientID, ClientSecret: testClientSecret}))
	mux := http.NewServeMux()
	mux.Handle("/oauth/connect/", e.m.ConnectHandler())
	mux.Handle("/oauth/callback/", e.m.CallbackHandler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {})
	e.app.Config.Handler = mux
	resp, _ := e.connect("u1", "script", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return e, sp, e.onlyAccount("u1").ID
}

func TestManager_SyncAdvancesCursorOnlyAfterHostAccepts(t *testing.T) {
	e, sp, id := newSyncEnv(t)
	ctx := context.Background()
	var seen []string
	failOn := "m3"
	host := func(_ context.Context, c *mailmanager.Changes) error {
		for _, m := range c.Messages {
			if m.ID == failOn {
				return errors.New("database down")
			}
			seen = append(seen, m.ID)
		}
		return nil
	}

	rep, err := e.m.Sync(ctx, id, mailmanager.SyncOptions{}, host)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "database down")
	assert.Equal(t, 1, rep.Pages)

	// A new Manager (a restarted process) resumes where the last one stopped.
	failOn = ""
	rep, err = e.newManager().Sync(ctx, id, mailmanager.SyncOptions{}, host)
	require.NoError(t, err)
	assert.Equal(t, []string{"m1", "m2", "m3"}, seen)
	assert.Equal(t, 1, rep.Pages)
	cursors, _ := sp.calls()
	assert.Equal(t, []string{"", "list-2"}, cursors, "the second run resumes after the last accepted page")

	rep, err = e.m.Sync(ctx, id, mailmanager.SyncOptions{}, host)
	require.NoError(t, err)
	cursors, _ = sp.calls()
	assert.Equal(t, "history-9", cursors[2])
	assert.False(t, rep.Full)
}

func TestManager_SyncResetsAfterExpiredCursor(t *testing.T) {
	e, sp, id := newSyncEnv(t)
	ctx := context.Background()
	require.NoError(t, e.store.UpdateCursor(ctx, id, "stale"))
	var resets, pages int
	var progress []mailmanager.SyncProgress

	opts := mailmanager.SyncOptions{Progress: func(p mailmanager.SyncProgress) { progress = append(progress, p) }}
	rep, err := e.m.Sync(ctx, id, opts, func(_ context.Context, c *mailmanager.Changes) error {
		pages++
		if c.Reset {
			resets++
		}
		return nil
	})

	require.NoError(t, err)
	assert.True(t, rep.Reset)
	assert.True(t, rep.Full)
	assert.Equal(t, 2, pages)
	assert.Equal(t, 2, resets, "every page of the resync is marked")
	assert.Equal(t, 3, rep.Messages)
	cursors, _ := sp.calls()
	assert.Equal(t, []string{"stale", ""}, cursors)
	require.Len(t, progress, 2)
	assert.Equal(t, mailmanager.SyncProgress{Pages: 2, Messages: 3, Full: true, Reset: true,
		Elapsed: progress[1].Elapsed}, progress[1])
}

func TestManager_ResyncKeepsTheFirstBoundary(t *testing.T) {
	e, sp, id := newSyncEnv(t)
	ctx := context.Background()
	boundary := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	accept := func(context.Context, *mailmanager.Changes) error { return nil }

	_, err := e.m.Sync(ctx, id, mailmanager.SyncOptions{Since: boundary}, accept)
	require.NoError(t, err)
	expireScript(t, e, id)
	rep, err := e.m.Sync(ctx, id, mailmanager.SyncOptions{}, accept)
	require.NoError(t, err)

	assert.True(t, rep.Reset)
	cursors, since := sp.calls()
	assert.Equal(t, []string{"", "stale", ""}, cursors)
	assert.True(t, since[2].Equal(boundary), "the resync reuses the first sync's boundary, got %v", since[2])
}

func TestManager_InterruptedResetStaysMarked(t *testing.T) {
	e, sp, id := newSyncEnv(t)
	ctx := context.Background()
	require.NoError(t, e.store.UpdateCursor(ctx, id, "stale"))
	sp.failAfter = true
	var marked []bool
	host := func(_ context.Context, c *mailmanager.Changes) error {
		marked = append(marked, c.Reset)
		return nil
	}

	_, err := e.m.Sync(ctx, id, mailmanager.SyncOptions{}, host)
	require.Error(t, err)
	sp.failAfter = false
	rep, err := e.newManager().Sync(ctx, id, mailmanager.SyncOptions{}, host)
	require.NoError(t, err)

	assert.True(t, rep.Reset, "the resumed run is still a reset")
	assert.Equal(t, []bool{true, true}, marked)
	cursors, _ := sp.calls()
	assert.Equal(t, []string{"stale", "", "list-2"}, cursors)
}

func TestManager_ResetLoopGuard(t *testing.T) {
	e, _, id := newSyncEnv(t)
	ctx := context.Background()
	accept := func(context.Context, *mailmanager.Changes) error { return nil }
	_, err := e.m.Sync(ctx, id, mailmanager.SyncOptions{}, accept)
	require.NoError(t, err)

	for i := range 3 {
		expireScript(t, e, id)
		rep, err := e.m.Sync(ctx, id, mailmanager.SyncOptions{}, accept)
		require.NoError(t, err, "reset %d", i+1)
		require.True(t, rep.Reset)
	}
	expireScript(t, e, id)
	_, err = e.m.Sync(ctx, id, mailmanager.SyncOptions{}, accept)
	require.ErrorIs(t, err, mailmanager.ErrCursorExpired)
	assert.Contains(t, err.Error(), "not resetting again")

	// A day later the guard lets a reset through again.
	e.clock.Advance(25 * time.Hour)
	rep, err := e.newManager().Sync(ctx, id, mailmanager.SyncOptions{}, accept)
	require.NoError(t, err)
	assert.True(t, rep.Reset)
}

// expireScript makes the script's provider cursor of the account "stale"
// while keeping the Manager's own sync state, as an expiry at the provider
// would.
func expireScript(t *testing.T, e *env, id string) {
	t.Helper()
	a, err := e.m.Account(context.Background(), id)
	require.NoError(t, err)
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(a.Cursor, "mm1."))
	require.NoError(t, err)
	var st map[string]any
	require.NoError(t, json.Unmarshal(raw, &st))
	st["c"] = "stale"
	b, err := json.Marshal(st)
	require.NoError(t, err)
	require.NoError(t, e.store.UpdateCursor(context.Background(), id, "mm1."+base64.RawURLEncoding.EncodeToString(b)))
}

func TestManager_SyncRefusesAccountNeedingReauth(t *testing.T) {
	e, _, id := newSyncEnv(t)
	ctx := context.Background()
	require.NoError(t, e.store.UpdateStatus(ctx, id, mailmanager.StatusNeedsReauth))
	_, err := e.m.Sync(ctx, id, mailmanager.SyncOptions{}, func(context.Context, *mailmanager.Changes) error {
		t.Fatal("no page may be delivered")
		return nil
	})
	require.ErrorIs(t, err, mailmanager.ErrReauthRequired)
}

func TestManager_SyncLeaseKeepsOneSyncPerAccount(t *testing.T) {
	e, _, id := newSyncEnv(t)
	ctx := context.Background()
	other := e.newManager()
	entered, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		first := true
		_, err := e.m.Sync(ctx, id, mailmanager.SyncOptions{}, func(context.Context, *mailmanager.Changes) error {
			if first {
				first = false
				close(entered)
				<-release
			}
			return nil
		})
		done <- err
	}()
	<-entered

	_, err := other.Sync(ctx, id, mailmanager.SyncOptions{}, func(context.Context, *mailmanager.Changes) error {
		t.Error("a second sync of the same account ran")
		return nil
	})
	require.ErrorIs(t, err, mailmanager.ErrSyncInProgress)
	require.ErrorIs(t, err, mailmanager.ErrConflict)

	close(release)
	require.NoError(t, <-done)
	_, err = other.Sync(ctx, id, mailmanager.SyncOptions{}, func(context.Context, *mailmanager.Changes) error { return nil })
	require.NoError(t, err, "the lease is free once the first sync ends")
}

func TestManager_TwoSyncsInOneManagerExcludeEachOther(t *testing.T) {
	e, _, id := newSyncEnv(t)
	ctx := context.Background()
	entered, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		first := true
		_, err := e.m.Sync(ctx, id, mailmanager.SyncOptions{}, func(context.Context, *mailmanager.Changes) error {
			if first {
				first = false
				close(entered)
				<-release
			}
			return nil
		})
		done <- err
	}()
	<-entered

	_, err := e.m.Sync(ctx, id, mailmanager.SyncOptions{}, func(context.Context, *mailmanager.Changes) error {
		t.Error("a second sync in the same Manager ran")
		return nil
	})
	require.ErrorIs(t, err, mailmanager.ErrSyncInProgress)
	close(release)
	require.NoError(t, <-done)
}
