package outlook_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest"
	"github.com/mailmanager/mailmanager/mailtest/graphfake"
	"github.com/mailmanager/mailmanager/memstore"
	"github.com/mailmanager/mailmanager/outlook"
)

// pushHost is a host with a Manager, a Scheduler and Graph subscriptions
// at the fake.
type pushHost struct {
	fake   *graphfake.Server
	m      *mailmanager.Manager
	sched  *mailmanager.Scheduler
	app    *httptest.Server
	id     string
	mirror mailtest.Mirror
	syncs  atomic.Int64
	logs   *lockedBuffer

	mu          sync.Mutex
	validations []string // validation tokens the host saw, in order
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newPushHost(t *testing.T, sc mailmanager.SchedulerConfig, clk *clock) *pushHost {
	t.Helper()
	oauth := mailtest.NewOAuthServer()
	t.Cleanup(oauth.Close)
	oauth.RegisterClient("cid", "csecret")
	oauth.SetDefaultAddress(ada)
	h := &pushHost{fake: graphfake.New(oauth), logs: &lockedBuffer{}}
	t.Cleanup(h.fake.Close)
	h.fake.AddMailbox(ada, "Ada Lovelace")

	mux := http.NewServeMux()
	h.app = httptest.NewServer(mux)
	t.Cleanup(h.app.Close)
	cfg := mailmanager.Config{
		Store: memstore.New(),
		Providers: []mailmanager.Provider{outlook.New(outlook.Config{
			Endpoint: oauth.MicrosoftEndpoint("common"), APIURL: h.fake.URL() + "/v1.0",
		})},
		Key:         bytes.Repeat([]byte{9}, 32),
		BaseURL:     h.app.URL,
		CurrentUser: func(*http.Request) (string, error) { return "u1", nil },
		Retry:       mailmanager.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond},
		Logger:      slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if clk != nil {
		cfg.Now = clk.Now
		h.fake.SetSubscriptionClock(clk.Now)
	}
	m, err := mailmanager.New(cfg)
	require.NoError(t, err)
	h.m = m
	sc.PushPath = "/mail/push"
	sc.Handle = func(ctx context.Context, _ *mailmanager.Account, c *mailmanager.Changes) error {
		return h.mirror.Apply(ctx, c)
	}
	sc.OnSync = func(*mailmanager.Account, *mailmanager.SyncReport) { h.syncs.Add(1) }
	h.sched = m.Scheduler(sc)
	push := h.sched.PushHandler()
	mux.Handle("/mail/push/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := r.URL.Query().Get("validationToken"); tok != "" {
			h.mu.Lock()
			h.validations = append(h.validations, tok)
			h.mu.Unlock()
		}
		push.ServeHTTP(w, r)
	}))
	mux.Handle("/oauth/connect/", m.ConnectHandler())
	mux.Handle("/oauth/callback/", m.CallbackHandler())
	mux.HandleFunc("/", func(http.ResponseWriter, *http.Request) {})
	ctx := context.Background()
	require.NoError(t, m.SaveCredentials(ctx, "outlook", mailmanager.Credentials{ClientID: "cid", ClientSecret: "csecret"}))
	resp, err := http.Get(h.app.URL + "/oauth/connect/outlook")
	require.NoError(t, err)
	resp.Body.Close()
	accts, err := m.Accounts(ctx, "u1")
	require.NoError(t, err)
	require.Len(t, accts, 1)
	h.id = accts[0].ID
	return h
}

// run starts the Scheduler and waits for the first sync and subscription.
func (h *pushHost) run(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.sched.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	require.Eventually(t, func() bool {
		return len(h.fake.Subscriptions(ada)) == 1 && h.syncs.Load() >= 1
	}, 10*time.Second, 5*time.Millisecond, "the first sync and the subscription")
}

func (h *pushHost) has(subject string) bool {
	for _, m := range h.mirror.Messages() {
		if m.Subject == subject {
			return true
		}
	}
	return false
}

