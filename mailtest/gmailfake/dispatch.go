package gmailfake

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxBody bounds a request body; Gmail's own limit for a message is 35 MB,
// which base64 grows by a third.
const maxBody = 50 << 20

// call is one Gmail method call being served.
type call struct {
	op    string
	r     *http.Request
	mb    *mailbox
	args  []string
	query url.Values
	// body is the JSON request body, or the JSON metadata of a media
	// upload.
	body []byte
	// media is the raw message of a media upload; hasMedia reports one.
	media    []byte
	hasMedia bool
	now      time.Time
}

// serveREST serves a call under "/gmail/v1/users/".
func (s *Server) serveREST(w http.ResponseWriter, r *http.Request, rest string) {
	rt, ok := route(r.Method, rest)
	if !ok {
		s.fail(w, &apiError{
			status:  http.StatusNotFound,
			reason:  "notFound",
			message: "Method not found.",
		})
		return
	}
	body, e := readBody(r)
	if e != nil {
		s.fail(w, e)
		return
	}
	c, e := s.admit(r, rt, r.Header.Get("Authorization"))
	if e != nil {
		s.fail(w, e)
		return
	}
	c.body = body
	s.respond(w, c)
}

func readBody(r *http.Request) ([]byte, *apiError) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, badRequest("Could not read the request body.")
	}
	if len(body) > maxBody {
		return nil, &apiError{
			status:  http.StatusRequestEntityTooLarge,
			reason:  "uploadTooLarge",
			message: "Request Entity Too Large",
		}
	}
	return body, nil
}

// admit counts the call, then applies the fault hook, authorization and
// quota, in that order. authz is the Authorization header that applies.
func (s *Server) admit(r *http.Request, rt routed, authz string) (*call, *apiError) {
	s.mu.Lock()
	s.stats.Calls[rt.op]++
	fault := s.fault
	s.mu.Unlock()

	if fault != nil {
		if status, retryAfter := fault(r); status != 0 {
			s.mu.Lock()
			s.stats.Faults++
			s.mu.Unlock()
			return nil, faultError(status, retryAfter)
		}
	}
	address, e := s.authenticate(authz, rt.userID)
	if e != nil {
		return nil, e
	}

	s.mu.Lock()
	mb := s.mailboxes[address]
	if mb == nil {
		s.mu.Unlock()
		return nil, failedPrecondition("Mail service not enabled")
	}
	now := s.clock()
	retryAfter, ok := s.charge(address, cost(rt.op), now)
	hook := s.onRequest
	s.mu.Unlock()
	if !ok {
		return nil, throttled(retryAfter, now)
	}

	if hook != nil {
		hook(rt.op, r)
	}
	return &call{op: rt.op, r: r, mb: mb, args: rt.args, query: r.URL.Query()}, nil
}

// authenticate checks a Bearer token and that it grants userID. It
// returns the mailbox address in lower case. The token never appears in
// an answer.
func (s *Server) authenticate(authz, userID string) (string, *apiError) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(authz), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", unauthenticated()
	}
	address, ok := s.auth.Authenticate(strings.TrimSpace(token))
	if !ok {
		return "", unauthenticated()
	}
	address = strings.ToLower(address)
	if userID != "me" && !strings.EqualFold(userID, address) {
		return "", delegationDenied(userID)
	}
	return address, nil
}

// respond runs an admitted call and writes its answer.
func (s *Server) respond(w http.ResponseWriter, c *call) {
	h := handlerFor(c.op)
	s.mu.Lock()
	c.now = s.clock()
	resp, e := h(s, c)
	s.mu.Unlock()
	if e != nil {
		s.fail(w, e)
		return
	}
	writeJSON(w, resp)
}

// fail writes e and counts it when it is a throttle.
func (s *Server) fail(w http.ResponseWriter, e *apiError) {
	if e.status == http.StatusTooManyRequests {
		s.mu.Lock()
		s.stats.Throttled++
		s.mu.Unlock()
	}
	writeError(w, e)
}
