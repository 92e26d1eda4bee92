package outlook_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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

// host is a host application using a Manager with the Outlook provider
// against the fake OAuth and Graph servers.
type host struct {
	oauth *mailtest.OAuthServer
	fake  *graphfake.Server
	m     *mailmanager.Manager
	cfg   mailmanager.Config
	id    string
}

func newHost(t *testing.T, tweak func(*mailmanager.Config)) *host {
	t.Helper()
	h := &host{oauth: mailtest.NewOAuthServer()}
	t.Cleanup(h.oauth.Close)
	h.oauth.RegisterClient("cid", "csecret")
	h.oauth.SetDefaultAddress(ada)
	h.fake = graphfake.New(h.oauth)
	t.Cleanup(h.fake.Close)
	h.fake.AddMailbox(ada, "Ada Lovelace")

	mux := http.NewServeMux()
	app := httptest.NewServer(mux)
	t.Cleanup(app.Close)
	h.cfg = mailmanager.Config{
		Store: memstore.New(),
		Providers: []mailmanager.Provider{outlook.New(outlook.Config{
			Endpoint: h.oauth.MicrosoftEndpoint("common"),
			APIURL:   h.fake.URL() + "/v1.0",
		})},
		Key:         bytes.Repeat([]byte{5}, 32),
		BaseURL:     app.URL,
		CurrentUser: func(*http.Request) (string, error) { return "u1", nil },
		Retry:       mailmanager.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond},
		Logger:      managerLogs.Logger(),
	}
	if tweak != nil {
		tweak(&h.cfg)
	}
	h.m = h.newManager(t)
	mux.Handle("/oauth/connect/", h.m.ConnectHandler())
	mux.Handle("/oauth/callback/", h.m.CallbackHandler())
	mux.HandleFunc("/", func(http.ResponseWriter, *http.Request) {})
	ctx := context.Background()
	require.NoError(t, h.m.SaveCredentials(ctx, "outlook", mailmanager.Credentials{ClientID: "cid", ClientSecret: "csecret"}))

	resp, err := http.Get(app.URL + "/oauth/connect/outlook")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	accts, err := h.m.Accounts(ctx, "u1")
	require.NoError(t, err)
	require.Len(t, accts, 1)
	h.id = accts[0].ID
	managerLogs.Tokens(h.m, h.id)
	t.Cleanup(func() { managerLogs.Tokens(h.m, h.id) })
	return h
}

func (h *host) newManager(t *testing.T) *mailmanager.Manager {
	m, err := mailmanager.New(h.cfg)
	require.NoError(t, err)
	return m
}

func TestManager_OutlookConnectSyncAndSend(t *testing.T) {
	h := newHost(t, nil)
	ctx := context.Background()
	a, err := h.m.Account(ctx, h.id)
	require.NoError(t, err)
	assert.Equal(t, ada, a.Address)
	for i := range 12 {
		_, err := h.fake.Deliver(ada, "", rawMail(fmt.Sprintf("Note %d", i)))
		require.NoError(t, err)
	}
	var mr mailtest.Mirror

	rep, err := h.m.Sync(ctx, h.id, mailmanager.SyncOptions{}, mr.Apply)
	require.NoError(t, err)
	assert.True(t, rep.Full)
	assert.Equal(t, 12, mr.Len())

	_, err = h.m.Send(ctx, h.id, &mailmanager.Outgoing{
		To: []mailmanager.Address{{Email: bob}}, Subject: "Grüße", Text: "Hallo",
	})
	require.NoError(t, err)
	rep, err = h.m.Sync(ctx, h.id, mailmanager.SyncOptions{}, mr.Apply)
	require.NoError(t, err)
	assert.False(t, rep.Full)
	var found bool
	for _, m := range mr.Messages() {
		found = found || m.Subject == "Grüße"
	}
	assert.True(t, found, "the sent message arrives through the incremental sync")
}

