package graphfake

import "maps"

// Stats counts what the server saw since it started or since
// [Server.ResetStats].
type Stats struct {
	// Requests counts round trips, answered or refused.
	Requests int
	// Routes counts requests per route, keyed like "GET /me/messages/{id}"
	// whether the client used /me or /users/{id}; "unmatched" counts
	// paths the fake does not serve.
	Routes map[string]int
	// Throttled counts 429 answers, from the concurrency limit or a fault.
	Throttled int
	// Faults counts answers injected by [Server.SetFault].
	Faults int
	// MaxInFlight is the most requests seen in flight at once for one
	// mailbox, including any refused for it.
	MaxInFlight int
}

// count records a request to route.
func (s *Server) count(route string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Requests++
	s.stats.Routes[route]++
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Routes = maps.Clone(s.stats.Routes)
	return st
}

// ResetStats sets every counter to zero.
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = Stats{Routes: map[string]int{}}
}

// MaxInFlight returns the most requests seen in flight at once for one
// mailbox, including any the concurrency limit refused.
func (s *Server) MaxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats.MaxInFlight
}
