package mailmanager

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Defaults of [SchedulerConfig].
const (
	// DefaultPoll is how often every account is synced when no push
	// arrives.
	DefaultPoll = 5 * time.Minute
	// DefaultDebounce is how long a trigger waits for more triggers of the
	// same account before the sync starts.
	DefaultDebounce = 250 * time.Millisecond
	// DefaultWorkers is how many accounts sync at once.
	DefaultWorkers = 4
)

// maxBusyBackoff bounds the wait before trying again an account another
// process is syncing.
const maxBusyBackoff = time.Minute

// SchedulerConfig configures a [Scheduler]. Handle is required.
type SchedulerConfig struct {
	// Poll is the fallback interval at which every active account is
	// synced and push subscriptions are checked for renewal, whether or
	// not notifications arrive. Zero means [DefaultPoll].
	Poll time.Duration

	// Debounce is how long the first trigger of an account waits for more
	// before its sync starts; triggers in that time, and those arriving
	// while the sync runs, make one sync. Zero means [DefaultDebounce].
	Debounce time.Duration

	// Workers bounds the number of accounts syncing at once. Zero means
	// [DefaultWorkers].
	Workers int

	// Handle receives the pages of every sync, as the fn of
	// [Manager.Sync] does. It is called for one account at a time, from
	// several goroutines for different accounts.
	Handle func(ctx context.Context, a *Account, c *Changes) error

	// OnError, when set, is told of a sync or subscription that failed.
	// The Scheduler tries again on the next trigger or poll.
	OnError func(a *Account, err error)

	// OnSync, when set, is told of every finished sync.
	OnSync func(a *Account, rep *SyncReport)

	// Options are passed to every [Manager.Sync].
	Options SyncOptions

	// PushPath is the path where the host mounts [Scheduler.PushHandler];
	// the provider's name is appended to it, and the result joined to
	// Config.BaseURL is the URL providers post notifications to. Empty
	// means no subscriptions are made: the Scheduler only polls and
	// serves Trigger.
	PushPath string
}

// Scheduler syncs accounts when push notifications or the host trigger
// them, and polls every account as a safety net. It coalesces bursts of
// triggers into one sync, never runs two syncs of one account at once
// (across processes too, through the store's leases, see [Leaser]), and
// keeps the accounts' push subscriptions alive. It is safe for concurrent
// use. Build it with [Manager.Scheduler] and start it with
// [Scheduler.Run].
type Scheduler struct {
	m   *Manager
	cfg SchedulerConfig

	mu     sync.Mutex
	slots  map[string]*slot
	queue  []string
	wake   chan struct{}
	stats  PushStats
	active bool
}

// slot is the scheduling state of one account.
type slot struct {
	sync    bool // a sync is wanted
	watch   watchNeed
	timer   *time.Timer
	queued  bool
	running bool
	backoff time.Duration
}

// watchNeed says what an account's subscription needs.
type watchNeed int

const (
	watchNone watchNeed = iota
	watchEnsure
	watchRenew
	watchRecreate
)

// PushStats counts what a [Scheduler] received and did.
type PushStats struct {
	// Notifications counts notifications decoded from push requests.
	Notifications int
	// Refused counts push requests refused as unauthenticated and
	// notifications carrying a wrong client state.
	Refused int
	// Ignored counts notifications for unknown subscriptions or
	// mailboxes.
	Ignored int
	// Validations counts validation requests answered.
	Validations int
	// Syncs counts sync runs started, Failed those that failed.
	Syncs, Failed int
	// Watches counts subscriptions created or renewed.
	Watches int
}

// Scheduler returns a Scheduler of the Manager's accounts. It panics if
// cfg.Handle is nil.
func (m *Manager) Scheduler(cfg SchedulerConfig) *Scheduler {
	if cfg.Handle == nil {
		panic("mailmanager: SchedulerConfig.Handle is nil")
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.Debounce <= 0 {
		cfg.Debounce = DefaultDebounce
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	return &Scheduler{m: m, cfg: cfg, slots: map[string]*slot{}, wake: make(chan struct{}, 1)}
}

// Stats returns the counts so far.
func (s *Scheduler) Stats() PushStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

func (s *Scheduler) count(f func(*PushStats)) {
	s.mu.Lock()
	f(&s.stats)
	s.mu.Unlock()
}

// Trigger asks for an incremental sync of the account. It returns at once;
// the sync starts after the debounce interval, once Run is running.
func (s *Scheduler) Trigger(accountID string) {
	s.want(accountID, true, watchNone)
}

// want records what an account needs and arms its debounce timer.
func (s *Scheduler) want(accountID string, sync bool, w watchNeed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl := s.slots[accountID]
	if sl == nil {
		sl = &slot{}
		s.slots[accountID] = sl
	}
	sl.sync = sl.sync || sync
	sl.watch = max(sl.watch, w)
	s.arm(accountID, sl, s.cfg.Debounce)
}

// arm starts the slot's timer unless it is waiting or running. s.mu is
// held.
func (s *Scheduler) arm(accountID string, sl *slot, d time.Duration) {
	if sl.running || sl.queued || sl.timer != nil {
		return
	}
	sl.timer = time.AfterFunc(d, func() { s.fire(accountID) })
}

// fire queues the account for a worker.
func (s *Scheduler) fire(accountID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl := s.slots[accountID]
	if sl == nil {
		return
	}
	sl.timer = nil
	if sl.running || sl.queued {
		return
	}
	sl.queued = true
	s.queue = append(s.queue, accountID)
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run runs the Scheduler until ctx ends: it polls every account and checks
// subscriptions at once and every Poll interval, and syncs the accounts
// triggered. It returns nil once ctx has ended and the syncs in progress
// have stopped, or an error if the Scheduler, or another of the same
// Manager, is already running.
func (s *Scheduler) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.active {
		s.mu.Unlock()
		return errors.New("mailmanager: scheduler is already running")
	}
	s.active = true
	s.mu.Unlock()
	if !s.m.attach(s) {
		s.mu.Lock()
		s.active = false
		s.mu.Unlock()
		return errors.New("mailmanager: another scheduler of this Manager is running")
	}
	defer func() {
		s.m.detach(s)
		s.mu.Lock()
		s.active = false
		s.mu.Unlock()
	}()

	var wg sync.WaitGroup
	defer wg.Wait()
	sem := make(chan struct{}, s.cfg.Workers)
	wg.Go(func() { s.tick(ctx) })
	poll := time.NewTicker(s.cfg.Poll)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
			wg.Go(func() { s.tick(ctx) })
		case <-s.wake:
			for _, id := range s.drain() {
				wg.Go(func() {
					select {
					case sem <- struct{}{}:
					case <-ctx.Done():
						s.abandon(id)
						return
					}
					defer func() { <-sem }()
					s.work(ctx, id)
				})
			}
		}
	}
}

