package sqlstore

import (
	"context"
	"fmt"
)

// Cleaned counts what [Store.Cleanup] removed.
type Cleaned struct {
	// Nonces, Leases and QuotaSpendings are the numbers of expired
	// nonces, expired leases and quota spendings past their window
	// removed.
	Nonces, Leases, QuotaSpendings int64
}

// Cleanup removes what has expired by the database's clock: claimed
// nonces, leases and quota spendings. Nothing it removes is needed any
// more, so it may run at any time, from any number of processes at once.
// It runs one statement per table, each in its own transaction.
func (s *Store) Cleanup(ctx context.Context) (Cleaned, error) {
	var c Cleaned
	steps := []struct {
		what  string
		query string
		count *int64
	}{
		{"nonces", `DELETE FROM {nonces} WHERE expires_at <= now()`, &c.Nonces},
		{"leases", `DELETE FROM {leases} WHERE expires_at <= now()`, &c.Leases},
		{"quota spendings", `DELETE FROM {quota} WHERE expires_at <= now()`, &c.QuotaSpendings},
	}
	for _, step := range steps {
		tag, err := s.pool.Exec(ctx, s.q(step.query))
		if err != nil {
			return c, fmt.Errorf("sqlstore: clean up %s: %w", step.what, err)
		}
		*step.count = tag.RowsAffected()
	}
	return c, nil
}