func (h *pushHost) post(t *testing.T, query, body string) int {
	t.Helper()
	resp, err := http.Post(h.app.URL+"/mail/push/outlook"+query, "application/json",
		strings.NewReader(body))
	require.NoError(t, err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestPush_OutlookMessageArrivesThroughPushAlone(t *testing.T) {
	h := newPushHost(t, mailmanager.SchedulerConfig{Poll: time.Hour, Debounce: 10 * time.Millisecond}, nil)
	h.run(t)
	subs := h.fake.Subscriptions(ada)
	require.Len(t, subs, 1)
	assert.Equal(t, "me/messages", subs[0].Resource)
	assert.Equal(t, "created,updated,deleted", subs[0].ChangeType)
	assert.NotEmpty(t, subs[0].LifecycleURL)
	assert.Len(t, subs[0].ClientState, 48)
	before := h.syncs.Load()

	start := time.Now()
	_, err := h.fake.Deliver(ada, "", rawMail("Pushed"))
	require.NoError(t, err)

	require.Eventually(t, func() bool { return h.has("Pushed") }, 5*time.Second, 2*time.Millisecond)
	elapsed := time.Since(start)
	t.Logf("outlook push to host: %s", elapsed)
	assert.Less(t, elapsed, time.Second, "push delivers within a second")
	assert.Eventually(t, func() bool { return h.syncs.Load() == before+1 }, 5*time.Second,
		time.Millisecond, "one sync, started by the push")
	assert.NotContains(t, h.logs.String(), subs[0].ClientState, "the client state is never logged")
}

func TestPush_OutlookBurstCoalesces(t *testing.T) {
	h := newPushHost(t, mailmanager.SchedulerConfig{Poll: time.Hour, Debounce: 400 * time.Millisecond}, nil)
	h.run(t)
	before := h.syncs.Load()
	for i := range 10 {
		_, err := h.fake.Deliver(ada, "", rawMail(fmt.Sprintf("Burst %d", i)))
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return h.has("Burst 9") && h.has("Burst 0") },
		5*time.Second, 5*time.Millisecond)
	require.Eventually(t, func() bool { return h.syncs.Load() >= before+1 }, 5*time.Second, time.Millisecond)
	time.Sleep(500 * time.Millisecond) // longer than the debounce: no second sync follows
	assert.Equal(t, before+1, h.syncs.Load(), "a burst makes one sync")
	assert.GreaterOrEqual(t, h.sched.Stats().Notifications, 10)
}

func TestPush_OutlookDroppedNotificationCaughtByPoll(t *testing.T) {
	h := newPushHost(t, mailmanager.SchedulerConfig{Poll: 150 * time.Millisecond, Debounce: 10 * time.Millisecond}, nil)
	h.run(t)
	h.fake.DropNotifications(1)

	_, err := h.fake.Deliver(ada, "", rawMail("Dropped"))
	require.NoError(t, err)

	require.Eventually(t, func() bool { return h.has("Dropped") }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, 1, h.fake.NotificationStats().Dropped)
	assert.Zero(t, h.sched.Stats().Notifications)
}

func TestPush_OutlookWrongClientStateRefused(t *testing.T) {
	h := newPushHost(t, mailmanager.SchedulerConfig{Poll: time.Hour, Debounce: 10 * time.Millisecond}, nil)
	h.run(t)
	sub := h.fake.Subscriptions(ada)[0]
	before := h.syncs.Load()
	note := func(id, state string) string {
		return fmt.Sprintf(`{"value":[{"subscriptionId":%q,"clientState":%q,"changeType":"created",`+
			`"resource":"Users/x/Messages/y","resourceData":{"id":"y"}}]}`, id, state)
	}
	tests := []struct {
		name, body string
		status     int
	}{
		{"wrong client state", note(sub.ID, "guessed-state"), http.StatusForbidden},
		{"empty client state", note(sub.ID, ""), http.StatusForbidden},
		{"state of another length", note(sub.ID, sub.ClientState+"x"), http.StatusForbidden},
		{"unknown subscription", note("7b0c1b4e-0000-4000-8000-000000000000", sub.ClientState),
			http.StatusAccepted},
		{"not JSON", "hello", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.status, h.post(t, "", tt.body))
		})
	}
	time.Sleep(50 * time.Millisecond)
	st := h.sched.Stats()
	assert.Equal(t, 3, st.Refused)
	assert.Equal(t, 1, st.Ignored)
	assert.Equal(t, before, h.syncs.Load(), "no refused notification started a sync")
	assert.Contains(t, h.logs.String(), "wrong client state")
	assert.NotContains(t, h.logs.String(), sub.ClientState)

	assert.Equal(t, http.StatusAccepted, h.post(t, "", note(sub.ID, sub.ClientState)))
	assert.Eventually(t, func() bool { return h.syncs.Load() == before+1 }, 5*time.Second, 5*time.Millisecond)
}

func TestPush_OutlookValidationReplayRefused(t *testing.T) {
	h := newPushHost(t, mailmanager.SchedulerConfig{Poll: time.Hour}, nil)
	h.run(t)
	h.mu.Lock()
	seen := append([]string(nil), h.validations...)
	h.mu.Unlock()
	require.Len(t, seen, 2, "Graph validated the notification and the lifecycle URL")
	assert.Equal(t, 2, h.sched.Stats().Validations)

	for _, tok := range seen {
		status := h.post(t, "?validationToken="+url.QueryEscape(tok), "")
		assert.Equal(t, http.StatusBadRequest, status, "a replayed validation is refused")
	}
	assert.Equal(t, 2, h.sched.Stats().Refused)
}

