package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/mailmanager/mailmanager"
)

// fleet is a host's sync work shared by several Managers (processes): the
// accounts, which are done, what the host accepted, and a record of every
// sync session and its requests to the fake Gmail.
type fleet struct {
	accounts map[string]string // address by account ID
	opts     mailmanager.SyncOptions
	// accept, when set, is asked first whether the host takes a page;
	// an error refuses it.
	accept func(s *session, page int, c *mailmanager.Changes) error

	mu        sync.Mutex
	done      map[string]string         // by account ID: the Manager that finished it
	delivered map[string]map[string]int // by address and message ID: pages that held it
	pages     map[string]int            // pages accepted, by Manager
	sessions  []*session
	failures  []error
}

func newFleet(accounts map[string]string, opts mailmanager.SyncOptions) *fleet {
	return &fleet{
		accounts:  accounts,
		opts:      opts,
		done:      map[string]string{},
		delivered: map[string]map[string]int{},
		pages:     map[string]int{},
	}
}

// session is one call of Manager.Sync, with the span of its requests to
// the fake Gmail.
type session struct {
	manager string
	account string
	called  time.Time

	mu          sync.Mutex
	requests    int
	first, last time.Time // first request sent, last answer read
	finished    bool
}

func (s *session) begin(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.requests == 0 {
		s.first = now
	}
	s.requests++
}

func (s *session) end(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.After(s.last) {
		s.last = now
	}
}

// span returns the number of requests and their span.
func (s *session) span() (int, time.Time, time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests, s.first, s.last, s.finished
}

type sessionKey struct{}

// tracker is a Manager's outbound transport: it notes each request to the
// fake Gmail in the sync session of its context.
type tracker struct {
	gmailHost string
}

func (tr tracker) RoundTrip(r *http.Request) (*http.Response, error) {
	s, _ := r.Context().Value(sessionKey{}).(*session)
	if s == nil || r.URL.Host != tr.gmailHost {
		return http.DefaultTransport.RoundTrip(r)
	}
	s.begin(time.Now())
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		s.end(time.Now())
		return nil, err
	}
	resp.Body = &endBody{ReadCloser: resp.Body, s: s}
	return resp, nil
}

// endBody ends its request's span when closed.
type endBody struct {
	io.ReadCloser
	s *session
}

func (b *endBody) Close() error {
	err := b.ReadCloser.Close()
	b.s.end(time.Now())
	return err
}

// undone returns the accounts not yet done, shuffled.
func (f *fleet) undone() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for id := range f.accounts {
		if f.done[id] == "" {
			ids = append(ids, id)
		}
	}
	rand.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	return ids
}

// work has the Manager named name sync the accounts not yet done, three at
// a time and each once at a time, until all are done or ctx ends.
func (f *fleet) work(ctx context.Context, name string, m *mailmanager.Manager) {
	sem := make(chan struct{}, 3)
	var mu sync.Mutex
	busy := map[string]bool{}
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		ids := f.undone()
		if len(ids) == 0 || ctx.Err() != nil {
			return
		}
		for _, id := range ids {
			mu.Lock()
			skip := busy[id]
			busy[id] = true
			mu.Unlock()
			if skip {
				continue
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Go(func() {
				defer func() {
					mu.Lock()
					delete(busy, id)
					mu.Unlock()
					<-sem
				}()
				f.syncOnce(ctx, name, m, id)
			})
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return
		}
	}
}

// syncOnce runs one Sync of an account and records its outcome.
func (f *fleet) syncOnce(ctx context.Context, name string, m *mailmanager.Manager, id string) {
	s := &session{manager: name, account: id, called: time.Now()}
	f.mu.Lock()
	f.sessions = append(f.sessions, s)
	f.mu.Unlock()

	page := 0
	_, err := m.Sync(context.WithValue(ctx, sessionKey{}, s), id, f.opts,
		func(_ context.Context, c *mailmanager.Changes) error {
			page++
			return f.take(s, page, c)
		})

	s.mu.Lock()
	s.finished = true
	s.mu.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case err == nil:
		if f.done[id] == "" {
			f.done[id] = name
		}
	case errors.Is(err, mailmanager.ErrSyncInProgress):
	case ctx.Err() != nil || errors.Is(err, errKilled):
		// The process is gone.
	default:
		f.failures = append(f.failures, fmt.Errorf("%s: sync %s: %w", name, id, err))
	}
}

// take is the host's page handler: it records the page's messages.
func (f *fleet) take(s *session, page int, c *mailmanager.Changes) error {
	if f.accept != nil {
		if err := f.accept(s, page, c); err != nil {
			return err
		}
	}
	address := f.accounts[s.account]
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.delivered[address] == nil {
		f.delivered[address] = map[string]int{}
	}
	for _, m := range c.Messages {
		f.delivered[address][m.ID]++
	}
	f.pages[s.manager]++
	return nil
}

// acceptedPagesBesides returns the pages accepted from Managers other than
// name.
func (f *fleet) acceptedPagesBesides(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for m, pages := range f.pages {
		if m != name {
			n += pages
		}
	}
	return n
}

// inProgress returns the sessions of the Manager named name that have
// not returned.
func (f *fleet) inProgress(name string) []*session {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*session
	for _, s := range f.sessions {
		if _, _, _, finished := s.span(); s.manager == name && !finished {
			out = append(out, s)
		}
	}
	return out
}

// sessionsOf returns the sessions of an account.
func (f *fleet) sessionsOf(account string) []*session {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*session
	for _, s := range f.sessions {
		if s.account == account {
			out = append(out, s)
		}
	}
	return out
}

// overlaps returns, for each account, the pairs of sessions whose requests
// overlapped in time.
func (f *fleet) overlaps() []string {
	f.mu.Lock()
	byAccount := map[string][]*session{}
	for _, s := range f.sessions {
		if n, _, _, _ := s.span(); n > 0 {
			byAccount[s.account] = append(byAccount[s.account], s)
		}
	}
	f.mu.Unlock()

	var out []string
	for id, list := range byAccount {
		slices.SortFunc(list, func(a, b *session) int {
			_, fa, _, _ := a.span()
			_, fb, _, _ := b.span()
			return fa.Compare(fb)
		})
		var latest *session
		var latestEnd time.Time
		for _, s := range list {
			_, first, last, _ := s.span()
			if latest != nil && first.Before(latestEnd) {
				out = append(out, fmt.Sprintf("account %s: a sync by %s began %s before one by %s ended",
					id, s.manager, latestEnd.Sub(first), latest.manager))
			}
			if last.After(latestEnd) {
				latest, latestEnd = s, last
			}
		}
	}
	return out
}
