package gmailfake_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/gmail/v1"
)

func TestServer_QuotaThrottles(t *testing.T) {
	fake, clock := newFake(t)
	ids := deliverN(t, fake, clock, 1)
	fake.SetQuota(20) // four messages.get a minute
	svc := service(t, fake, annToken)

	for range 4 {
		_, err := svc.Users.Messages.Get("me", ids[0]).Do()
		require.NoError(t, err)
		clock.Advance(10 * time.Second)
	}
	_, err := svc.Users.Messages.Get("me", ids[0]).Do()
	require.Error(t, err)
	gerr := apiError(t, err)
	assert.Equal(t, http.StatusTooManyRequests, gerr.Code)
	assert.Equal(t, "rateLimitExceeded", reason(t, err))
	assert.Equal(t, "20", gerr.Header.Get("Retry-After"), "the first charge leaves in 20s")

	_, err = service(t, fake, bobToken).Users.GetProfile("me").Do()
	assert.NoError(t, err, "the budget is per user")

	clock.Advance(20 * time.Second)
	_, err = svc.Users.Messages.Get("me", ids[0]).Do()
	assert.NoError(t, err, "the window slid past the first charge")

	st := fake.Stats()
	assert.Equal(t, 1, st.Throttled)
	assert.Equal(t, 5*5+1, st.QuotaUnits)
}

func TestServer_QuotaUnitsPerMethod(t *testing.T) {
	fake, clock := newFake(t)
	ids := deliverN(t, fake, clock, 2)
	svc := service(t, fake, annToken)
	raw := encodeRaw(textMessage(ann, "c@example.com", "s", "b"))
	cases := []struct {
		method string
		units  int
		do     func() error
	}{
		{"getProfile", 1, func() error { _, err := svc.Users.GetProfile("me").Do(); return err }},
		{"messages.list", 5, func() error {
			_, err := svc.Users.Messages.List("me").Do()
			return err
		}},
		{"messages.get", 5, func() error {
			_, err := svc.Users.Messages.Get("me", ids[0]).Do()
			return err
		}},
		{"messages.modify", 5, func() error {
			_, err := svc.Users.Messages.Modify("me", ids[0], &gmail.ModifyMessageRequest{}).Do()
			return err
		}},
		{"messages.batchModify", 50, func() error {
			return svc.Users.Messages.BatchModify("me", &gmail.BatchModifyMessagesRequest{
				Ids: ids}).Do()
		}},
		{"history.list", 2, func() error {
			_, err := svc.Users.History.List("me").StartHistoryId(fake.HistoryID(ann)).Do()
			return err
		}},
		{"labels.list", 1, func() error { _, err := svc.Users.Labels.List("me").Do(); return err }},
		{"labels.get", 1, func() error {
			_, err := svc.Users.Labels.Get("me", "INBOX").Do()
			return err
		}},
		{"settings.sendAs.list", 1, func() error {
			_, err := svc.Users.Settings.SendAs.List("me").Do()
			return err
		}},
		{"threads.get", 10, func() error {
			_, err := svc.Users.Threads.Get("me", ids[0]).Do()
			return err
		}},
		{"messages.send", 100, func() error {
			_, err := svc.Users.Messages.Send("me", &gmail.Message{Raw: raw}).Do()
			return err
		}},
		{"drafts.create", 10, func() error {
			_, err := svc.Users.Drafts.Create("me", &gmail.Draft{
				Message: &gmail.Message{Raw: raw}}).Do()
			return err
		}},
		{"drafts.list", 5, func() error { _, err := svc.Users.Drafts.List("me").Do(); return err }},
		{"messages.trash", 5, func() error {
			_, err := svc.Users.Messages.Trash("me", ids[1]).Do()
			return err
		}},
		{"messages.delete", 10, func() error { return svc.Users.Messages.Delete("me", ids[1]).Do() }},
	}
	for _, tc := range cases {
		t.Run(tc.method, func(t *testing.T) {
			fake.ResetStats()
			require.NoError(t, tc.do())
			st := fake.Stats()
			assert.Equal(t, tc.units, st.QuotaUnits)
			assert.Equal(t, map[string]int{tc.method: 1}, st.Calls)
			assert.Equal(t, 1, st.RoundTrips)
		})
	}
}

