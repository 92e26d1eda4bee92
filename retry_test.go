package mailmanager_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
)

// faultServer answers the first fails requests with the given status,
// headers and body, and 200 "ok" after that.
type faultServer struct {
	*httptest.Server
	calls atomic.Int32
}

func newFaultServer(t *testing.T, fails int, status int, header http.Header, body string) *faultServer {
	fs := &faultServer{}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := fs.calls.Add(1)
		io.Copy(io.Discard, r.Body)
		if int(n) <= fails {
			if status == 0 {
				// A reset connection.
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
				return
			}
			for k, v := range header {
				w.Header()[k] = v
			}
			w.WriteHeader(status)
			io.WriteString(w, body)
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(fs.Close)
	return fs
}

// retryEnv is an env with a connected account and fast retries.
func retryEnv(t *testing.T, policy mailmanager.RetryPolicy) (*env, *mailmanager.Manager, string) {
	e := newEnv(t)
	e.connect("u1", "gmail", "")
	e.config.Retry = policy
	return e, e.newManager(), e.onlyAccount("u1").ID
}

var fastRetry = mailmanager.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}

func TestRetry_Classification(t *testing.T) {
	rateLimited := `{"error":{"code":403,"errors":[{"reason":"userRateLimitExceeded"}]}}`
	noScope := `{"error":{"code":403,"errors":[{"reason":"insufficientPermissions"}]}}`
	cases := []struct {
		name      string
		method    string
		key       bool
		status    int
		body      string
		wantCalls int32
		wantCode  int
	}{
		{"429 on GET", http.MethodGet, false, 429, "", 2, 200},
		{"429 on POST, refused unread", http.MethodPost, false, 429, "", 2, 200},
		{"503 on GET", http.MethodGet, false, 503, "", 2, 200},
		{"504 on DELETE", http.MethodDelete, false, 504, "", 2, 200},
		{"503 on POST is not replayed", http.MethodPost, false, 503, "", 1, 503},
		{"503 on POST with Idempotency-Key", http.MethodPost, true, 503, "", 2, 200},
		{"reset connection on GET", http.MethodGet, false, 0, "", 2, 200},
		{"403 rate limit is a throttle", http.MethodGet, false, 403, rateLimited, 2, 200},
		{"403 missing scope is final", http.MethodGet, false, 403, noScope, 1, 403},
		{"404 is final", http.MethodGet, false, 404, "", 1, 404},
		{"401 is renewed once by the token layer", http.MethodGet, false, 401, "", 2, 200},
	}
	_, m, id := retryEnv(t, fastRetry)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := newFaultServer(t, 1, tc.status, nil, tc.body)
			req, err := http.NewRequest(tc.method, fs.URL, strings.NewReader("payload"))
			require.NoError(t, err)
			if tc.key {
				req.Header.Set("Idempotency-Key", "k1")
			}

			resp, err := m.Client(id).Do(req)

			if tc.status == 0 && tc.wantCalls == 1 {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, tc.wantCode, resp.StatusCode)
			assert.Equal(t, tc.wantCalls, fs.calls.Load())
			if tc.wantCode == 403 {
				assert.Equal(t, tc.body, string(b), "the caller still reads the body")
			}
		})
	}
}

func TestRetry_PersistentUnauthorizedIsNotRetried(t *testing.T) {
	_, m, id := retryEnv(t, fastRetry)
	fs := newFaultServer(t, 100, 401, nil, "")
	resp, err := m.Client(id).Get(fs.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode)
	assert.Equal(t, int32(2), fs.calls.Load(), "one try with a renewed token, no more")
}

func TestRetry_GivesUpAfterMaxAttempts(t *testing.T) {
	_, m, id := retryEnv(t, mailmanager.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond})
	fs := newFaultServer(t, 100, 503, nil, "")
	resp, err := m.Client(id).Get(fs.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 503, resp.StatusCode)
	assert.Equal(t, int32(4), fs.calls.Load())
}

func TestRetry_HonoursRetryAfter(t *testing.T) {
	_, m, id := retryEnv(t, fastRetry)
	fs := newFaultServer(t, 1, 429, http.Header{"Retry-After": {"1"}}, "")
	start := time.Now()
	resp, err := m.Client(id).Get(fs.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.GreaterOrEqual(t, time.Since(start), time.Second)
}

func TestRetry_SurfacesWaitBeyondBudget(t *testing.T) {
	_, m, id := retryEnv(t, mailmanager.RetryPolicy{Budget: time.Second})
	fs := newFaultServer(t, 1, 429, http.Header{"Retry-After": {"3600"}}, "")
	resp, err := m.Client(id).Get(fs.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 429, resp.StatusCode, "an hour's wait is the caller's decision")
	assert.Equal(t, int32(1), fs.calls.Load())
}

func TestRetry_ThrottlingKeepsAccountActive(t *testing.T) {
	e, m, id := retryEnv(t, mailmanager.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond})
	fs := newFaultServer(t, 100, 429, nil, "")
	resp, err := m.Client(id).Get(fs.URL)
	require.NoError(t, err)
	resp.Body.Close()
	a, err := e.m.Account(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, mailmanager.StatusActive, a.Status)
}

func TestRetry_Disabled(t *testing.T) {
	_, m, id := retryEnv(t, mailmanager.RetryPolicy{Disabled: true})
	fs := newFaultServer(t, 1, 503, nil, "")
	resp, err := m.Client(id).Get(fs.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 503, resp.StatusCode)
	assert.Equal(t, int32(1), fs.calls.Load())
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              0,
		"7":                             7 * time.Second,
		"-3":                            0,
		"soon":                          0,
		"Fri, 04 Dec 2026 12:00:30 GMT": 30 * time.Second,
		"Fri, 04 Dec 2026 11:00:00 GMT": 0,
	}
	for v, want := range cases {
		h := http.Header{}
		if v != "" {
			h.Set("Retry-After", v)
		}
		assert.Equal(t, want, mailmanager.RetryAfter(h, now), "Retry-After %q", v)
	}
}
