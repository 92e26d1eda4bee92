package mailmanager

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// pushURL is where providers post notifications for provider.
func (s *Scheduler) pushURL(provider string) string {
	u := *s.m.baseURL
	u.Path = strings.TrimRight(u.Path, "/") + "/" + strings.Trim(s.cfg.PushPath, "/") +
		"/" + provider
	return u.String()
}

// ensureWatch creates, renews or recreates the account's subscription as
// w asks. A failure is logged and reported to OnError; the next poll
// tries again.
func (s *Scheduler) ensureWatch(ctx context.Context, a *Account, w watchNeed) {
	m := s.m
	log := m.log.With("account", a.ID, "provider", a.Provider)
	mb, err := m.Mailbox(ctx, a.ID)
	if err != nil {
		s.watchFailed(ctx, a, err)
		return
	}
	wt, ok := mb.(Watcher)
	if !ok {
		return
	}
	prev, err := m.loadPush(ctx, pushAccountKey(a.ID))
	if err != nil && !errors.Is(err, ErrNotFound) {
		s.watchFailed(ctx, a, err)
		return
	}
	now := m.now()
	if w == watchEnsure && prev != nil && now.Before(prev.RenewAt) {
		return
	}
	if w == watchRecreate && prev != nil {
		// The old one may live on at the provider; end it so one mailbox
		// never has two.
		if err := wt.Unwatch(ctx, prev.subscription()); err != nil {
			log.InfoContext(ctx, "push: ending the old subscription failed", "error", err.Error())
		}
		if err := m.removePush(ctx, prev); err != nil {
			log.WarnContext(ctx, "push: forgetting the old subscription failed", "error", err.Error())
		}
		prev = nil
	}

	req := WatchRequest{NotificationURL: s.pushURL(a.Provider), Now: now}
	req.LifecycleURL = req.NotificationURL
	var state string
	if prev != nil && !now.After(prev.Expires) {
		req.Previous = prev.subscription()
		if st, err := m.secrets.open(prev.State, "push-state/"+a.ID); err == nil {
			state = string(st)
		}
	}
	if state == "" {
		state = randomHex(24)
	}
	req.ClientState = state
	if err := m.openValidation(ctx, a.Provider); err != nil {
		s.watchFailed(ctx, a, err)
		return
	}
	sub, err := wt.Watch(ctx, req)
	if errors.Is(err, ErrNotConfigured) {
		log.DebugContext(ctx, "push: provider not set up for push; polling only")
		return
	}
	if err != nil {
		s.watchFailed(ctx, a, err)
		return
	}

	rec := &pushRecord{Account: a.ID, Provider: a.Provider, ID: sub.ID, Resource: sub.Resource,
		Expires: sub.Expires, RenewAt: sub.RenewAt, Cursor: sub.Cursor,
		State: m.sealClientState(a.ID, state)}
	if prev != nil && prev.ID != "" && prev.ID != sub.ID {
		if err := m.removePush(ctx, prev); err != nil {
			log.WarnContext(ctx, "push: forgetting the old subscription failed", "error", err.Error())
		}
	}
	if err := m.savePush(ctx, rec); err != nil {
		s.watchFailed(ctx, a, err)
		return
	}
	s.count(func(st *PushStats) { st.Watches++ })
	log.InfoContext(ctx, "push: subscribed", "subscription", sub.ID,
		"renewed", req.Previous != nil && req.Previous.ID == sub.ID, "expires", sub.Expires)
}

func (s *Scheduler) watchFailed(ctx context.Context, a *Account, err error) {
	s.m.log.WarnContext(ctx, "push: subscribing failed; polling meanwhile, retrying later",
		"account", a.ID, "provider", a.Provider, "error", err.Error())
	if s.cfg.OnError != nil && ctx.Err() == nil {
		s.cfg.OnError(a, err)
	}
}

// Renew checks every active account's subscription now and creates or
// renews the ones that are missing or due, by the Manager's clock. Run
// does this on start and every Poll interval; hosts and tests may call it
// in between. It returns an error only when the accounts cannot be
// listed; failures of single accounts go to OnError.
func (s *Scheduler) Renew(ctx context.Context) error {
	if s.cfg.PushPath == "" {
		return nil
	}
	accts, err := s.m.store.Accounts(ctx, "")
	if err != nil {
		return fmt.Errorf("mailmanager: renew subscriptions: %w", err)
	}
	for _, sa := range accts {
		if sa.Status != StatusActive {
			continue
		}
		a := sa.Account
		s.ensureWatch(ctx, &a, watchEnsure)
	}
	return nil
}

// unwatch ends the account's subscription before it is disconnected. A
// failure is logged: the subscription ends by itself when it expires.
func (m *Manager) unwatch(ctx context.Context, s *StoredAccount) {
	rec, err := m.loadPush(ctx, pushAccountKey(s.ID))
	if err != nil {
		return
	}
	log := m.log.With("account", s.ID, "provider", s.Provider)
	if mb, err := m.Mailbox(ctx, s.ID); err == nil {
		if wt, ok := mb.(Watcher); ok {
			if err := wt.Unwatch(ctx, rec.subscription()); err != nil {
				log.WarnContext(ctx, "push: ending the subscription failed", "error", err.Error())
			}
		}
	}
	if err := m.removePush(ctx, rec); err != nil {
		log.WarnContext(ctx, "push: forgetting the subscription failed", "error", err.Error())
	}
}
