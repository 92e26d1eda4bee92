package mailmanager

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SyncReport summarizes one run of [Manager.Sync].
type SyncReport struct {
	// Pages and Messages count what was handed to the host; Deleted counts
	// deletions.
	Pages, Messages, Deleted int
	// Full reports a full sync (a first sync, or one after a reset),
	// including a run that resumed one.
	Full bool
	// Reset reports that the stored cursor had expired and the mailbox was
	// synced again from its start.
	Reset bool
	// Elapsed is how long the run took.
	Elapsed time.Duration
}

// Reset loop guard: more than maxResets resets of one account within
// resetWindow means something is wrong beyond an old cursor, and Sync
// reports it instead of syncing the mailbox in full again.
const (
	maxResets   = 3
	resetWindow = 24 * time.Hour
)

// Sync hands the account's changes since its last sync to fn, one page at
// a time. The stored cursor advances only after fn returns nil for a page,
// so a failure or a crash delivers that page again on the next run
// (at-least-once; pages are idempotent by message ID). fn must not keep the
// page after it returns.
//
// opts.Since bounds the account's first sync; the Manager remembers it and
// uses it again whenever the mailbox must be synced in full. When the
// provider no longer knows the cursor, Sync starts a full sync and marks
// every page of it with [Changes.Reset], so the host can drop messages
// that the full sync does not deliver again; a run that resumes an
// interrupted reset still marks its pages. Within one call a reset happens
// at most once, and after three resets of an account within a day Sync
// returns an error wrapping [ErrCursorExpired] instead of another.
//
// When the store offers leases (see [Leaser]), Sync holds the account's
// lease while it runs and fails with [ErrSyncInProgress] when another
// process holds it.
func (m *Manager) Sync(ctx context.Context, accountID string, opts SyncOptions,
	fn func(context.Context, *Changes) error) (*SyncReport, error) {
	start := m.now()
	ctx, release, err := m.holdLease(ctx, accountID)
	if err != nil {
		return nil, err
	}
	defer release()
	// The account is read under the lease: its cursor is where the last
	// holder stopped.
	mb, s, err := m.open(ctx, accountID)
	if err != nil {
		return nil, err
	}
	log := m.log.With("account", accountID, "provider", s.Provider)
	st := parseSyncState(s.Cursor)
	if st.Provider == "" && st.Since == 0 && !opts.Since.IsZero() {
		st.Since = opts.Since.Unix()
	}
	if st.Since != 0 {
		opts.Since = time.Unix(st.Since, 0)
	}
	rep := &SyncReport{Full: st.Provider == "", Reset: st.Resetting}

	deliver := func(ctx context.Context, c *Changes) error {
		c.Reset = c.Reset || rep.Reset
		if err := fn(ctx, c); err != nil {
			return fmt.Errorf("mailmanager: sync %s: host rejected page %d: %w", accountID, rep.Pages+1, err)
		}
		next := st
		next.Provider = c.Cursor
		if c.Done {
			next.Resetting = false
		}
		if err := m.store.UpdateCursor(ctx, accountID, next.String()); err != nil {
			return fmt.Errorf("mailmanager: sync %s: save cursor: %w", accountID, err)
		}
		st = next
		rep.Full = rep.Full || c.Full
		rep.Pages++
		rep.Messages += len(c.Messages)
		rep.Deleted += len(c.Deleted)
		log.DebugContext(ctx, "sync page accepted",
			"page", rep.Pages, "messages", len(c.Messages), "deleted", len(c.Deleted))
		if opts.Progress != nil {
			opts.Progress(SyncProgress{Pages: rep.Pages, Messages: rep.Messages, Deleted: rep.Deleted,
				Full: rep.Full, Reset: rep.Reset, Elapsed: m.now().Sub(start)})
		}
		return nil
	}

	err = mb.Sync(ctx, st.Provider, opts, deliver)
	if errors.Is(err, ErrCursorExpired) && st.Provider != "" {
		err = m.reset(ctx, accountID, &st, rep)
		if err == nil {
			log.WarnContext(ctx, "sync cursor expired; syncing the mailbox again in full")
			err = mb.Sync(ctx, "", opts, deliver)
		}
	}
	rep.Elapsed = m.now().Sub(start)
	if err != nil {
		log.WarnContext(ctx, "sync failed", "pages", rep.Pages, "error", err.Error())
		return rep, err
	}
	log.InfoContext(ctx, "sync done", "pages", rep.Pages, "messages", rep.Messages,
		"deleted", rep.Deleted, "reset", rep.Reset, "elapsed", rep.Elapsed)
	return rep, nil
}

// reset records the start of a full resync, or refuses one when the
// account was reset too often lately.
func (m *Manager) reset(ctx context.Context, accountID string, st *syncState, rep *SyncReport) error {
	now := m.now()
	if st.recentResets(now, resetWindow) >= maxResets {
		return fmt.Errorf("mailmanager: sync %s: cursor expired after %d resets within %s; not resetting again: %w",
			accountID, maxResets, resetWindow, ErrCursorExpired)
	}
	st.Resets = append(st.Resets, now.Unix())
	if len(st.Resets) > maxResets {
		st.Resets = st.Resets[len(st.Resets)-maxResets:]
	}
	st.Provider, st.Resetting = "", true
	if err := m.store.UpdateCursor(ctx, accountID, st.String()); err != nil {
		return fmt.Errorf("mailmanager: sync %s: save cursor: %w", accountID, err)
	}
	rep.Reset, rep.Full = true, true
	return nil
}
