package gmail_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/gmail"
	"github.com/mailmanager/mailmanager/mailtest"
	"github.com/mailmanager/mailmanager/mailtest/gmailfake"
	"github.com/mailmanager/mailmanager/memstore"
)

const (
	pushTopic    = "projects/demo-app/topics/gmail-changes"
	pushAudience = "https://app.example.com/mail/push/gmail"
	pushAccount  = "push-invoker@demo-app.iam.gserviceaccount.com"
	pushKeyID    = "test-key-1"
	pushURLToken = "url-token-5f1c0b9e"
)

// pushHost is a host with a Manager, a Scheduler and Gmail push through
// the fake's Pub/Sub deliveries.
type pushHost struct {
	oauth  *mailtest.OAuthServer
	fake   *gmailfake.Server
	m      *mailmanager.Manager
	sched  *mailmanager.Scheduler
	app    *httptest.Server
	id     string
	key    *rsa.PrivateKey
	mirror mailtest.Mirror
	syncs  atomic.Int64
	errs   atomic.Int64
	now    *fakeClock
	cfg    mailmanager.Config
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// pushKey is generated once: RSA key generation is slow under -race.
var pushKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func goodClaims() gmailfake.IDClaims {
	now := time.Now()
	return gmailfake.IDClaims{
		Issuer: "https://accounts.google.com", Audience: pushAudience, Email: pushAccount,
		EmailVerified: true, IssuedAt: now, Expires: now.Add(time.Hour),
	}
}

func newPushHost(t *testing.T, sc mailmanager.SchedulerConfig, pc gmail.PushConfig,
	clock *fakeClock) *pushHost {
	t.Helper()
	h := &pushHost{oauth: mailtest.NewOAuthServer(), key: pushKey(), now: clock}
	t.Cleanup(h.oauth.Close)
	h.oauth.RegisterClient("cid", "csecret")
	h.oauth.SetDefaultAddress(alice)
	h.fake = gmailfake.New(h.oauth)
	t.Cleanup(h.fake.Close)
	h.fake.AddMailbox(alice)
	if clock != nil {
		h.fake.SetClock(clock.Now)
	}

	pc.Topic = pushTopic
	if pc.Keys == nil && pc.Token == "" {
		pc.Keys = gmail.StaticKeys(map[string]*rsa.PublicKey{pushKeyID: &h.key.PublicKey})
		pc.Audience, pc.ServiceAccount = pushAudience, pushAccount
	}
	mux := http.NewServeMux()
	h.app = httptest.NewServer(mux)
	t.Cleanup(h.app.Close)
	cfg := mailmanager.Config{
		Store: memstore.New(),
		Providers: []mailmanager.Provider{gmail.New(gmail.Config{
			Endpoint: h.oauth.GoogleEndpoint(), APIURL: h.fake.URL() + "/",
			RevokeURL: h.oauth.GoogleRevokeURL(), Push: pc,
		})},
		Key:         bytes.Repeat([]byte{7}, 32),
		BaseURL:     h.app.URL,
		CurrentUser: func(*http.Request) (string, error) { return "u1", nil },
		Retry:       mailmanager.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond},
		Logger:      hostLogs.Logger(),
	}
	if clock != nil {
		cfg.Now = clock.Now
	}
	h.cfg = cfg
	m, err := mailmanager.New(cfg)
	require.NoError(t, err)
	h.m = m
	sc.PushPath = "/mail/push"
	sc.Handle = func(ctx context.Context, _ *mailmanager.Account, c *mailmanager.Changes) error {
		return h.mirror.Apply(ctx, c)
	}
	sc.OnSync = func(*mailmanager.Account, *mailmanager.SyncReport) { h.syncs.Add(1) }
	sc.OnError = func(*mailmanager.Account, error) { h.errs.Add(1) }
	h.sched = m.Scheduler(sc)
	mux.Handle("/mail/push/", h.sched.PushHandler())
	mux.Handle("/oauth/connect/", m.ConnectHandler())
	mux.Handle("/oauth/callback/", m.CallbackHandler())
	mux.HandleFunc("/", func(http.ResponseWriter, *http.Request) {})
	ctx := context.Background()
	require.NoError(t, m.SaveCredentials(ctx, "gmail", mailmanager.Credentials{ClientID: "cid", ClientSecret: "csecret"}))
	resp, err := http.Get(h.app.URL + "/oauth/connect/gmail")
	require.NoError(t, err)
	resp.Body.Close()
	accts, err := m.Accounts(ctx, "u1")
	require.NoError(t, err)
	require.Len(t, accts, 1)
	h.id = accts[0].ID
	hostLogs.Tokens(m, h.id)
	hostLogs.Secret(pushURLToken)

	require.NoError(t, h.fake.SetPush(gmailfake.PushConfig{
		URL:   h.app.URL + "/mail/push/gmail?token=" + pushURLToken,
		Token: func() string { return gmailfake.SignIDToken(h.key, pushKeyID, goodClaims()) },
	}))
	return h
}

