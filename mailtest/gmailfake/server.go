package gmailfake

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// DefaultQuota is the per-user budget in quota units per minute that a new
// [Server] enforces, Gmail's published per-user limit.
const DefaultQuota = 6000

// Authenticator checks an access token and names the mailbox it grants.
// mailtest.OAuthServer implements it; [Tokens] is a fixed table for tests.
type Authenticator interface {
	// Authenticate returns the address the token belongs to, or ok false
	// for an unknown, expired or revoked token.
	Authenticate(accessToken string) (address string, ok bool)
}

// Tokens is an [Authenticator] that maps access tokens to addresses. It
// must not be changed while a [Server] uses it.
type Tokens map[string]string

// Authenticate implements [Authenticator].
func (t Tokens) Authenticate(accessToken string) (string, bool) {
	address, ok := t[accessToken]
	return address, ok
}

// Server is a fake Gmail API server on loopback. It serves the REST subset
// described in the package documentation in Gmail's wire format, so the
// official client library talks to it unchanged. Its methods are safe for
// concurrent use, also while it serves requests.
type Server struct {
	auth Authenticator
	ts   *httptest.Server

	// mu guards everything below.
	mu           sync.Mutex
	clock        func() time.Time
	mailboxes    map[string]*mailbox
	lastID       uint64
	quotaLimit   int
	quotaUse     map[string][]quotaEntry
	latency      time.Duration
	fault        func(r *http.Request) (int, time.Duration)
	onRequest    func(method string, r *http.Request)
	historyLimit int
	uploads      map[string]*uploadSession
	stats        Stats
	push         pushState
}

// New starts a Server on 127.0.0.1 that accepts the tokens auth accepts.
// The caller must Close it. New panics if auth is nil.
func New(auth Authenticator) *Server {
	if auth == nil {
		panic("gmailfake: New with nil Authenticator")
	}
	s := &Server{
		auth:       auth,
		clock:      time.Now,
		mailboxes:  make(map[string]*mailbox),
		quotaLimit: DefaultQuota,
		quotaUse:   make(map[string][]quotaEntry),
		uploads:    make(map[string]*uploadSession),
		stats:      Stats{Calls: make(map[string]int)},
	}
	ts := httptest.NewUnstartedServer(s)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("gmailfake: listen on loopback: " + err.Error())
	}
	ts.Listener = ln
	ts.Start()
	s.ts = ts
	return s
}

// Close shuts the server down and waits for requests in flight.
func (s *Server) Close() { s.ts.Close() }

// URL is the server's base URL, without a trailing slash. The Gmail client
// takes URL()+"/" as its endpoint.
func (s *Server) URL() string { return s.ts.URL }

// Client returns an HTTP client for the server without authorization; wrap
// its transport to add a token.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// SetClock sets the clock that stamps messages and drives the quota
// window; nil restores the wall clock. now is called with the Server's
// lock held and must not call the Server.
func (s *Server) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.mu.Lock()
	s.clock = now
	s.mu.Unlock()
}

// SetQuota sets the per-user budget in quota units per minute; 0 turns
// the quota off. The budget starts at [DefaultQuota]. Only calls that pass
// the fault hook and authorization are charged.
func (s *Server) SetQuota(unitsPerMinute int) {
	s.mu.Lock()
	s.quotaLimit = max(unitsPerMinute, 0)
	s.mu.Unlock()
}

// SetLatency delays every HTTP request by d of real time before it is
// served; a batch is delayed once. Zero turns the delay off.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	s.latency = d
	s.mu.Unlock()
}

// SetFault installs f, called before authorization for every call, for
// every inner call of a batch as well as for the batch request itself, and
// for every chunk of a resumable upload. A non-zero status fails the
// request with that status in Google's error shape, with a Retry-After
// header when retryAfter is positive. f may call the Server's methods. Nil
// removes the hook.
func (s *Server) SetFault(f func(r *http.Request) (status int, retryAfter time.Duration)) {
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
}

// OnRequest installs f, called with the Gmail method name (such as
// "messages.get") and the request just before a call is served, after the
// fault hook, authorization and quota let it through; inner batch calls
// included. f may call the Server's methods, for instance to delete a
// message between a list and a get. Nil removes the hook.
func (s *Server) OnRequest(f func(method string, r *http.Request)) {
	s.mu.Lock()
	s.onRequest = f
	s.mu.Unlock()
}

// SetHistoryLimit keeps at most n history records per mailbox; older ones
// are dropped and a history.list that starts before them answers 404.
// Zero, the default, keeps every record.
func (s *Server) SetHistoryLimit(n int) {
	s.mu.Lock()
	s.historyLimit = max(n, 0)
	for _, mb := range s.mailboxes {
		mb.trimHistory(s.historyLimit)
	}
	s.mu.Unlock()
}

func (s *Server) now() time.Time {
	s.mu.Lock()
	clock := s.clock
	s.mu.Unlock()
	return clock()
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.RoundTrips++
	latency := s.latency
	s.mu.Unlock()
	if err := sleep(r.Context(), latency); err != nil {
		return
	}

	path := r.URL.EscapedPath()
	switch {
	case path == "/batch/gmail/v1" || path == "/batch":
		s.serveBatch(w, r)
	case strings.HasPrefix(path, "/upload/gmail/v1/users/"):
		s.serveUpload(w, r, strings.TrimPrefix(path, "/upload/gmail/v1/users/"))
	case strings.HasPrefix(path, "/resumable/upload/gmail/v1/users/"):
		rest := strings.TrimPrefix(path, "/resumable/upload/gmail/v1/users/")
		s.serveUpload(w, r, rest)
	case strings.HasPrefix(path, "/gmail/v1/users/"):
		s.serveREST(w, r, strings.TrimPrefix(path, "/gmail/v1/users/"))
	default:
		writeError(w, &apiError{
			status:  http.StatusNotFound,
			reason:  "notFound",
			message: "Not Found",
		})
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
