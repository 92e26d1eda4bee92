package mailmanager

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// RetryPolicy says how the Manager retries provider calls that were
// throttled or hit a passing fault. It is the only retry layer: providers
// do not retry on their own, so retries never multiply.
//
// A call is retried on 429 whatever its method (the provider refused it
// unread), on 403 with Gmail's rateLimitExceeded or userRateLimitExceeded
// reasons, and, for idempotent requests only, on 500, 502, 503, 504 and
// connection failures. A request is idempotent when its method is GET,
// HEAD, OPTIONS, PUT or DELETE, or when it carries an Idempotency-Key
// header, as net/http treats it. A request whose body cannot be replayed is
// never retried.
type RetryPolicy struct {
	// Disabled turns retries off.
	Disabled bool
	// MaxAttempts is the most attempts a call makes, the first included:
	// the consecutive failures after which the error surfaces. Zero
	// means 5.
	MaxAttempts int
	// BaseDelay is the first backoff delay; each retry doubles it, and
	// the wait is drawn between half of it and all of it. Zero means 500ms.
	BaseDelay time.Duration
	// MaxDelay caps one backoff delay. A Retry-After longer than the
	// remaining budget surfaces the error instead of waiting. Zero means
	// 30s.
	MaxDelay time.Duration
	// Budget caps the total time a call spends waiting between attempts.
	// Zero means 2 minutes.
	Budget time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 5
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 500 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 30 * time.Second
	}
	if p.Budget <= 0 {
		p.Budget = 2 * time.Minute
	}
	return p
}

// retryTransport retries throttled and failed requests by RetryPolicy.
type retryTransport struct {
	policy RetryPolicy
	next   http.RoundTripper
	// onRetry, if set, is told of each retry, for logs.
	onRetry func(r *http.Request, attempt int, status int, wait time.Duration)
}

func (t *retryTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.policy.Disabled || (r.Body != nil && r.Body != http.NoBody && r.GetBody == nil) {
		return t.next.RoundTrip(r)
	}
	idempotent := isIdempotent(r)
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		req := r
		if attempt > 1 && r.GetBody != nil {
			body, err := r.GetBody()
			if err != nil {
				return nil, fmt.Errorf("mailmanager: retry: replay request body: %w", err)
			}
			req = r.Clone(r.Context())
			req.Body = body
		}
		resp, err := t.next.RoundTrip(req)

		retry, after := t.classify(resp, err, idempotent)
		if !retry || attempt >= t.policy.MaxAttempts {
			return resp, err
		}
		wait := after
		if wait <= 0 {
			wait = backoff(t.policy, attempt)
		}
		if waited+wait > t.policy.Budget {
			return resp, err
		}
		status := 0
		if resp != nil {
			status = resp.StatusCode
			drain(resp.Body)
		}
		if t.onRetry != nil {
			t.onRetry(r, attempt, status, wait)
		}
		if err := sleep(r.Context(), wait); err != nil {
			return nil, err
		}
		waited += wait
	}
}

// classify says whether an attempt's outcome is worth another try, and
// the delay the provider asked for.
func (t *retryTransport) classify(resp *http.Response, err error, idempotent bool) (bool, time.Duration) {
	if err != nil {
		return idempotent && isConnectionFailure(err), 0
	}
	after := RetryAfter(resp.Header, time.Now())
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		return true, after
	case http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return idempotent, after
	case http.StatusForbidden:
		return isRateLimitReason(resp), after
	}
	return false, 0
}

func isIdempotent(r *http.Request) bool {
	switch r.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	_, a := r.Header["Idempotency-Key"]
	_, b := r.Header["X-Idempotency-Key"]
	return a || b
}

// isConnectionFailure reports a failure of the connection rather than of
// the request: a reset, a refused dial, an unexpected EOF.
func isConnectionFailure(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ne *net.OpError
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}

// isRateLimitReason reports whether a 403 is Gmail's throttle rather than a
// refusal, by the reason in its JSON body. The body is put back for the
// caller.
func isRateLimitReason(resp *http.Response) bool {
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	if err != nil {
		return false
	}
	var body struct {
		Error struct {
			Errors []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &body) != nil {
		return false
	}
	for _, e := range body.Error.Errors {
		switch e.Reason {
		case "rateLimitExceeded", "userRateLimitExceeded":
			return true
		}
	}
	return false
}

// RetryAfter parses a Retry-After header, in seconds or as an HTTP date,
// relative to now. It returns zero when the header is absent or invalid.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// backoff returns the delay before retry number attempt: exponential,
// capped, and jittered between half and all of it so that many callers
// throttled at once do not come back together.
func backoff(p RetryPolicy, attempt int) time.Duration {
	d := p.BaseDelay << min(attempt-1, 20)
	if d <= 0 || d > p.MaxDelay {
		d = p.MaxDelay
	}
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func drain(body io.ReadCloser) {
	if body == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	body.Close()
}