// run starts the Scheduler and waits until the first sync and the watch
// are done.
func (h *pushHost) run(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.sched.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	require.Eventually(t, func() bool {
		w, _ := h.fake.Watching(alice)
		return w && h.syncs.Load() >= 1
	}, 5*time.Second, 5*time.Millisecond, "the first sync and the watch")
}

func (h *pushHost) has(subject string) bool {
	for _, m := range h.mirror.Messages() {
		if m.Subject == subject {
			return true
		}
	}
	return false
}

func (h *pushHost) count() int {
	return h.mirror.Len()
}

func TestPush_GmailMessageArrivesThroughPushAlone(t *testing.T) {
	h := newPushHost(t, mailmanager.SchedulerConfig{Poll: time.Hour, Debounce: 10 * time.Millisecond},
		gmail.PushConfig{}, nil)
	h.run(t)
	before := h.syncs.Load()

	start := time.Now()
	_, err := h.fake.Deliver(alice, []byte(plain("Pushed", "p1@example.org")))
	require.NoError(t, err)

	require.Eventually(t, func() bool { return h.has("Pushed") }, 5*time.Second, 2*time.Millisecond)
	elapsed := time.Since(start)
	t.Logf("gmail push to host: %s", elapsed)
	assert.Less(t, elapsed, time.Second, "push delivers within a second")
	assert.Eventually(t, func() bool { return h.syncs.Load() == before+1 }, 5*time.Second,
		time.Millisecond, "one sync, started by the push")
	st := h.sched.Stats()
	assert.Equal(t, 1, st.Notifications)
	assert.Zero(t, st.Refused)
	assert.Equal(t, 1, h.fake.PushStats().Delivered)
}

func TestPush_GmailBurstCoalesces(t *testing.T) {
	h := newPushHost(t, mailmanager.SchedulerConfig{Poll: time.Hour, Debounce: 400 * time.Millisecond},
		gmail.PushConfig{}, nil)
	h.run(t)
	before := h.syncs.Load()

	for i := range 10 {
		_, err := h.fake.Deliver(alice, []byte(plain(fmt.Sprintf("Burst %d", i), fmt.Sprintf("b%d@example.org", i))))
		require.NoError(t, err)
	}

	require.Eventually(t, func() bool { return h.count() == 10 }, 5*time.Second, 5*time.Millisecond)
	require.Eventually(t, func() bool { return h.fake.PushStats().Delivered == 10 },
		5*time.Second, 5*time.Millisecond)
	require.Eventually(t, func() bool { return h.syncs.Load() >= before+1 }, 5*time.Second, time.Millisecond)
	time.Sleep(500 * time.Millisecond) // longer than the debounce: no second sync follows
	assert.Equal(t, before+1, h.syncs.Load(), "ten notifications make one sync")
	assert.Equal(t, 10, h.sched.Stats().Notifications)
}

func TestPush_GmailDroppedNotificationCaughtByPoll(t *testing.T) {
	h := newPushHost(t, mailmanager.SchedulerConfig{Poll: 150 * time.Millisecond, Debounce: 10 * time.Millisecond},
		gmail.PushConfig{}, nil)
	h.run(t)
	h.fake.DropPushes(1)

	_, err := h.fake.Deliver(alice, []byte(plain("Dropped", "d1@example.org")))
	require.NoError(t, err)

	require.Eventually(t, func() bool { return h.has("Dropped") }, 5*time.Second, 5*time.Millisecond)
	assert.Equal(t, 1, h.fake.PushStats().Dropped)
	assert.Zero(t, h.sched.Stats().Notifications, "the message came by the poll")
}

// pushBody is a Pub/Sub push delivery of a Gmail notification.
func pushBody(address string, historyID uint64) string {
	data := fmt.Sprintf(`{"emailAddress":%q,"historyId":%d}`, address, historyID)
	return fmt.Sprintf(`{"message":{"data":%q,"messageId":"1","publishTime":"2024-01-01T00:00:00Z"},`+
		`"subscription":"projects/demo-app/subscriptions/s"}`, base64.StdEncoding.EncodeToString([]byte(data)))
}

func TestPush_GmailUnauthenticatedPushRefused(t *testing.T) {
	other, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	sign := func(f func(*gmailfake.IDClaims)) string {
		c := goodClaims()
		if f != nil {
			f(&c)
		}
		return gmailfake.SignIDToken(pushKey(), pushKeyID, c)
	}
	h := newPushHost(t, mailmanager.SchedulerConfig{Poll: time.Hour}, gmail.PushConfig{}, nil)
	tests := []struct {
		name   string
		token  string
		status int
	}{
		{"valid", sign(nil), http.StatusAccepted},
		{"no token", "", http.StatusUnauthorized},
		{"not a JWT", "abc.def", http.StatusUnauthorized},
		{"bad signature", gmailfake.SignIDToken(other, pushKeyID, goodClaims()), http.StatusUnauthorized},
		{"unknown key", gmailfake.SignIDToken(pushKey(), "other-kid", goodClaims()), http.StatusUnauthorized},
		{"wrong audience", sign(func(c *gmailfake.IDClaims) { c.Audience = "https://evil.example" }), http.StatusUnauthorized},
		{"wrong issuer", sign(func(c *gmailfake.IDClaims) { c.Issuer = "https://evil.example" }), http.StatusUnauthorized},
		{"wrong account", sign(func(c *gmailfake.IDClaims) { c.Email = "x@evil.example" }), http.StatusUnauthorized},
		{"email unverified", sign(func(c *gmailfake.IDClaims) { c.EmailVerified = false }), http.StatusUnauthorized},
		{"expired", sign(func(c *gmailfake.IDClaims) {
			c.IssuedAt, c.Expires = time.Now().Add(-2*time.Hour), time.Now().Add(-time.Hour)
		}), http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, h.app.URL+"/mail/push/gmail",
				strings.NewReader(pushBody(alice, 5000)))
			require.NoError(t, err)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, tt.status, resp.StatusCode)
		})
	}
	assert.Equal(t, len(tests)-1, h.sched.Stats().Refused)
	assert.Equal(t, 1, h.sched.Stats().Notifications, "only the valid push was decoded")
}

