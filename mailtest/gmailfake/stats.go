package gmailfake

import "maps"

// Stats counts what a [Server] has served since it started or since
// [Server.ResetStats].
type Stats struct {
	// RoundTrips is the number of HTTP requests received. A batch counts
	// once however many calls it holds; each chunk of a resumable upload
	// counts once.
	RoundTrips int
	// Calls counts calls by Gmail method name ("messages.get",
	// "history.list", ...), inner batch calls included, whatever their
	// outcome.
	Calls map[string]int
	// BatchRequests is the number of requests to the batch endpoint, and
	// BatchCalls the number of inner calls they held.
	BatchRequests int
	BatchCalls    int
	// QuotaUnits is the quota units charged, all users together.
	QuotaUnits int
	// Throttled is the number of 429 answers, from the quota or a fault.
	Throttled int
	// Faults is the number of answers the fault hook chose.
	Faults int
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Calls = maps.Clone(s.stats.Calls)
	return st
}

// ResetStats zeroes the counters. The quota window is kept.
func (s *Server) ResetStats() {
	s.mu.Lock()
	s.stats = Stats{Calls: make(map[string]int)}
	s.mu.Unlock()
}
