package mailtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// tokenError is an error answer of a token endpoint. Its description never
// holds a secret, a token, a code or a verifier.
type tokenError struct {
	status int
	code   string // RFC 6749 error code
	desc   string
	aadsts int  // the Microsoft-like error number
	basic  bool // the client sent Basic credentials: challenge it on 401
}

// tokenInvalidRequest is a malformed token request.
func tokenInvalidRequest(desc string) *tokenError {
	return &tokenError{status: http.StatusBadRequest, code: "invalid_request", desc: desc,
		aadsts: 9002313}
}

// tokenMissingParameter is a token request without a required parameter.
func tokenMissingParameter(name string) *tokenError {
	return &tokenError{status: http.StatusBadRequest, code: "invalid_request",
		desc: "The request body must contain the parameter " + name + ".", aadsts: 900144}
}

// tokenInvalidGrant refuses a code or refresh token.
func tokenInvalidGrant(desc string, aadsts int) *tokenError {
	return &tokenError{status: http.StatusBadRequest, code: "invalid_grant", desc: desc,
		aadsts: aadsts}
}

// tokenInjectedError is the answer of a failure set by
// [OAuthServer.FailTokenRequests].
func tokenInjectedError(status int) *tokenError {
	e := &tokenError{status: status, code: "server_error",
		desc: "The service failed (failure injected by mailtest).", aadsts: 50000}
	switch status {
	case http.StatusBadRequest:
		e.code, e.aadsts = "invalid_request", 9002313
	case http.StatusUnauthorized:
		e.code, e.aadsts = "invalid_client", 7000215
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		e.code = "temporarily_unavailable"
	}
	return e
}

// writeTokenError writes e as the flavor's token endpoint does. The
// Microsoft-like body adds error_codes, timestamp, trace_id and
// correlation_id, and repeats them in error_description.
func (s *OAuthServer) writeTokenError(w http.ResponseWriter, f oauthFlavor, e *tokenError) {
	s.mu.Lock()
	s.stats.TokenErrors++
	now := s.clock()
	s.mu.Unlock()

	body := map[string]any{"error": e.code, "error_description": e.desc}
	if f == oauthMicrosoft {
		trace, correlation := oauthTraceID(), oauthTraceID()
		stamp := now.UTC().Format(time.DateTime + "Z")
		body["error_description"] = fmt.Sprintf(
			"AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
			e.aadsts, e.desc, trace, correlation, stamp)
		body["error_codes"] = []int{e.aadsts}
		body["timestamp"] = stamp
		body["trace_id"] = trace
		body["correlation_id"] = correlation
	}
	if e.basic && e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="mailtest"`)
	}
	writeOAuthJSON(w, e.status, body)
}

// writeOAuthJSON writes v as a JSON answer that caches must not keep.
func writeOAuthJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "mailtest: answer failed to encode", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// oauthTraceID returns a random ID formatted like a GUID.
func oauthTraceID() string {
	r := oauthRandomBytes(16)
	return fmt.Sprintf("%x-%x-%x-%x-%x", r[0:4], r[4:6], r[6:8], r[8:10], r[10:16])
}
