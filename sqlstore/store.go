package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mailmanager/mailmanager"
)

// Options configures a [Store]. The zero value is ready to use.
type Options struct {
	// Schema is the PostgreSQL schema that holds the store's tables. The
	// store creates it if it does not exist. Empty means the first schema
	// of the connection's search_path, normally public.
	Schema string
}

// Store is a [mailmanager.TokenStore], [mailmanager.Leaser] and
// [mailmanager.QuotaStore] on PostgreSQL. It is safe for concurrent use, and
// any number of Stores, in one process or many, may share a database.
type Store struct {
	pool  *pgxpool.Pool
	owned bool // Close closes the pool
	// schema is the name of the schema holding the tables, for the keys
	// of advisory locks, which are database-wide.
	schema string
	names  *strings.Replacer
}

var (
	_ mailmanager.TokenStore = (*Store)(nil)
	_ mailmanager.Leaser     = (*Store)(nil)
	_ mailmanager.QuotaStore = (*Store)(nil)
)

// tables returns the placeholders the store's SQL uses for its tables,
// each followed by the table's name.
func tables() []string {
	return []string{
		"{accounts}", "mailmanager_accounts",
		"{settings}", "mailmanager_settings",
		"{nonces}", "mailmanager_nonces",
		"{leases}", "mailmanager_leases",
		"{quota}", "mailmanager_quota_spends",
		"{migrations}", "mailmanager_migrations",
	}
}

// New returns a Store on pool, after creating or migrating its tables.
// The caller keeps owning pool: [Store.Close] leaves it open.
func New(ctx context.Context, pool *pgxpool.Pool, o Options) (*Store, error) {
	if pool == nil {
		return nil, errors.New("sqlstore: new: nil pool")
	}
	s := &Store{pool: pool, schema: o.Schema}
	if s.schema == "" {
		var current *string
		err := pool.QueryRow(ctx, "SELECT current_schema()").Scan(&current)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: new: read current schema: %w", err)
		}
		if current == nil {
			return nil, errors.New("sqlstore: new: the search_path selects no existing schema")
		}
		s.schema = *current
	}

	// Table names are qualified with the schema only when one was asked
	// for, so that a host's search_path keeps working as it does for its
	// own tables.
	pairs := tables()
	if o.Schema != "" {
		for i := 1; i < len(pairs); i += 2 {
			pairs[i] = pgx.Identifier{o.Schema, pairs[i]}.Sanitize()
		}
	}
	s.names = strings.NewReplacer(pairs...)

	if err := s.migrate(ctx, o.Schema != ""); err != nil {
		return nil, err
	}
	return s, nil
}

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string, as pgxpool.ParseConfig takes) and returns a Store that
// owns the connection pool: [Store.Close] closes it.
func Open(ctx context.Context, url string, o Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx quotes the connection string with its password masked.
		return nil, fmt.Errorf("sqlstore: open: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open: %w", err)
	}
	s, err := New(ctx, pool, o)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// Close closes the connection pool if [Open] made it; a pool passed to
// [New] stays open. The Store must not be used afterwards.
func (s *Store) Close() {
	if s.owned {
		s.pool.Close()
	}
}

// q returns query with the table placeholders replaced by the tables'
// names.
func (s *Store) q(query string) string {
	return s.names.Replace(query)
}

// lockKey returns the text an advisory lock is keyed by: advisory locks are
// database-wide, so the key names the schema.
func (s *Store) lockKey(kind, name string) string {
	return "mailmanager/" + s.schema + "/" + kind + "/" + name
}

// isUniqueViolation reports whether err is PostgreSQL's unique_violation.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// orEmpty returns b, or an empty slice for nil: a nil []byte would be
// stored as NULL.
func orEmpty(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