func TestPush_OutlookValidationOutsideSubscribingRefused(t *testing.T) {
	clk := &clock{t: time.Date(2030, 3, 1, 8, 0, 0, 0, time.UTC)}
	h := newPushHost(t, mailmanager.SchedulerConfig{Poll: time.Hour}, clk)
	require.NoError(t, h.sched.Renew(context.Background()))
	require.Len(t, h.fake.Subscriptions(ada), 1)

	clk.Advance(time.Minute)
	status := h.post(t, "?validationToken=fresh-token", "")
	assert.Equal(t, http.StatusBadRequest, status, "nobody is subscribing now")
}

func TestPush_OutlookRenewalAndLifecycle(t *testing.T) {
	clk := &clock{t: time.Date(2030, 3, 1, 8, 0, 0, 0, time.UTC)}
	h := newPushHost(t, mailmanager.SchedulerConfig{Poll: time.Hour, Debounce: time.Millisecond}, clk)
	ctx := context.Background()
	patches := func() int { return h.fake.Stats().Routes["PATCH /subscriptions/{id}"] }
	creates := func() int { return h.fake.Stats().Routes["POST /subscriptions"] }

	require.NoError(t, h.sched.Renew(ctx))
	subs := h.fake.Subscriptions(ada)
	require.Len(t, subs, 1)
	first := subs[0]
	assert.WithinDuration(t, clk.Now().Add(4225*time.Minute), first.Expires, time.Second)

	clk.Advance(24 * time.Hour)
	require.NoError(t, h.sched.Renew(ctx))
	assert.Zero(t, patches(), "not due a day in")

	clk.Advance(36 * time.Hour) // 11.5 hours before expiry
	require.NoError(t, h.sched.Renew(ctx))
	assert.Equal(t, 1, patches(), "renewed before expiry")
	subs = h.fake.Subscriptions(ada)
	require.Len(t, subs, 1)
	assert.Equal(t, first.ID, subs[0].ID)
	assert.WithinDuration(t, clk.Now().Add(4225*time.Minute), subs[0].Expires, time.Second)

	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- h.sched.Run(runCtx) }()
	defer func() { cancel(); <-done }()
	require.Eventually(t, func() bool { return h.syncs.Load() >= 1 }, 10*time.Second, 5*time.Millisecond)

	status, err := h.fake.Lifecycle(first.ID, "reauthorizationRequired")
	require.NoError(t, err)
	assert.Equal(t, http.StatusAccepted, status)
	assert.Eventually(t, func() bool { return patches() == 2 }, 5*time.Second, 5*time.Millisecond,
		"re-authorized by a PATCH")

	syncs := h.syncs.Load()
	status, err = h.fake.Lifecycle(first.ID, "missed")
	require.NoError(t, err)
	assert.Equal(t, http.StatusAccepted, status)
	assert.Eventually(t, func() bool { return h.syncs.Load() > syncs }, 5*time.Second, 5*time.Millisecond,
		"missed notifications start a sync")

	made, watched := creates(), h.sched.Stats().Watches
	status, err = h.fake.Lifecycle(first.ID, "subscriptionRemoved")
	require.NoError(t, err)
	assert.Equal(t, http.StatusAccepted, status)
	require.Eventually(t, func() bool {
		return creates() == made+1 && len(h.fake.Subscriptions(ada)) == 1 &&
			h.sched.Stats().Watches == watched+1
	},
		5*time.Second, 5*time.Millisecond, "a removed subscription is created again")
	assert.NotEqual(t, first.ID, h.fake.Subscriptions(ada)[0].ID)

	require.NoError(t, h.m.Disconnect(ctx, h.id))
	assert.Empty(t, h.fake.Subscriptions(ada), "disconnect deletes the subscription")
}

func TestPush_OutlookConnectSucceedsWhenSubscribingFails(t *testing.T) {
	h := newPushHost(t, mailmanager.SchedulerConfig{Poll: time.Hour, Debounce: time.Millisecond}, nil)
	failing := atomic.Bool{}
	failing.Store(true)
	h.fake.SetFault(func(r *http.Request) (int, time.Duration) {
		if failing.Load() && strings.HasSuffix(r.URL.Path, "/subscriptions") {
			return http.StatusInternalServerError, 0
		}
		return 0, 0
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.sched.Run(ctx) }()
	defer func() { cancel(); <-done }()

	require.Eventually(t, func() bool { return h.syncs.Load() >= 1 }, 10*time.Second, 5*time.Millisecond,
		"the account syncs without a subscription")
	assert.Empty(t, h.fake.Subscriptions(ada))

	failing.Store(false)
	require.NoError(t, h.sched.Renew(ctx))
	assert.Len(t, h.fake.Subscriptions(ada), 1, "the next renewal pass subscribes")
}