func TestPush_GmailURLToken(t *testing.T) {
	h := newPushHost(t, mailmanager.SchedulerConfig{Poll: time.Hour},
		gmail.PushConfig{Token: pushURLToken}, nil)
	tests := []struct {
		name, query string
		status      int
	}{
		{"right token", "?token=" + pushURLToken, http.StatusAccepted},
		{"no token", "", http.StatusUnauthorized},
		{"wrong token", "?token=guess", http.StatusUnauthorized},
		{"prefix of the token", "?token=" + pushURLToken[:5], http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(h.app.URL+"/mail/push/gmail"+tt.query, "application/json",
				strings.NewReader(pushBody(alice, 5000)))
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, tt.status, resp.StatusCode)
		})
	}
	// The fake sends the token in its URL: mail arrives through push.
	h.run(t)
	_, err := h.fake.Deliver(alice, []byte(plain("By URL token", "u1@example.org")))
	require.NoError(t, err)
	assert.Eventually(t, func() bool { return h.has("By URL token") }, 5*time.Second, 5*time.Millisecond)
}

func TestPush_GmailWatchRenewedDailyAndStoppedOnDisconnect(t *testing.T) {
	clock := &fakeClock{t: time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)}
	h := newPushHost(t, mailmanager.SchedulerConfig{Poll: time.Hour}, gmail.PushConfig{}, clock)
	ctx := context.Background()
	watches := func() int { return h.fake.Stats().Calls["watch"] }

	require.NoError(t, h.sched.Renew(ctx))
	require.Equal(t, 1, watches(), "the first pass watches the mailbox")
	_, exp := h.fake.Watching(alice)
	assert.Equal(t, clock.Now().Add(7*24*time.Hour), exp)

	clock.Advance(23 * time.Hour)
	require.NoError(t, h.sched.Renew(ctx))
	assert.Equal(t, 1, watches(), "not yet due")

	clock.Advance(2 * time.Hour)
	require.NoError(t, h.sched.Renew(ctx))
	assert.Equal(t, 2, watches(), "renewed after a day")
	_, exp = h.fake.Watching(alice)
	assert.Equal(t, clock.Now().Add(7*24*time.Hour), exp)

	require.NoError(t, h.m.Disconnect(ctx, h.id))
	assert.Equal(t, 1, h.fake.Stats().Calls["stop"], "users.stop on disconnect")
	w, _ := h.fake.Watching(alice)
	assert.False(t, w)
}

func TestPush_GmailTwoProcessesNeverSyncOneMailboxAtOnce(t *testing.T) {
	h := newPushHost(t, mailmanager.SchedulerConfig{Poll: time.Hour, Debounce: time.Millisecond},
		gmail.PushConfig{}, nil)
	// Two Managers on one store, as two processes would have.
	second, err := mailmanager.New(h.cfg)
	require.NoError(t, err)
	var inside, most atomic.Int64
	cfg := mailmanager.SchedulerConfig{Poll: time.Hour, Debounce: time.Millisecond,
		Handle: func(context.Context, *mailmanager.Account, *mailmanager.Changes) error {
			n := inside.Add(1)
			defer inside.Add(-1)
			for {
				m := most.Load()
				if n <= m || most.CompareAndSwap(m, n) {
					break
				}
			}
			time.Sleep(5 * time.Millisecond)
			return nil
		}}
	a := h.m.Scheduler(cfg)
	b := second.Scheduler(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, s := range []*mailmanager.Scheduler{a, b} {
		wg.Go(func() { _ = s.Run(ctx) })
	}
	for i := range 20 {
		_, err := h.fake.Deliver(alice, []byte(plain(fmt.Sprintf("Both %d", i), fmt.Sprintf("t%d@example.org", i))))
		require.NoError(t, err)
		a.Trigger(h.id)
		b.Trigger(h.id)
		time.Sleep(2 * time.Millisecond)
	}
	require.Eventually(t, func() bool { return a.Stats().Syncs+b.Stats().Syncs >= 4 },
		5*time.Second, 5*time.Millisecond)
	cancel()
	wg.Wait()
	assert.Equal(t, int64(1), most.Load(), "the lease keeps syncs of one mailbox apart")
}
