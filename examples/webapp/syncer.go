package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/mailmanager/mailmanager"
)

// syncer runs the syncs of all accounts: on demand (a connect, the Refresh
// button, a sent message) and every few minutes in the background. Syncs
// of one account run one at a time; a sync asked for while one waits is
// merged into it. It is safe for concurrent use.
type syncer struct {
	mgr   *mailmanager.Manager
	index *index
	log   *slog.Logger
	every time.Duration

	// ctx bounds background syncs; stop cancels it.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	states map[string]*syncState // by account ID
}

// syncState is one account's sync. mu is held while a sync runs; the other
// fields are guarded by syncer.mu.
type syncState struct {
	mu       sync.Mutex
	queued   bool
	gone     bool
	progress syncProgress
}

// syncProgress is what the mail page shows of an account's sync.
type syncProgress struct {
	Running  bool
	Full     bool
	Pages    int
	Messages int
	Started  time.Time
	Finished time.Time
	// Problem is a text for the user when the last sync failed.
	Problem string
}

var errAccountGone = errors.New("webapp: account was disconnected")

func newSyncer(mgr *mailmanager.Manager, x *index, log *slog.Logger, every time.Duration) *syncer {
	ctx, cancel := context.WithCancel(context.Background())
	return &syncer{
		mgr: mgr, index: x, log: log, every: every,
		ctx: ctx, cancel: cancel,
		states: make(map[string]*syncState),
	}
}

func (s *syncer) state(id string) *syncState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.states[id]
	if !ok {
		st = &syncState{}
		s.states[id] = st
	}
	return st
}

// start runs the background sync of every account until stop.
func (s *syncer) start() {
	s.wg.Go(func() {
		t := time.NewTicker(s.every)
		defer t.Stop()
		for {
			select {
			case <-s.ctx.Done():
				return
			case <-t.C:
				s.triggerAll()
			}
		}
	})
}

// stop cancels running syncs and waits for them to end.
func (s *syncer) stop() {
	s.cancel()
	s.wg.Wait()
}

// triggerAll starts a sync of every active account.
func (s *syncer) triggerAll() {
	accounts, err := s.mgr.Accounts(s.ctx, "")
	if err != nil {
		s.log.Warn("background sync: list accounts", "error", err)
		return
	}
	for _, a := range accounts {
		if a.Status == mailmanager.StatusActive {
			s.trigger(a.ID)
		}
	}
}

// trigger starts a sync of one account in the background, unless one is
// already waiting to start.
func (s *syncer) trigger(id string) {
	st := s.state(id)
	s.mu.Lock()
	if st.queued || st.gone || s.ctx.Err() != nil {
		s.mu.Unlock()
		return
	}
	st.queued = true
	st.progress.Running = true
	s.mu.Unlock()
	s.wg.Go(func() {
		if err := s.run(s.ctx, id); err != nil && !errors.Is(err, context.Canceled) &&
			!errors.Is(err, errAccountGone) {
			s.log.Warn("sync failed", "account", id, "error", err)
		}
	})
}

// run syncs one account now, after a sync of it in progress, and then
// refreshes its folders.
func (s *syncer) run(ctx context.Context, id string) error {
	st := s.state(id)
	st.mu.Lock()
	defer st.mu.Unlock()
	s.mu.Lock()
	st.queued = false
	gone := st.gone
	st.progress = syncProgress{Running: true, Started: time.Now(), Finished: st.progress.Finished}
	s.mu.Unlock()
	if gone {
		return errAccountGone
	}

	acct, err := s.mgr.Account(ctx, id)
	if err == nil {
		err = s.syncAccount(ctx, st, acct)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	st.progress.Running = st.queued
	st.progress.Finished = time.Now()
	if err != nil {
		st.progress.Problem = syncProblem(err)
	}
	return err
}

func (s *syncer) syncAccount(ctx context.Context, st *syncState, acct *mailmanager.Account) error {
	_, err := s.mgr.Sync(ctx, acct.ID, mailmanager.SyncOptions{},
		func(ctx context.Context, c *mailmanager.Changes) error {
			s.mu.Lock()
			gone := st.gone
			if !gone {
				st.progress.Pages++
				st.progress.Messages += len(c.Messages)
				st.progress.Full = st.progress.Full || c.Full
			}
			s.mu.Unlock()
			if gone {
				return errAccountGone
			}
			s.index.apply(acct, c)
			return nil
		})
	if err != nil {
		return err
	}
	mb, err := s.mgr.Mailbox(ctx, acct.ID)
	if err != nil {
		return err
	}
	folders, err := mb.Folders(ctx)
	if err != nil {
		return err
	}
	s.index.setFolders(acct, folders)
	return nil
}

// forget stops syncing an account that was disconnected.
func (s *syncer) forget(id string) {
	st := s.state(id)
	s.mu.Lock()
	st.gone = true
	st.progress = syncProgress{}
	s.mu.Unlock()
}

// progress returns the sync progress of an account.
func (s *syncer) progress(id string) syncProgress {
	st := s.state(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	return st.progress
}

// syncProblem turns a sync failure into a text for the user.
func syncProblem(err error) string {
	switch {
	case errors.Is(err, mailmanager.ErrReauthRequired):
		return "The provider no longer accepts this mailbox's authorization. Reconnect it."
	case errors.Is(err, mailmanager.ErrNotConfigured):
		return "This provider is not configured any more."
	case errors.Is(err, context.Canceled):
		return "The sync was interrupted."
	}
	var apiErr *mailmanager.APIError
	if errors.As(err, &apiErr) && apiErr.Temporary() {
		return "The provider is busy; the next sync will try again."
	}
	return "The last sync failed; the next one will try again."
}
