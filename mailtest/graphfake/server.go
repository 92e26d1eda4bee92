package graphfake

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// MailboxConcurrency is the number of requests Outlook lets one app have in
// flight against one mailbox; the fake answers the next with 429.
const MailboxConcurrency = 4

// Limits the fake enforces, taken from Graph's documentation.
const (
	// maxRequestBody is Graph's limit on a request body.
	maxRequestBody = 4 << 20
	// defaultPageSize is Graph's page size for messages, folders and delta.
	defaultPageSize = 10
	// maxPageSize caps $top and odata.maxpagesize.
	maxPageSize = 1000
)

// Authenticator checks an access token. mailtest.OAuthServer implements it.
type Authenticator interface {
	// Authenticate returns the mailbox address the token grants access
	// to, or ok false if the token is not valid.
	Authenticate(accessToken string) (address string, ok bool)
}

// Server is a fake Microsoft Graph mail API on a loopback httptest server.
// Its API lives under URL()+"/v1.0", for "/me/..." and "/users/{id or
// address}/...". The methods on Server let a test arrange mailboxes and
// inspect them. A Server is safe for concurrent use.
type Server struct {
	auth Authenticator
	ts   *httptest.Server

	mu        sync.Mutex
	mailboxes map[string]*mailbox // by lower-case address
	uploads   map[string]*upload  // by session ID
	latency   time.Duration
	fault     func(r *http.Request) (status int, retryAfter time.Duration)
	stats     Stats
	subs      subState
}

// New starts a fake Graph server on 127.0.0.1 that accepts the access tokens
// auth accepts. The caller closes it with [Server.Close].
func New(auth Authenticator) *Server {
	if auth == nil {
		panic("graphfake: New needs an Authenticator")
	}
	s := &Server{
		auth:      auth,
		mailboxes: map[string]*mailbox{},
		uploads:   map[string]*upload{},
		stats:     Stats{Routes: map[string]int{}},
	}
	mux := http.NewServeMux()
	s.routes(mux)
	s.ts = httptest.NewServer(mux)
	return s
}

// Close shuts the server down and waits for requests in flight.
func (s *Server) Close() { s.ts.Close() }

// URL returns the server's base URL, such as "http://127.0.0.1:41234",
// without a trailing slash. The Graph API lives under URL()+"/v1.0".
func (s *Server) URL() string { return s.ts.URL }

// SetLatency makes every API request wait d before it is answered, while it
// counts as in flight. Zero turns latency off.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// SetFault installs f, which the server calls for every request after it
// has authenticated it and counted it in flight. A non-zero status answers
// the request with that status, a Graph error body and, if retryAfter is
// positive, a Retry-After header, instead of serving it. f runs outside the
// server's lock and may block. Nil removes the hook.
func (s *Server) SetFault(f func(r *http.Request) (status int, retryAfter time.Duration)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
}

// routeKind says how a route authenticates.
type routeKind int

const (
	// kindUser needs a valid token: GET /me.
	kindUser routeKind = iota
	// kindMail needs a valid token and a mailbox enabled for REST.
	kindMail
	// kindUpload is an upload session URL; the URL itself authorizes.
	kindUpload
)

// handler serves one route; it runs with s.mu held.
type handler func(c *call) reply

// api registers a route under both /v1.0/me and /v1.0/users/{user}. path
// may list aliases separated by "|" (such as "delta|delta()"); they share
// one name in [Stats.Routes].
func (s *Server) api(mux *http.ServeMux, method, path string, kind routeKind, h handler) {
	aliases := strings.Split(path, "|")
	name := method + " /me" + aliases[0]
	for _, p := range aliases {
		mux.Handle(method+" /v1.0/me"+p, s.serve(name, kind, h))
		mux.Handle(method+" /v1.0/users/{user}"+p, s.serve(name, kind, h))
	}
}

// serve wraps h in the request pipeline: count, authenticate, throttle,
// fault, latency, read the body, run h under the lock, answer.
func (s *Server) serve(name string, kind routeKind, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := newCall(s, r)
		s.count(name)
		rep := s.process(c, kind, h)
		if c.admitted {
			// Leave before answering, so a client that waits for an
			// answer before its next request never meets the limit.
			s.mu.Lock()
			c.mb.inFlight--
			s.mu.Unlock()
		}
		c.write(w, rep)
	})
}

func (s *Server) process(c *call, kind routeKind, h handler) reply {
	if rep, ok := c.authenticate(kind); !ok {
		return rep
	}
	if !s.admit(c) {
		return c.fail(http.StatusTooManyRequests, "ApplicationThrottled",
			"Application is over its MailboxConcurrency limit.").retryAfter(time.Second)
	}
	if rep, ok := s.injectFault(c); ok {
		return rep
	}
	if !s.wait(c.r) {
		return c.fail(http.StatusServiceUnavailable, "serviceNotAvailable",
			"The request was cancelled while it waited.")
	}
	if rep, ok := c.readBody(kind); !ok {
		return rep
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return h(c)
}

// admit counts c in flight for its mailbox, or refuses it when the mailbox
// already has MailboxConcurrency requests in flight.
func (s *Server) admit(c *call) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.mb.inFlight++
	s.stats.MaxInFlight = max(s.stats.MaxInFlight, c.mb.inFlight)
	if c.mb.inFlight > MailboxConcurrency {
		c.mb.inFlight--
		s.stats.Throttled++
		return false
	}
	c.admitted = true
	return true
}

func (s *Server) injectFault(c *call) (reply, bool) {
	s.mu.Lock()
	f := s.fault
	s.mu.Unlock()
	if f == nil {
		return reply{}, false
	}
	status, after := f(c.r)
	if status == 0 {
		return reply{}, false
	}
	s.mu.Lock()
	s.stats.Faults++
	if status == http.StatusTooManyRequests {
		s.stats.Throttled++
	}
	s.mu.Unlock()
	code, msg := faultError(status)
	return c.fail(status, code, msg).retryAfter(after), true
}

// wait sleeps for the configured latency; false if the client went away.
func (s *Server) wait(r *http.Request) bool {
	s.mu.Lock()
	d := s.latency
	s.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// faultError is the Graph error code and message for an injected status.
func faultError(status int) (code, msg string) {
	switch status {
	case http.StatusUnauthorized:
		return "InvalidAuthenticationToken", "Access token has expired or is not yet valid."
	case http.StatusNotFound:
		return "ErrorItemNotFound", "The specified object was not found in the store."
	case http.StatusGone:
		return "syncStateNotFound", syncStateNotFoundMessage
	case http.StatusTooManyRequests:
		return "ApplicationThrottled", "Application is over its MailboxConcurrency limit."
	case http.StatusServiceUnavailable:
		return "serviceNotAvailable", "The service is temporarily unavailable."
	case http.StatusGatewayTimeout:
		return "UnknownError", "The gateway timed out."
	}
	if status >= 500 {
		return "generalException", "An unspecified error has occurred."
	}
	return "BadRequest", "The request failed."
}
