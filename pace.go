package mailmanager

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Limits are a provider's limits on the requests of one mailbox, which the
// Manager keeps below so a sync slows down before the provider says 429.
// A Provider declares them by implementing [RateLimited].
type Limits struct {
	// MaxInFlight is the most requests in flight at once; zero means no
	// limit. Graph allows 4 per mailbox.
	MaxInFlight int
	// Units is the budget of quota units per Window; zero means no limit.
	// Gmail counts 6,000 units per user per minute for most projects.
	Units  int
	Window time.Duration
	// Cost returns the units a request costs; nil means 1 per request.
	Cost func(r *http.Request) int
}

// RateLimited is implemented by a Provider whose API limits each mailbox.
type RateLimited interface {
	// Limits returns the limits to keep below. It is called once per
	// account and Manager.
	Limits() Limits
}

// pacer keeps one mailbox's requests within its Limits: a semaphore for
// requests in flight, and a sliding window of spent units, so no window of
// that length ever holds more than the budget, whichever way the provider
// aligns its own. It is safe for concurrent use.
type pacer struct {
	limits Limits
	slots  chan struct{}
	// shared, when set, spends units in a budget shared between
	// processes instead of the local window.
	shared func(ctx context.Context, units int) (time.Duration, error)

	mu    sync.Mutex
	spent []spend // oldest first
	total int
}

type spend struct {
	at    time.Time
	units int
}

func newPacer(l Limits) *pacer {
	p := &pacer{limits: l}
	if l.MaxInFlight > 0 {
		p.slots = make(chan struct{}, l.MaxInFlight)
	}
	return p
}

// acquire waits until a request of the given cost may leave, and returns
// the function that releases its in-flight slot.
func (p *pacer) acquire(ctx context.Context, cost int) (func(), error) {
	if err := p.spendUnits(ctx, cost); err != nil {
		return nil, err
	}
	if p.slots == nil {
		return func() {}, nil
	}
	select {
	case p.slots <- struct{}{}:
		return func() { <-p.slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *pacer) spendUnits(ctx context.Context, cost int) error {
	l := p.limits
	if l.Units <= 0 || l.Window <= 0 || cost <= 0 {
		return nil
	}
	cost = min(cost, l.Units)
	if p.shared != nil {
		return p.spendShared(ctx, cost)
	}
	for {
		p.mu.Lock()
		now := time.Now()
		for len(p.spent) > 0 && now.Sub(p.spent[0].at) >= l.Window {
			p.total -= p.spent[0].units
			p.spent = p.spent[1:]
		}
		if p.total+cost <= l.Units {
			p.spent = append(p.spent, spend{at: now, units: cost})
			p.total += cost
			p.mu.Unlock()
			return nil
		}
		// Wait until enough of the oldest spending leaves the window.
		need, i := p.total+cost-l.Units, 0
		for freed := 0; freed < need && i < len(p.spent); i++ {
			freed += p.spent[i].units
		}
		wait := p.spent[i-1].at.Add(l.Window).Sub(now)
		p.mu.Unlock()
		if err := sleep(ctx, max(wait, time.Millisecond)); err != nil {
			return fmt.Errorf("mailmanager: waiting for quota: %w", err)
		}
	}
}

// pacer returns the account's pacer, made on first use from its provider's
// limits, or nil when the provider declares none.
func (m *Manager) pacer(ctx context.Context, accountID string) (*pacer, error) {
	m.mu.Lock()
	p, ok := m.pacers[accountID]
	m.mu.Unlock()
	if ok {
		return p, nil
	}
	s, err := m.store.Account(ctx, accountID)
	if err != nil {
		return nil, fmt.Errorf("mailmanager: account %s: %w", accountID, err)
	}
	if prov, err := m.provider(s.Provider); err == nil {
		if rl, ok := prov.(RateLimited); ok {
			l := rl.Limits()
			p = newPacer(l)
			if qs, ok := m.store.(QuotaStore); ok && l.Units > 0 && l.Window > 0 {
				key := "quota/" + accountID
				p.shared = func(ctx context.Context, units int) (time.Duration, error) {
					return qs.SpendQuota(ctx, key, units, l.Units, l.Window)
				}
			}
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if existing, ok := m.pacers[accountID]; ok {
		return existing, nil
	}
	m.pacers[accountID] = p
	return p, nil
}

// spendShared spends units in the shared budget, waiting as long as the
// store says.
func (p *pacer) spendShared(ctx context.Context, cost int) error {
	for {
		wait, err := p.shared(ctx, cost)
		if err != nil {
			return fmt.Errorf("mailmanager: spend shared quota: %w", err)
		}
		if wait <= 0 {
			return nil
		}
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("mailmanager: waiting for quota: %w", err)
		}
	}
}

// paceTransport holds each request until the account's limits allow it.
type paceTransport struct {
	m    *Manager
	id   string
	next http.RoundTripper
}

func (t *paceTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	p, err := t.m.pacer(r.Context(), t.id)
	if err != nil || p == nil {
		if err != nil {
			if r.Body != nil {
				r.Body.Close()
			}
			return nil, err
		}
		return t.next.RoundTrip(r)
	}
	cost := 1
	if p.limits.Cost != nil {
		cost = p.limits.Cost(r)
	}
	release, err := p.acquire(r.Context(), cost)
	if err != nil {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, err
	}
	resp, err := t.next.RoundTrip(r)
	if err != nil || resp.Body == nil || resp.Body == http.NoBody || resp.ContentLength == 0 {
		release()
		return resp, err
	}
	// The slot stays taken until the body is read and closed.
	resp.Body = &releaseBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

// releaseBody frees an in-flight slot when the response body is closed.
type releaseBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

func (b *releaseBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}
