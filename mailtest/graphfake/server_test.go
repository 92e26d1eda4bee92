package graphfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServer_Auth(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		path   string
		auth   string
		status int
		code   string
	}{
		{"no token", "/me/messages", "", 401, "InvalidAuthenticationToken"},
		{"wrong scheme", "/me/messages", "Basic tok-ada", 401, "InvalidAuthenticationToken"},
		{"unknown token", "/me/messages", "Bearer forged", 401, "InvalidAuthenticationToken"},
		{"no mailbox, mail call", "/me/messages", "Bearer tok-nobody", 404,
			"MailboxNotEnabledForRESTAPI"},
		{"no mailbox, profile", "/me", "Bearer tok-nobody", 404, "Request_ResourceNotFound"},
		{"other user's mailbox", "/users/" + bob + "/messages", "Bearer tok-ada", 403,
			"ErrorAccessDenied"},
		{"own mailbox by address", "/users/" + ada + "/messages", "Bearer tok-ada", 200, ""},
		{"valid token", "/me/messages", "Bearer tok-ada", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.call("GET", tt.path, nil, "Authorization", "", "Authorization", tt.auth)
			assert.Equal(t, tt.status, res.status, string(res.raw))
			assert.Equal(t, tt.code, res.errorCode())
			if tt.status == 401 {
				assert.Contains(t, res.header.Get("WWW-Authenticate"), "Bearer")
			}
		})
	}
}

func TestServer_ErrorShape(t *testing.T) {
	f := newFixture(t)
	res := f.call("GET", "/me/messages/AAkALgAAnothere", nil, "client-request-id", "abc-123")
	require.Equal(t, http.StatusNotFound, res.status)
	e := res.body["error"].(map[string]any)
	assert.Equal(t, "ErrorItemNotFound", e["code"])
	assert.NotEmpty(t, e["message"])
	inner := e["innerError"].(map[string]any)
	assert.Equal(t, "abc-123", inner["client-request-id"])
	assert.Equal(t, res.header.Get("request-id"), inner["request-id"])
	_, err := time.Parse("2006-01-02T15:04:05", inner["date"].(string))
	assert.NoError(t, err)
}

func TestServer_Me(t *testing.T) {
	f := newFixture(t)
	f.s.SetExchangeEnabled(ada, false)
	res := f.call("GET", "/me", nil)
	require.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, "Ada Lovelace", res.str("displayName"))
	assert.Equal(t, ada, res.str("mail"))
	assert.Equal(t, ada, res.str("userPrincipalName"))
	assert.NotEmpty(t, res.str("id"))

	byID := f.call("GET", "/users/"+url.PathEscape(res.str("id")), nil)
	assert.Equal(t, http.StatusOK, byID.status)
	assert.Equal(t, res.str("id"), byID.str("id"))
}

func TestServer_ExchangeDisabled(t *testing.T) {
	f := newFixture(t)
	f.s.SetExchangeEnabled(ada, false)
	res := f.call("GET", "/me/mailFolders", nil)
	assert.Equal(t, http.StatusNotFound, res.status)
	assert.Equal(t, "MailboxNotEnabledForRESTAPI", res.errorCode())

	f.s.SetExchangeEnabled(ada, true)
	assert.Equal(t, http.StatusOK, f.call("GET", "/me/mailFolders", nil).status)
}

func TestServer_UnknownRoute(t *testing.T) {
	f := newFixture(t)
	res := f.call("GET", "/me/events", nil)
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.Equal(t, "BadRequest", res.errorCode())
	assert.Equal(t, 1, f.s.Stats().Routes["unmatched"])
}

func TestServer_GzipBodies(t *testing.T) {
	f := newFixture(t)
	id := f.deliver(ada, "", 1)[0]
	body, err := json.Marshal(map[string]any{"isRead": true})
	require.NoError(t, err)

	res := f.call("PATCH", "/me/messages/"+url.PathEscape(id), gz(t, body),
		with("Content-Encoding", "gzip")...)
	require.Equal(t, http.StatusOK, res.status, string(res.raw))
	assert.Equal(t, true, res.body["isRead"])

	bad := f.call("PATCH", "/me/messages/"+url.PathEscape(id), []byte("not gzip"),
		with("Content-Encoding", "gzip")...)
	assert.Equal(t, http.StatusBadRequest, bad.status)
}

func TestServer_RequestTooLarge(t *testing.T) {
	f := newFixture(t)
	content := make([]byte, 3<<20+512<<10) // 4.7 MB once base64-encoded
	res := f.call("POST", "/me/sendMail", map[string]any{"message": map[string]any{
		"subject":      "big",
		"toRecipients": []any{rcpt(bob)},
		"attachments": []any{map[string]any{"@odata.type": "#microsoft.graph.fileAttachment",
			"name": "big.bin", "contentBytes": content}},
	}})
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.status)
	assert.Empty(t, f.s.Sent(ada))
}

