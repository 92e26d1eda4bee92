package gmail_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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

// host is a host application using a Manager with the Gmail provider
// against the fake OAuth and Gmail servers.
type host struct {
	oauth *mailtest.OAuthServer
	fake  *gmailfake.Server
	m     *mailmanager.Manager
	id    string
	cfg   mailmanager.Config
}

func newHost(t *testing.T, pc gmail.Config, tweak func(*mailmanager.Config)) *host {
	t.Helper()
	h := &host{oauth: mailtest.NewOAuthServer()}
	t.Cleanup(h.oauth.Close)
	h.oauth.RegisterClient("cid", "csecret")
	h.oauth.SetDefaultAddress(alice)
	h.fake = gmailfake.New(h.oauth)
	t.Cleanup(h.fake.Close)
	h.fake.AddMailbox(alice)

	pc.Endpoint = h.oauth.GoogleEndpoint()
	pc.APIURL = h.fake.URL() + "/"
	pc.RevokeURL = h.oauth.GoogleRevokeURL()
	mux := http.NewServeMux()
	app := httptest.NewServer(mux)
	t.Cleanup(app.Close)
	h.cfg = mailmanager.Config{
		Store:       memstore.New(),
		Providers:   []mailmanager.Provider{gmail.New(pc)},
		Key:         bytes.Repeat([]byte{3}, 32),
		BaseURL:     app.URL,
		CurrentUser: func(*http.Request) (string, error) { return "u1", nil },
		Retry:       mailmanager.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond},
		Logger:      hostLogs.Logger(),
	}
	if tweak != nil {
		tweak(&h.cfg)
	}
	m, err := mailmanager.New(h.cfg)
	require.NoError(t, err)
	h.m = m
	mux.Handle("/oauth/connect/", m.ConnectHandler())
	mux.Handle("/oauth/callback/", m.CallbackHandler())
	mux.HandleFunc("/", func(http.ResponseWriter, *http.Request) {})
	ctx := context.Background()
	require.NoError(t, m.SaveCredentials(ctx, "gmail", mailmanager.Credentials{ClientID: "cid", ClientSecret: "csecret"}))

	resp, err := http.Get(app.URL + "/oauth/connect/gmail")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	accts, err := m.Accounts(ctx, "u1")
	require.NoError(t, err)
	require.Len(t, accts, 1)
	h.id = accts[0].ID
	t.Cleanup(func() { hostLogs.Tokens(h.m, h.id) })
	hostLogs.Tokens(h.m, h.id)
	return h
}

func TestManager_GmailSyncAndSendEndToEnd(t *testing.T) {
	h := newHost(t, gmail.Config{}, nil)
	ctx := context.Background()
	for i := range 30 {
		_, err := h.fake.Deliver(alice, []byte(plain(fmt.Sprintf("Hello %d", i), fmt.Sprintf("h%d@example.org", i))))
		require.NoError(t, err)
	}
	var mr mailtest.Mirror

	rep, err := h.m.Sync(ctx, h.id, mailmanager.SyncOptions{}, mr.Apply)
	require.NoError(t, err)
	assert.True(t, rep.Full)
	assert.Equal(t, 30, mr.Len())

	sent, err := h.m.Send(ctx, h.id, &mailmanager.Outgoing{
		To:      []mailmanager.Address{{Name: "Bob", Email: "bob@example.org"}},
		Subject: "Über den Bericht",
		Text:    "See you.",
	})
	require.NoError(t, err)
	var someID string
	for id := range mr.Messages() {
		someID = id
		break
	}
	require.NoError(t, h.m.Modify(ctx, h.id, []string{someID}, mailmanager.Modification{Read: ptr(true)}))

	rep, err = h.m.Sync(ctx, h.id, mailmanager.SyncOptions{}, mr.Apply)
	require.NoError(t, err)
	assert.False(t, rep.Full)
	msgs := mr.Messages()
	require.Contains(t, msgs, sent.ID, "the sent message arrives through the incremental sync")
	assert.Equal(t, "Über den Bericht", msgs[sent.ID].Subject)
	assert.True(t, msgs[someID].Read)
}

func TestManager_GmailIdempotentSend(t *testing.T) {
	h := newHost(t, gmail.Config{}, nil)
	ctx := context.Background()
	msg := &mailmanager.Outgoing{
		To: []mailmanager.Address{{Email: "bob@example.org"}}, Subject: "Invoice 7", Text: "Attached.",
		IdempotencyKey: "invoice-7",
	}

	a, err := h.m.Send(ctx, h.id, msg)
	require.NoError(t, err)
	b, err := h.newManager(t).Send(ctx, h.id, msg)
	require.NoError(t, err)

	assert.Equal(t, a, b, "the same key returns the first send")
	assert.Len(t, h.fake.Sent(alice), 1, "and sends once, across Managers")
}