// lostAnswer drops the answer to the first sendMail: the message is sent,
// but the caller sees a broken connection.
type lostAnswer struct {
	mu   sync.Mutex
	done bool
}

func (l *lostAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil && !l.done && strings.HasSuffix(r.URL.Path, "/sendMail") {
		l.done = true
		resp.Body.Close()
		return nil, errors.New("read tcp: connection reset by peer")
	}
	return resp, err
}

func TestManager_OutlookIdempotentAndAmbiguousSend(t *testing.T) {
	h := newHost(t, func(c *mailmanager.Config) { c.HTTPClient = &http.Client{Transport: &lostAnswer{}} })
	ctx := context.Background()
	msg := &mailmanager.Outgoing{
		To: []mailmanager.Address{{Email: bob}}, Subject: "Order 12", Text: "Two crates.",
		IdempotencyKey: "order-12",
	}

	_, err := h.m.Send(ctx, h.id, msg)
	require.ErrorIs(t, err, mailmanager.ErrSendUnknown)
	_, err = h.newManager(t).Send(ctx, h.id, msg)
	require.ErrorIs(t, err, mailmanager.ErrSendUnknown, "never resent blindly, in any process")
	require.Len(t, h.fake.Sent(ada), 1)

	got, err := h.m.ReconcileSend(ctx, h.id, "order-12")
	require.NoError(t, err)
	assert.NotEmpty(t, got.ID)
	again, err := h.m.Send(ctx, h.id, msg)
	require.NoError(t, err)
	assert.Equal(t, got.ID, again.ID)
	assert.Len(t, h.fake.Sent(ada), 1)
}

func TestManager_OutlookParallelCallsStayWithinFourInFlight(t *testing.T) {
	h := newHost(t, nil)
	ctx := context.Background()
	var ids []string
	for i := range 10 {
		id, err := h.fake.Deliver(ada, "", rawMail(fmt.Sprintf("Parallel %d", i)))
		require.NoError(t, err)
		ids = append(ids, id)
	}
	h.fake.SetLatency(10 * time.Millisecond)
	h.fake.ResetStats()

	// 50 calls, each through its own Mailbox as a host's handlers would
	// make them: the limit holds per account, not per Mailbox value.
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mb, err := h.m.Mailbox(ctx, h.id)
			if err == nil {
				_, err = mb.Message(ctx, ids[i%len(ids)])
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.LessOrEqual(t, h.fake.MaxInFlight(), 4)
	assert.Zero(t, h.fake.Stats().Throttled, "the fake never had to answer 429")
}

func TestManager_OutlookAttachmentStream(t *testing.T) {
	h := newHost(t, nil)
	ctx := context.Background()
	payload := bytes.Repeat([]byte("0123456789"), 50_000)
	sent, err := h.m.Send(ctx, h.id, &mailmanager.Outgoing{
		To: []mailmanager.Address{{Email: ada}}, Subject: "Report", Text: "Attached.",
		Attachments: []mailmanager.OutgoingAttachment{{Filename: "report.bin", ContentType: "application/octet-stream",
			Content: bytes.NewReader(payload)}},
	})
	require.NoError(t, err)
	_ = sent
	var mr mailtest.Mirror
	_, err = h.m.Sync(ctx, h.id, mailmanager.SyncOptions{}, mr.Apply)
	require.NoError(t, err)
	var msg *mailmanager.Message
	for _, m := range mr.Messages() {
		if m.Subject == "Report" && len(m.Attachments) == 1 {
			msg = m
		}
	}
	require.NotNil(t, msg)
	mb, err := h.m.Mailbox(ctx, h.id)
	require.NoError(t, err)
	rc, err := mb.Attachment(ctx, msg.ID, msg.Attachments[0].ID)
	require.NoError(t, err)
	got, err := io.ReadAll(rc)
	rc.Close()
	require.NoError(t, err)
	assert.Equal(t, payload, got)
}