func TestServer_FaultInjection(t *testing.T) {
	fake, _ := newFake(t)
	svc := service(t, fake, annToken)
	cases := []struct {
		status     int
		retryAfter time.Duration
		reason     string
		header     string
	}{
		{http.StatusTooManyRequests, 3 * time.Second, "rateLimitExceeded", "3"},
		{http.StatusForbidden, 0, "userRateLimitExceeded", ""},
		{http.StatusInternalServerError, 0, "backendError", ""},
		{http.StatusServiceUnavailable, 1500 * time.Millisecond, "backendError", "2"},
		{http.StatusBadRequest, 0, "invalidArgument", ""},
		{http.StatusUnauthorized, 0, "authError", ""},
	}
	for _, tc := range cases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			fake.SetFault(func(r *http.Request) (int, time.Duration) {
				if strings.HasSuffix(r.URL.Path, "/profile") {
					return tc.status, tc.retryAfter
				}
				return 0, 0
			})
			_, err := svc.Users.GetProfile("me").Do()
			require.Error(t, err)
			gerr := apiError(t, err)
			assert.Equal(t, tc.status, gerr.Code)
			assert.Equal(t, tc.reason, reason(t, err))
			assert.Equal(t, tc.header, gerr.Header.Get("Retry-After"))

			_, err = svc.Users.Labels.List("me").Do()
			assert.NoError(t, err, "the hook chose only getProfile")
		})
	}
	fake.SetFault(nil)
	_, err := svc.Users.GetProfile("me").Do()
	assert.NoError(t, err)
}

func TestServer_Latency(t *testing.T) {
	fake, _ := newFake(t)
	svc := service(t, fake, annToken)
	fake.SetLatency(50 * time.Millisecond)
	begin := time.Now()
	_, err := svc.Users.GetProfile("me").Do()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(begin), 50*time.Millisecond)

	fake.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = svc.Users.GetProfile("me").Context(ctx).Do()
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "got %v", err)
	fake.SetLatency(0)
}

func TestServer_AuthFailures(t *testing.T) {
	fake, _ := newFake(t)
	cases := []struct {
		name   string
		token  string
		userID string
		status int
		reason string
	}{
		{"unknown token", "stolen", "me", http.StatusUnauthorized, "authError"},
		{"another user's mailbox", annToken, bob, http.StatusForbidden, "forbidden"},
		{"no mailbox", noBoxTok, "me", http.StatusBadRequest, "failedPrecondition"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := service(t, fake, tc.token).Users.GetProfile(tc.userID).Do()
			require.Error(t, err)
			assert.Equal(t, tc.status, apiError(t, err).Code)
			assert.Equal(t, tc.reason, reason(t, err))
			assert.NotContains(t, err.Error(), tc.token, "no token in errors")
		})
	}

	p, err := service(t, fake, annToken).Users.GetProfile(ann).Do()
	require.NoError(t, err, "the address works as userId")
	assert.Equal(t, ann, p.EmailAddress)

	resp, err := http.Get(fake.URL() + "/gmail/v1/users/me/profile")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "no Authorization header")
	assert.Contains(t, resp.Header.Get("WWW-Authenticate"), "invalid_token")
}

func TestServer_OnRequestRunsBeforeServing(t *testing.T) {
	fake, clock := newFake(t)
	ids := deliverN(t, fake, clock, 2)
	svc := service(t, fake, annToken)
	var mu sync.Mutex
	var seen []string
	fake.OnRequest(func(method string, r *http.Request) {
		mu.Lock()
		seen = append(seen, method)
		mu.Unlock()
		if method == "messages.get" && strings.HasSuffix(r.URL.Path, ids[0]) {
			fake.Delete(ann, ids[0])
		}
	})

	list, err := svc.Users.Messages.List("me").Do()
	require.NoError(t, err)
	require.Len(t, list.Messages, 2)
	_, err = svc.Users.Messages.Get("me", ids[0]).Do()
	assert.Equal(t, http.StatusNotFound, apiError(t, err).Code, "deleted between list and get")
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"messages.list", "messages.get"}, seen)
}
