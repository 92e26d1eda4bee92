package gmailfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// apiError is a failure answered in Google's JSON error shape.
type apiError struct {
	status     int
	reason     string
	domain     string
	message    string
	retryAfter time.Duration
	header     http.Header
}

// wireError is the body of a Google API error answer.
type wireError struct {
	Error wireErrorBody `json:"error"`
}

type wireErrorBody struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Errors  []wireErrorItem `json:"errors"`
	Status  string          `json:"status"`
}

type wireErrorItem struct {
	Message      string `json:"message"`
	Domain       string `json:"domain"`
	Reason       string `json:"reason"`
	Location     string `json:"location,omitempty"`
	LocationType string `json:"locationType,omitempty"`
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{
		status:  http.StatusBadRequest,
		reason:  "invalidArgument",
		message: fmt.Sprintf(format, args...),
	}
}

func failedPrecondition(msg string) *apiError {
	return &apiError{
		status:  http.StatusBadRequest,
		reason:  "failedPrecondition",
		message: msg,
	}
}

func notFound() *apiError {
	return &apiError{
		status:  http.StatusNotFound,
		reason:  "notFound",
		message: "Requested entity was not found.",
	}
}

func unauthenticated() *apiError {
	return &apiError{
		status: http.StatusUnauthorized,
		reason: "authError",
		message: "Request had invalid authentication credentials. Expected OAuth 2 " +
			"access token, login cookie or other valid authentication credential.",
		header: http.Header{
			"Www-Authenticate": {`Bearer realm="https://accounts.google.com/", ` +
				`error="invalid_token"`},
		},
	}
}

func delegationDenied(userID string) *apiError {
	return &apiError{
		status:  http.StatusForbidden,
		reason:  "forbidden",
		message: "Delegation denied for " + userID,
	}
}

// throttled is the answer to a request over the per-user quota.
func throttled(retryAfter time.Duration, now time.Time) *apiError {
	until := now.Add(retryAfter).UTC().Format("2006-01-02T15:04:05.000Z")
	return &apiError{
		status:     http.StatusTooManyRequests,
		reason:     "rateLimitExceeded",
		domain:     "usageLimits",
		message:    "User-rate limit exceeded.  Retry after " + until,
		retryAfter: retryAfter,
	}
}

// faultError is the answer for a status chosen by the fault hook, with the
// reason Google gives for that status.
func faultError(status int, retryAfter time.Duration) *apiError {
	e := &apiError{status: status, retryAfter: retryAfter}
	switch status {
	case http.StatusBadRequest:
		e.reason, e.message = "invalidArgument", "Invalid argument."
	case http.StatusUnauthorized:
		e = unauthenticated()
		e.retryAfter = retryAfter
	case http.StatusForbidden:
		e.reason, e.domain = "userRateLimitExceeded", "usageLimits"
		e.message = "User Rate Limit Exceeded"
	case http.StatusNotFound:
		e.reason, e.message = "notFound", "Requested entity was not found."
	case http.StatusTooManyRequests:
		e.reason, e.domain = "rateLimitExceeded", "usageLimits"
		e.message = "Too many concurrent requests for user."
	case http.StatusInternalServerError:
		e.reason, e.message = "backendError", "Backend Error"
	case http.StatusServiceUnavailable:
		e.reason, e.message = "backendError", "The service is currently unavailable."
	default:
		e.reason, e.message = "unknown", http.StatusText(status)
	}
	return e
}

// grpcStatus names the canonical status Google puts beside an HTTP code.
func grpcStatus(code int) string {
	switch code {
	case http.StatusBadRequest:
		return "INVALID_ARGUMENT"
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case http.StatusForbidden:
		return "PERMISSION_DENIED"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusConflict:
		return "ALREADY_EXISTS"
	case http.StatusRequestEntityTooLarge:
		return "OUT_OF_RANGE"
	case http.StatusTooManyRequests:
		return "RESOURCE_EXHAUSTED"
	case http.StatusInternalServerError:
		return "INTERNAL"
	case http.StatusServiceUnavailable:
		return "UNAVAILABLE"
	case http.StatusGatewayTimeout:
		return "DEADLINE_EXCEEDED"
	}
	return "UNKNOWN"
}

// writeError writes e in Google's JSON error shape.
func writeError(w http.ResponseWriter, e *apiError) {
	domain := e.domain
	if domain == "" {
		domain = "global"
	}
	item := wireErrorItem{Message: e.message, Domain: domain, Reason: e.reason}
	if e.status == http.StatusUnauthorized {
		item.Location, item.LocationType = "Authorization", "header"
	}
	body, _ := json.Marshal(wireError{Error: wireErrorBody{
		Code:    e.status,
		Message: e.message,
		Errors:  []wireErrorItem{item},
		Status:  grpcStatus(e.status),
	}})
	for k, vs := range e.header {
		w.Header()[k] = vs
	}
	if e.retryAfter > 0 {
		secs := int(math.Ceil(e.retryAfter.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}

// writeJSON writes a successful answer; a nil v answers 204 No Content.
func writeJSON(w http.ResponseWriter, v any) {
	if v == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // Google writes < and > as they are
	if err := enc.Encode(v); err != nil {
		writeError(w, &apiError{
			status:  http.StatusInternalServerError,
			reason:  "backendError",
			message: "Backend Error",
		})
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}
