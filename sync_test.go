package mailmanager_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

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

func (mb *scriptMailbox) Sync(ctx context.Context, cursor string, _ mailmanager.SyncOptions,
	fn func(context.Context, *mailmanager.Changes) error) error {
	mb.p.mu.Lock()
	mb.p.cursors = append(mb.p.cursors, cursor)
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
	for _, p := range pages {
		if err := fn(ctx, p); err != nil {
			return err
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
	a, err := e.m.Account(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "list-2", a.Cursor, "the cursor stops after the last accepted page")

	// A new Manager (a restarted process) resumes where the last one stopped.
	failOn = ""
	rep, err = e.newManager().Sync(ctx, id, mailmanager.SyncOptions{}, host)
	require.NoError(t, err)
	assert.Equal(t, []string{"m1", "m2", "m3"}, seen)
	assert.Equal(t, 1, rep.Pages)
	assert.Equal(t, []string{"", "list-2"}, sp.cursors)
	a, err = e.m.Account(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "history-9", a.Cursor)
}

func TestManager_SyncResetsAfterExpiredCursor(t *testing.T) {
	e, sp, id := newSyncEnv(t)
	ctx := context.Background()
	require.NoError(t, e.store.UpdateCursor(ctx, id, "stale"))
	var resets, pages int

	rep, err := e.m.Sync(ctx, id, mailmanager.SyncOptions{}, func(_ context.Context, c *mailmanager.Changes) error {
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
	assert.Equal(t, []string{"stale", ""}, sp.cursors)
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
