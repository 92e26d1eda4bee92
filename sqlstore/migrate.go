package sqlstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// migration is one step of the schema. Released migrations never change;
// a change to the schema is a new migration with the next version.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the schema's steps in order of version.
func migrations() []migration {
	return []migration{
		{1, "accounts, settings, nonces, leases and quota spendings", `
CREATE TABLE {accounts} (
	id            text COLLATE "C" PRIMARY KEY,
	user_id       text COLLATE "C" NOT NULL,
	provider      text COLLATE "C" NOT NULL,
	address       text COLLATE "C" NOT NULL,
	status        text NOT NULL,
	token         bytea NOT NULL,
	token_version bigint NOT NULL,
	sync_cursor   text NOT NULL,
	created_at    timestamptz NOT NULL,
	updated_at    timestamptz NOT NULL,
	CONSTRAINT mailmanager_accounts_owner_key UNIQUE (user_id, provider, address)
);
CREATE INDEX mailmanager_accounts_creation_idx ON {accounts} (created_at, id);

CREATE TABLE {settings} (
	key   text COLLATE "C" PRIMARY KEY,
	value bytea NOT NULL
);

CREATE TABLE {nonces} (
	digest     bytea PRIMARY KEY,
	expires_at timestamptz NOT NULL
);

CREATE TABLE {leases} (
	key        text COLLATE "C" PRIMARY KEY,
	holder     text COLLATE "C" NOT NULL,
	expires_at timestamptz NOT NULL
);

CREATE TABLE {quota} (
	key        text COLLATE "C" NOT NULL,
	spent_at   timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,
	units      integer NOT NULL CHECK (units > 0)
);
CREATE INDEX mailmanager_quota_spends_key_idx ON {quota} (key, spent_at);
`},
	}
}

// migrate brings the schema to the newest version this package knows. It
// runs in one transaction holding an advisory lock on the schema, so that
// Stores starting at once apply each migration exactly once; a failure
// leaves the schema as it was. With createSchema it first creates the
// schema if it does not exist.
func (s *Store) migrate(ctx context.Context, createSchema bool) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()

	_, err = tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
		s.lockKey("migrate", ""))
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: take lock: %w", err)
	}
	if createSchema {
		if err := createSchemaIfMissing(ctx, tx, s.schema); err != nil {
			return err
		}
	}
	if err := s.createMigrationsTable(ctx, tx); err != nil {
		return err
	}
	var current int
	err = tx.QueryRow(ctx, s.q("SELECT coalesce(max(version), 0) FROM {migrations}")).Scan(&current)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: read schema version: %w", err)
	}

	steps := migrations()
	if latest := steps[len(steps)-1].version; current > latest {
		return fmt.Errorf("sqlstore: migrate: schema %q is at version %d, newer than the %d "+
			"this release knows", s.schema, current, latest)
	}
	for _, m := range steps {
		if m.version <= current {
			continue
		}
		if _, err := tx.Exec(ctx, s.q(m.sql)); err != nil {
			return fmt.Errorf("sqlstore: migrate: apply version %d (%s): %w", m.version, m.name, err)
		}
		_, err = tx.Exec(ctx, s.q("INSERT INTO {migrations} (version, name) VALUES ($1, $2)"),
			m.version, m.name)
		if err != nil {
			return fmt.Errorf("sqlstore: migrate: record version %d: %w", m.version, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("sqlstore: migrate: commit: %w", err)
	}
	return nil
}

// createMigrationsTable creates the table of applied migrations unless it
// exists. It looks first, as CREATE TABLE IF NOT EXISTS needs the right to
// create tables even when the table exists: once the schema is current, a
// Store starts with a role that may only read and write the tables.
func (s *Store) createMigrationsTable(ctx context.Context, tx pgx.Tx) error {
	var exists bool
	table := pgx.Identifier{s.schema, "mailmanager_migrations"}.Sanitize()
	err := tx.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: look up the migrations table: %w", err)
	}
	if exists {
		return nil
	}
	_, err = tx.Exec(ctx, s.q(`CREATE TABLE {migrations} (
	version    integer PRIMARY KEY,
	name       text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`))
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: create the migrations table: %w", err)
	}
	return nil
}

// createSchemaIfMissing creates the schema unless it exists. It looks
// first, because CREATE SCHEMA IF NOT EXISTS needs the right to create
// schemas even when the schema exists.
func createSchemaIfMissing(ctx context.Context, tx pgx.Tx, schema string) error {
	var exists bool
	err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
		schema).Scan(&exists)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: look up schema %q: %w", schema, err)
	}
	if exists {
		return nil
	}
	if _, err := tx.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return fmt.Errorf("sqlstore: migrate: create schema %q: %w", schema, err)
	}
	return nil
}