func TestServer_Fault(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	left := 2
	f.s.SetFault(func(r *http.Request) (int, time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		if strings.HasSuffix(r.URL.Path, "/mailFolders") && left > 0 {
			left--
			return http.StatusServiceUnavailable, 1500 * time.Millisecond
		}
		return 0, 0
	})
	for range 2 {
		res := f.call("GET", "/me/mailFolders", nil)
		assert.Equal(t, http.StatusServiceUnavailable, res.status)
		assert.Equal(t, "2", res.header.Get("Retry-After"))
		assert.Equal(t, "serviceNotAvailable", res.errorCode())
	}
	assert.Equal(t, http.StatusOK, f.call("GET", "/me/mailFolders", nil).status)
	assert.Equal(t, http.StatusOK, f.call("GET", "/me", nil).status)

	st := f.s.Stats()
	assert.Equal(t, 2, st.Faults)
	assert.Equal(t, 0, st.Throttled)
	assert.Equal(t, 4, st.Requests)
	assert.Equal(t, 3, st.Routes["GET /me/mailFolders"])

	f.s.SetFault(nil)
	f.s.ResetStats()
	assert.Equal(t, Stats{Routes: map[string]int{}}, f.s.Stats())
}

func TestServer_StatsRouteNames(t *testing.T) {
	f := newFixture(t)
	id := f.deliver(ada, "", 1)[0]
	f.call("GET", "/me/messages/"+url.PathEscape(id), nil)
	f.call("GET", "/users/"+ada+"/messages/"+url.PathEscape(id), nil)
	f.call("GET", "/me/mailFolders/inbox/messages/delta()", nil)
	st := f.s.Stats()
	assert.Equal(t, 2, st.Routes["GET /me/messages/{id}"])
	assert.Equal(t, 1, st.Routes["GET /me/mailFolders/{folder}/messages/delta"])
}

// TestServer_ConcurrencyLimit holds four requests in flight with a blocking
// fault hook, so the fifth meets the limit whatever the machine's speed.
func TestServer_ConcurrencyLimit(t *testing.T) {
	f := newFixture(t)
	gate := make(chan struct{})
	f.s.SetFault(func(r *http.Request) (int, time.Duration) {
		if r.URL.Query().Get("hold") == "1" {
			<-gate
		}
		return 0, 0
	})

	var wg sync.WaitGroup
	statuses := make(chan int, MailboxConcurrency)
	for range MailboxConcurrency {
		wg.Go(func() {
			statuses <- f.call("GET", "/me/mailFolders?hold=1", nil).status
		})
	}
	require.Eventually(t, func() bool { return f.s.MaxInFlight() == MailboxConcurrency },
		10*time.Second, 5*time.Millisecond)

	fifth := f.call("GET", "/me/mailFolders", nil)
	assert.Equal(t, http.StatusTooManyRequests, fifth.status)
	assert.Equal(t, "ApplicationThrottled", fifth.errorCode())
	assert.Contains(t, string(fifth.raw), "MailboxConcurrency")
	assert.Equal(t, "1", fifth.header.Get("Retry-After"))

	other := f.call("GET", "/me/mailFolders", nil, "Authorization", "", "Authorization",
		"Bearer tok-bob")
	assert.Equal(t, http.StatusOK, other.status, "the limit is per mailbox")

	close(gate)
	wg.Wait()
	close(statuses)
	for s := range statuses {
		assert.Equal(t, http.StatusOK, s)
	}
	assert.Equal(t, MailboxConcurrency+1, f.s.MaxInFlight())
	assert.Equal(t, 1, f.s.Stats().Throttled)
	assert.Equal(t, http.StatusOK, f.call("GET", "/me/mailFolders", nil).status)
}

// TestServer_Latency checks that latency delays answers and keeps requests
// in flight: the counters agree with what eight concurrent callers saw.
// (How many of them overlap depends on the machine, so the 429 count is
// not fixed; TestServer_ConcurrencyLimit pins the limit itself.)
func TestServer_Latency(t *testing.T) {
	f := newFixture(t)
	f.s.SetLatency(time.Second)
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	for range 8 {
		wg.Go(func() {
			s := f.call("GET", "/me/mailFolders", nil).status
			mu.Lock()
			counts[s]++
			mu.Unlock()
		})
	}
	wg.Wait()
	assert.GreaterOrEqual(t, time.Since(start), time.Second)
	assert.Equal(t, 8, counts[http.StatusOK]+counts[http.StatusTooManyRequests])
	assert.Equal(t, counts[http.StatusTooManyRequests], f.s.Stats().Throttled)
	assert.GreaterOrEqual(t, counts[http.StatusOK], 1)
	if counts[http.StatusTooManyRequests] > 0 {
		assert.Greater(t, f.s.MaxInFlight(), MailboxConcurrency)
	}
}

func rcpt(address string) map[string]any {
	return map[string]any{"emailAddress": map[string]any{"address": address}}
}