// newManager returns a second Manager on the same store, as another process.
func (h *host) newManager(t *testing.T) *mailmanager.Manager {
	m, err := mailmanager.New(h.cfg)
	require.NoError(t, err)
	return m
}

// lostAnswer drops the answer to the first messages.send: the message is
// sent, but the caller sees a broken connection.
type lostAnswer struct {
	mu   sync.Mutex
	done bool
}

func (l *lostAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil && !l.done && strings.HasSuffix(r.URL.Path, "/messages/send") {
		l.done = true
		resp.Body.Close()
		return nil, errors.New("read tcp: connection reset by peer")
	}
	return resp, err
}

func TestManager_GmailAmbiguousSendReconciles(t *testing.T) {
	h := newHost(t, gmail.Config{}, func(c *mailmanager.Config) {
		c.HTTPClient = &http.Client{Transport: &lostAnswer{}}
	})
	ctx := context.Background()
	msg := &mailmanager.Outgoing{
		To: []mailmanager.Address{{Email: "bob@example.org"}}, Subject: "Order", Text: "One crate.",
		IdempotencyKey: "order-1",
	}

	_, err := h.m.Send(ctx, h.id, msg)
	require.ErrorIs(t, err, mailmanager.ErrSendUnknown)
	var unknown *mailmanager.SendUnknownError
	require.ErrorAs(t, err, &unknown)
	require.NotEmpty(t, unknown.MessageID)

	_, err = h.m.Send(ctx, h.id, msg)
	require.ErrorIs(t, err, mailmanager.ErrSendUnknown, "an unknown outcome is never resent blindly")
	require.Len(t, h.fake.Sent(alice), 1)

	got, err := h.m.ReconcileSend(ctx, h.id, "order-1")
	require.NoError(t, err)
	assert.Equal(t, unknown.MessageID, got.MessageID)
	assert.NotEmpty(t, got.ID)
	again, err := h.m.Send(ctx, h.id, msg)
	require.NoError(t, err)
	assert.Equal(t, got.ID, again.ID)
	assert.Len(t, h.fake.Sent(alice), 1)
}

func TestManager_GmailFailedSendReconcilesToResend(t *testing.T) {
	h := newHost(t, gmail.Config{}, nil)
	ctx := context.Background()
	failing := true
	h.fake.SetFault(func(r *http.Request) (int, time.Duration) {
		if failing && strings.HasSuffix(r.URL.Path, "/messages/send") {
			return http.StatusServiceUnavailable, 0
		}
		return 0, 0
	})
	msg := &mailmanager.Outgoing{
		To: []mailmanager.Address{{Email: "bob@example.org"}}, Subject: "Retry me", Text: "x",
		IdempotencyKey: "k-503",
	}

	_, err := h.m.Send(ctx, h.id, msg)
	require.ErrorIs(t, err, mailmanager.ErrSendUnknown, "a 503 on a send leaves the outcome open")
	_, err = h.m.ReconcileSend(ctx, h.id, "k-503")
	require.ErrorIs(t, err, mailmanager.ErrNotFound)

	failing = false
	sent, err := h.m.Send(ctx, h.id, msg)
	require.NoError(t, err)
	assert.NotEmpty(t, sent.ID)
	assert.Len(t, h.fake.Sent(alice), 1)
}

func TestManager_GmailPacedSyncNeverThrottled(t *testing.T) {
	if testing.Short() {
		t.Skip("paced sync takes seconds")
	}
	// The fake's clock runs 60 times faster, so its quota minute is one
	// second of real time; the provider paces to 80% of it per second.
	start := time.Now()
	h := newHost(t, gmail.Config{QuotaUnits: 4800, QuotaWindow: time.Second}, nil)
	h.fake.SetClock(func() time.Time { return start.Add(time.Since(start) * 60) })
	h.fake.SetQuota(gmailfake.DefaultQuota)
	for i := range 1500 {
		_, err := h.fake.Deliver(alice, []byte(plain(fmt.Sprintf("Paced %d", i), fmt.Sprintf("p%d@example.org", i))))
		require.NoError(t, err)
	}
	h.fake.ResetStats()
	var mr mailtest.Mirror
	began := time.Now()

	_, err := h.m.Sync(context.Background(), h.id, mailmanager.SyncOptions{}, mr.Apply)

	require.NoError(t, err)
	assert.Equal(t, 1500, mr.Len())
	st := h.fake.Stats()
	assert.Zero(t, st.Throttled, "the fake never had to answer 429")
	// 1,500 gets at 5 units and 3 lists at 5 units: 7,516 units need more
	// than one window of 4,800.
	assert.GreaterOrEqual(t, st.QuotaUnits, 7500)
	assert.GreaterOrEqual(t, time.Since(began), time.Second)
	t.Logf("paced sync: %d units in %s", st.QuotaUnits, time.Since(began))
}
