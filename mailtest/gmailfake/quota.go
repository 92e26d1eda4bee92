package gmailfake

import "time"

// quotaEntry is one charge against a user's per-minute budget.
type quotaEntry struct {
	at    time.Time
	units int
}

// quotaWindow is the length of the sliding window the budget applies to.
const quotaWindow = time.Minute

// charge takes units from address's budget at now, over a sliding window
// of one minute. When the budget cannot cover them it takes nothing and
// returns how long until it can, rounded up to a whole second. s.mu must
// be held.
func (s *Server) charge(address string, units int, now time.Time) (time.Duration, bool) {
	if s.quotaLimit == 0 {
		s.stats.QuotaUnits += units
		return 0, true
	}
	entries := s.quotaUse[address]
	start := 0
	for start < len(entries) && !entries[start].at.After(now.Add(-quotaWindow)) {
		start++
	}
	entries = entries[start:]
	used := 0
	for _, e := range entries {
		used += e.units
	}

	if used+units <= s.quotaLimit {
		s.quotaUse[address] = append(entries, quotaEntry{at: now, units: units})
		s.stats.QuotaUnits += units
		return 0, true
	}
	s.quotaUse[address] = entries

	// Find the moment enough of the oldest charges leave the window.
	wait := quotaWindow
	free := s.quotaLimit - used
	for _, e := range entries {
		free += e.units
		if free >= units {
			wait = e.at.Add(quotaWindow).Sub(now)
			break
		}
	}
	return roundUpSecond(wait), false
}

func roundUpSecond(d time.Duration) time.Duration {
	if d < time.Second {
		return time.Second
	}
	return (d + time.Second - 1).Truncate(time.Second)
}
