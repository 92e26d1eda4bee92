package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// spendQuery prunes the budget's expired spendings, reads the live ones
// and, if they leave room, records the new spending, all at one reading of
// the database's clock. $1 is the key, $2 the window in microseconds, $3
// the units and $4 the limit. It answers the clock, whether it spent, and
// the live spendings oldest first (none when the budget is empty).
const spendQuery = `
WITH clock AS MATERIALIZED (
	SELECT clock_timestamp() AS now
),
pruned AS (
	DELETE FROM {quota} q USING clock
	WHERE q.key = $1 AND q.expires_at <= clock.now
),
live AS (
	SELECT q.spent_at, q.units FROM {quota} q, clock
	WHERE q.key = $1 AND q.spent_at > clock.now - $2::bigint * interval '1 microsecond'
),
spend AS (
	INSERT INTO {quota} (key, spent_at, expires_at, units)
	SELECT $1, clock.now, clock.now + $2::bigint * interval '1 microsecond', $3::integer
	FROM clock
	WHERE (SELECT coalesce(sum(units), 0) FROM live) + $3::integer <= $4::integer
	RETURNING 1
)
SELECT clock.now, EXISTS (SELECT 1 FROM spend), live.spent_at, live.units
FROM clock LEFT JOIN live ON true
ORDER BY live.spent_at`

// SpendQuota spends units from the budget named key, which allows limit
// units in any window of the given length ending now, by the database's
// clock. If the budget has room it records the spending and returns zero;
// otherwise it records nothing and returns how long to wait until enough of
// the oldest spendings leave the window, more than zero and at most the
// window.
//
// Spendings of one key are serialized by a transaction-scoped advisory
// lock, so concurrent spenders in any number of processes never take more
// than limit units within a window. Each spending is kept for the window
// it was made under; the budget drops its expired ones as it is spent
// from. A key should always be spent from with the same limit and window.
func (s *Store) SpendQuota(ctx context.Context, key string, units, limit int,
	window time.Duration) (time.Duration, error) {
	switch {
	case limit <= 0 || window <= 0:
		return 0, fmt.Errorf("sqlstore: spend quota %q: non-positive limit or window", key)
	case units > limit:
		return 0, fmt.Errorf("sqlstore: spend quota %q: %d units exceed the limit of %d",
			key, units, limit)
	case units <= 0:
		return 0, nil
	}
	win := max(window.Microseconds(), 1)

	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: spend quota %q: begin: %w", key, err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	// The lock is its own statement: the next one then reads every
	// spending committed before the lock was granted.
	b := &pgx.Batch{}
	b.Queue("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", s.lockKey("quota", key))
	b.Queue(s.q(spendQuery), key, win, units, limit)
	wait, err := readSpend(tx.SendBatch(ctx, b), units, limit, time.Duration(win)*time.Microsecond)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: spend quota %q: %w", key, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("sqlstore: spend quota %q: commit: %w", key, err)
	}
	return wait, nil
}

// readSpend reads the answers to the lock and to spendQuery, and returns
// zero if the spending was recorded and otherwise how long to wait.
func readSpend(
	br pgx.BatchResults, units, limit int, window time.Duration,
) (time.Duration, error) {
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return 0, fmt.Errorf("take lock: %w", err)
	}
	rows, err := br.Query()
	if err != nil {
		return 0, err
	}
	defer rows.Close()

	var (
		now   time.Time
		spent bool
		live  []time.Time // spending times, oldest first
		sizes []int
		total int
	)
	for rows.Next() {
		var at *time.Time
		var size *int32
		if err := rows.Scan(&now, &spent, &at, &size); err != nil {
			return 0, err
		}
		if at != nil && size != nil {
			live = append(live, *at)
			sizes = append(sizes, int(*size))
			total += int(*size)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if spent {
		return 0, nil
	}

	// Wait until the oldest spendings that make room have left the window.
	need, freed := total+units-limit, 0
	for i, at := range live {
		freed += sizes[i]
		if freed >= need {
			return max(at.Add(window).Sub(now), time.Microsecond), nil
		}
	}
	// Unreachable while units <= limit: every live spending leaving makes
	// room.
	return window, nil
}
