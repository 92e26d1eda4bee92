package gmail

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/googleapi"

	"github.com/mailmanager/mailmanager"
)

func TestAPIError_Maps(t *testing.T) {
	tests := []struct {
		name       string
		op         string
		err        error
		wantStatus int
		wantCode   string
		wantIs     error
		wantNotIs  error
		wantRetry  time.Duration
	}{
		{
			name: "not found",
			op:   "messages.get",
			err: &googleapi.Error{Code: 404, Message: "Requested entity was not found.",
				Errors: []googleapi.ErrorItem{{Reason: "notFound"}}},
			wantStatus: 404, wantCode: "notFound",
			wantIs: mailmanager.ErrNotFound, wantNotIs: mailmanager.ErrCursorExpired,
		},
		{
			name:       "history not found is an expired cursor",
			op:         "history.list",
			err:        &googleapi.Error{Code: 404, Errors: []googleapi.ErrorItem{{Reason: "notFound"}}},
			wantStatus: 404, wantCode: "notFound", wantIs: mailmanager.ErrCursorExpired,
		},
		{
			name: "throttled with retry after",
			op:   "messages.list",
			err: &googleapi.Error{Code: 429, Header: http.Header{"Retry-After": {"7"}},
				Errors: []googleapi.ErrorItem{{Reason: "rateLimitExceeded", Message: "slow down"}}},
			wantStatus: 429, wantCode: "rateLimitExceeded", wantRetry: 7 * time.Second,
			wantNotIs: mailmanager.ErrNotFound,
		},
		{
			name:       "server fault on history is not expiry",
			op:         "history.list",
			err:        fmt.Errorf("wrapped: %w", &googleapi.Error{Code: 503}),
			wantStatus: 503, wantNotIs: mailmanager.ErrCursorExpired,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := apiError(tt.op, tt.err)
			var ae *mailmanager.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, "gmail", ae.Provider)
			assert.Equal(t, tt.op, ae.Op)
			assert.Equal(t, tt.wantStatus, ae.Status)
			assert.Equal(t, tt.wantCode, ae.Code)
			assert.Equal(t, tt.wantRetry, ae.RetryAfter)
			if tt.wantIs != nil {
				assert.ErrorIs(t, err, tt.wantIs)
			}
			if tt.wantNotIs != nil {
				assert.NotErrorIs(t, err, tt.wantNotIs)
			}
		})
	}
}

func TestAPIError_WrapsOtherErrors(t *testing.T) {
	base := errors.New("connection refused")
	err := apiError("users.getProfile", base)
	assert.ErrorIs(t, err, base)
	assert.Equal(t, "gmail: users.getProfile: connection refused", err.Error())
	assert.NoError(t, apiError("x", nil))
}

func TestRetryAfter_Forms(t *testing.T) {
	future := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		value string
		min   time.Duration
		max   time.Duration
	}{
		{"", 0, 0},
		{"12", 12 * time.Second, 12 * time.Second},
		{"-3", 0, 0},
		{"soon", 0, 0},
		{future, 80 * time.Second, 91 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			got := mailmanager.RetryAfter(http.Header{"Retry-After": {tt.value}}, time.Now())
			assert.GreaterOrEqual(t, got, tt.min)
			assert.LessOrEqual(t, got, tt.max)
		})
	}
}