// drain takes the queued accounts and marks them running.
func (s *Scheduler) drain() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := s.queue
	s.queue = nil
	for _, id := range ids {
		if sl := s.slots[id]; sl != nil {
			sl.queued, sl.running = false, true
		}
	}
	return ids
}

func (s *Scheduler) abandon(accountID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sl := s.slots[accountID]; sl != nil {
		sl.running = false
	}
}

// tick polls every active account and checks its subscription.
func (s *Scheduler) tick(ctx context.Context) {
	accts, err := s.m.store.Accounts(ctx, "")
	if err != nil {
		if ctx.Err() == nil {
			s.m.log.WarnContext(ctx, "scheduler: list accounts failed", "error", err.Error())
		}
		return
	}
	for _, a := range accts {
		if a.Status != StatusActive {
			continue
		}
		s.want(a.ID, true, watchEnsure)
	}
}

// work runs what the account needs, then rearms it if more arrived
// meanwhile.
func (s *Scheduler) work(ctx context.Context, accountID string) {
	s.mu.Lock()
	sl := s.slots[accountID]
	doSync, w := sl.sync, sl.watch
	sl.sync, sl.watch = false, watchNone
	s.mu.Unlock()

	busy := false
	a, err := s.m.Account(ctx, accountID)
	switch {
	case errors.Is(err, ErrNotFound):
		s.drop(accountID)
		return
	case err != nil:
		s.m.log.WarnContext(ctx, "scheduler: load account failed", "account", accountID,
			"error", err.Error())
	case a.Status != StatusActive:
	default:
		if w != watchNone && s.cfg.PushPath != "" {
			s.ensureWatch(ctx, a, w)
		}
		if doSync {
			busy = s.sync(ctx, a)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	sl.running = false
	if busy {
		sl.sync = true
		sl.backoff = min(max(2*sl.backoff, s.cfg.Debounce), maxBusyBackoff)
		s.arm(accountID, sl, sl.backoff)
		return
	}
	sl.backoff = 0
	if sl.sync || sl.watch != watchNone {
		s.arm(accountID, sl, s.cfg.Debounce)
	}
}

// sync runs one sync of a. It reports whether another process held the
// account's lease.
func (s *Scheduler) sync(ctx context.Context, a *Account) bool {
	s.count(func(st *PushStats) { st.Syncs++ })
	rep, err := s.m.Sync(ctx, a.ID, s.cfg.Options, func(ctx context.Context, c *Changes) error {
		return s.cfg.Handle(ctx, a, c)
	})
	if errors.Is(err, ErrSyncInProgress) {
		s.m.log.DebugContext(ctx, "scheduler: account is syncing elsewhere; trying later",
			"account", a.ID)
		return true
	}
	if err != nil {
		s.count(func(st *PushStats) { st.Failed++ })
		if ctx.Err() == nil && s.cfg.OnError != nil {
			s.cfg.OnError(a, err)
		}
		return false
	}
	if s.cfg.OnSync != nil {
		s.cfg.OnSync(a, rep)
	}
	return false
}

func (s *Scheduler) drop(accountID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sl := s.slots[accountID]; sl != nil && sl.timer != nil {
		sl.timer.Stop()
	}
	delete(s.slots, accountID)
}

// attach makes s the Scheduler told of connected accounts. A Manager runs
// one Scheduler at a time: its syncs share one lease holder.
func (m *Manager) attach(s *Scheduler) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.scheduler != nil {
		return false
	}
	m.scheduler = s
	return true
}

func (m *Manager) detach(s *Scheduler) {
	m.mu.Lock()
	if m.scheduler == s {
		m.scheduler = nil
	}
	m.mu.Unlock()
}

// connected tells a running Scheduler of an account just connected, so it
// subscribes to its changes and syncs it. The connect never waits for it.
func (m *Manager) connected(a *Account) {
	m.mu.Lock()
	s := m.scheduler
	m.mu.Unlock()
	if s != nil {
		s.want(a.ID, true, watchRecreate)
	}
}
