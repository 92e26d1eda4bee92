package mailmanager

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors. Callers compare with [errors.Is]; the errors returned by
// the library wrap these with the step that failed.
var (
	// ErrNotFound reports that an account, message, setting or other record
	// does not exist.
	ErrNotFound = errors.New("mailmanager: not found")

	// ErrNotConfigured reports that a provider has no client credentials
	// yet, so no mailbox can be connected through it.
	ErrNotConfigured = errors.New("mailmanager: provider not configured")

	// ErrReauthRequired reports that the provider refused the account's
	// grant (revoked, expired or the password changed). The account is marked
	// [StatusNeedsReauth]; the user reconnects it through the connect handler.
	ErrReauthRequired = errors.New("mailmanager: account needs re-authorization")

	// ErrConflict reports a lost compare-and-swap or a duplicate record.
	ErrConflict = errors.New("mailmanager: conflict")

	// ErrCursorExpired reports that the provider no longer knows a sync
	// cursor (Gmail history 404, Graph delta 410), so the mailbox must be
	// synced again from its boundary.
	ErrCursorExpired = errors.New("mailmanager: sync cursor expired")

	// ErrStateInvalid reports an OAuth state that is missing, tampered with,
	// expired, replayed, or made for another user or provider.
	ErrStateInvalid = errors.New("mailmanager: oauth state invalid")

	// ErrNotSignedIn reports that a request to the connect handler has no
	// signed-in user.
	ErrNotSignedIn = errors.New("mailmanager: no signed-in user")

	// ErrAccessDenied reports that the user declined consent at the provider.
	ErrAccessDenied = errors.New("mailmanager: access denied by user")

	// ErrSendUnknown reports a send whose outcome is unknown: the request
	// left, but no answer says whether the provider took the message. See
	// [Manager.ReconcileSend].
	ErrSendUnknown = errors.New("mailmanager: send outcome unknown")

	// ErrInvalidHeader reports a header value that would inject a header
	// into outgoing mail (a CR or LF in it), or a value that is not valid
	// for its header, such as an address that does not parse.
	ErrInvalidHeader = errors.New("mailmanager: invalid header value")
)

// APIError is a failure answered by a provider's API. It carries the HTTP
// status, the provider's own error code (such as "rateLimitExceeded" or
// "ErrorItemNotFound") and the delay the provider asked for, and unwraps to
// the matching sentinel ([ErrNotFound] for 404, [ErrReauthRequired] for 401
// after a refresh, [ErrCursorExpired] for an expired cursor).
type APIError struct {
	// Provider is the provider's name, such as "gmail".
	Provider string
	// Op names the call that failed, such as "messages.get".
	Op string
	// Status is the HTTP status code.
	Status int
	// Code is the provider's error code or reason, if it gave one.
	Code string
	// Message is the provider's error message. It never holds a token.
	Message string
	// RetryAfter is the delay the provider asked for, or zero.
	RetryAfter time.Duration
	// Err is the sentinel or underlying error this one wraps, or nil.
	Err error
}

// Error implements error.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s: status %d", e.Provider, e.Op, e.Status)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// Unwrap returns the wrapped error, if any.
func (e *APIError) Unwrap() error { return e.Err }

// Temporary reports whether the failure is a throttle or a server fault
// that a later retry may cure.
func (e *APIError) Temporary() bool {
	switch e.Status {
	case 429, 500, 502, 503, 504:
		return true
	}
	return false
}
