package outlook_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/outlook"
)

// Fifty calls at once, of every kind (gets, attachment streams, sends with
// upload sessions, syncs, modifies), never have more than four requests
// in flight at the fake, which would refuse a fifth with 429.
func TestMailbox_NeverMoreThanFourInFlight(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	id, err := e.fake.Deliver(ada, "inbox", []byte(richMail))
	require.NoError(t, err)
	m, err := e.mb.Message(context.Background(), id)
	require.NoError(t, err)
	big := bytes.Repeat([]byte("z"), 4<<20)
	e.fake.SetLatency(2 * time.Millisecond)
	e.fake.ResetStats()
	yes := true

	var (
		wg    sync.WaitGroup
		calls atomic.Int32
		errs  = make(chan error, 50)
	)
	for i := range 50 {
		wg.Go(func() {
			defer calls.Add(1)
			ctx := context.Background()
			var err error
			switch i % 5 {
			case 0:
				_, err = e.mb.Message(ctx, id)
			case 1:
				var rc io.ReadCloser
				if rc, err = e.mb.Attachment(ctx, id, m.Attachments[0].ID); err == nil {
					_, err = io.Copy(io.Discard, rc)
					rc.Close()
				}
			case 2:
				_, err = e.mb.Send(ctx, &mailmanager.Outgoing{
					To: []mailmanager.Address{{Email: bob}}, Subject: fmt.Sprint(i),
					Attachments: []mailmanager.OutgoingAttachment{
						{Filename: "big.bin", Content: bytes.NewReader(big)}},
				})
			case 3:
				err = e.mb.Sync(ctx, "", mailmanager.SyncOptions{},
					func(context.Context, *mailmanager.Changes) error { return nil })
			case 4:
				err = e.mb.Modify(ctx, []string{id}, mailmanager.Modification{Read: &yes})
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)

	for err := range errs {
		assert.NoError(t, err)
	}
	assert.EqualValues(t, 50, calls.Load())
	st := e.fake.Stats()
	assert.LessOrEqual(t, e.fake.MaxInFlight(), 4)
	assert.Zero(t, st.Throttled)
	assert.Positive(t, st.Routes["PUT /api/v2.0/uploads/{session}"], "upload chunks ran too")
	assert.Len(t, e.fake.Sent(ada), 10)
}

// An attachment stream holds its slot until it is closed.
func TestMailbox_OpenStreamsHoldSlots(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	id, err := e.fake.Deliver(ada, "inbox", []byte(richMail))
	require.NoError(t, err)
	m, err := e.mb.Message(context.Background(), id)
	require.NoError(t, err)

	var open []io.ReadCloser
	for range 4 {
		rc, err := e.mb.Attachment(context.Background(), id, m.Attachments[0].ID)
		require.NoError(t, err)
		open = append(open, rc)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = e.mb.Message(ctx, id)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "a fifth call waits for a slot")

	open[0].Close()
	_, err = e.mb.Message(context.Background(), id)
	assert.NoError(t, err)
	for _, rc := range open[1:] {
		rc.Close()
	}
}

// The provider does not retry: the error carries Graph's Retry-After for
// the retry layer of the client given to Open, or for the host.
func TestMailbox_ThrottleIsNotRetried(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	e.fake.SetFault(func(*http.Request) (int, time.Duration) {
		return http.StatusTooManyRequests, 2 * time.Second
	})

	_, err := e.mb.Folders(context.Background())

	var ae *mailmanager.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 429, ae.Status)
	assert.Equal(t, 2*time.Second, ae.RetryAfter)
	assert.True(t, ae.Temporary())
	assert.Equal(t, 1, e.fake.Stats().Requests)
}

// retryOnce is a client's retry layer: it sends a request again after a
// 429 if it can replay the body, as mailmanager's retry policy does.
type retryOnce struct {
	next     http.RoundTripper
	replayed atomic.Int32
}

func (rt *retryOnce) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := rt.next.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusTooManyRequests ||
		(r.Body != nil && r.GetBody == nil) {
		return resp, err
	}
	resp.Body.Close()
	r2 := r.Clone(r.Context())
	if r.GetBody != nil {
		if r2.Body, err = r.GetBody(); err != nil {
			return nil, err
		}
	}
	rt.replayed.Add(1)
	return rt.next.RoundTrip(r2)
}

// Requests with a body, compressed by the Graph pipeline, can be replayed
// by the retry layer under it.
func TestMailbox_BodiesAreReplayable(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	base := &retryOnce{next: &oauth2.Transport{
		Source: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "tok-ada"}),
	}}
	mb, err := e.p.Open(context.Background(), &http.Client{Transport: base})
	require.NoError(t, err)
	var faults atomic.Int32
	e.fake.SetFault(func(r *http.Request) (int, time.Duration) {
		if r.Method == http.MethodPost && faults.Add(1) == 1 {
			return http.StatusTooManyRequests, 0
		}
		return 0, 0
	})

	_, err = mb.Send(context.Background(), &mailmanager.Outgoing{
		From: &mailmanager.Address{Email: ada},
		To:   []mailmanager.Address{{Email: bob}}, Subject: "replayed", Text: "body",
	})

	require.NoError(t, err)
	assert.EqualValues(t, 1, base.replayed.Load())
	sent := e.fake.Sent(ada)
	require.Len(t, sent, 1)
	assert.Equal(t, "body", sent[0].Body.Content)
}

func TestMailbox_RejectedToken(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	mb := e.open("tok-revoked-secret")

	_, err := mb.Profile(context.Background())

	require.ErrorIs(t, err, mailmanager.ErrReauthRequired)
	var ae *mailmanager.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 401, ae.Status)
	assert.NotContains(t, err.Error(), "tok-revoked-secret")
}

func TestMailbox_UploadFailureHidesUploadToken(t *testing.T) {
	e := newEnv(t, outlook.Config{})
	e.fake.SetFault(func(r *http.Request) (int, time.Duration) {
		if r.Method == http.MethodPut {
			return http.StatusInternalServerError, 0
		}
		return 0, 0
	})

	_, err := e.mb.Send(context.Background(), &mailmanager.Outgoing{
		To: []mailmanager.Address{{Email: bob}}, Subject: "big",
		Attachments: []mailmanager.OutgoingAttachment{
			{Filename: "big.bin", Content: bytes.NewReader(make([]byte, 4<<20))}},
	})

	var ae *mailmanager.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "attachments.upload", ae.Op)
	assert.NotContains(t, err.Error(), "authtoken")
	assert.Empty(t, e.fake.Sent(ada))
	for _, m := range e.fake.Messages(ada) {
		assert.NotEqual(t, e.folderID("drafts"), m.ParentFolderID, "the failed draft is discarded")
	}
}

// A proxy's HTML error page still yields an APIError with its status.
func TestMailbox_NonJSONErrorKeepsStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html><body>Bad gateway</body></html>")
	}))
	defer srv.Close()
	p := outlook.New(outlook.Config{APIURL: srv.URL + "/v1.0"})
	mb, err := p.Open(context.Background(), srv.Client())
	require.NoError(t, err)

	_, err = mb.Profile(context.Background())

	var ae *mailmanager.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusBadGateway, ae.Status)
	assert.Equal(t, "me.get", ae.Op)
}
