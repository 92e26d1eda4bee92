package sqlstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/sqlstore"
)

// testURL returns the URL of the test server from MAILMANAGER_TEST_PG. When
// it is unset the test is skipped, or fails when CI=true: CI must run these
// tests.
func testURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("MAILMANAGER_TEST_PG")
	if u != "" {
		return u
	}
	const how = "`source scripts/pg.sh` starts a throwaway PostgreSQL server and sets it"
	if os.Getenv("CI") == "true" {
		t.Fatal("MAILMANAGER_TEST_PG is not set, and CI must run the PostgreSQL tests; " + how)
	}
	t.Skip("MAILMANAGER_TEST_PG is not set; " + how)
	return ""
}

// randomName returns prefix and 12 random hex digits: a valid unquoted
// PostgreSQL identifier.
func randomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// newPool opens a pool on dbURL with at most maxConns connections (0 for
// pgx's default) and closes it when the test ends.
func newPool(t testing.TB, dbURL string, maxConns int32) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dbURL)
	require.NoError(t, err)
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// admin runs one statement on the test server, outside any test's pool.
func admin(t testing.TB, dbURL, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql, args...)
	require.NoError(t, err)
}

// db is a place for the stores of one test: a fresh schema of the test
// database, dropped when the test ends. Every store opened on it is
// another instance sharing it, as another process's would be.
type db struct {
	t      testing.TB
	url    string
	schema string
}

func newDB(t testing.TB) *db {
	t.Helper()
	d := &db{t: t, url: testURL(t), schema: randomName("mmtest_")}
	t.Cleanup(func() {
		admin(t, d.url, "DROP SCHEMA IF EXISTS "+pgx.Identifier{d.schema}.Sanitize()+" CASCADE")
	})
	return d
}

// open returns a new Store on a pool of its own, with at most maxConns
// connections (0 for pgx's default).
func (d *db) open(maxConns int32) *sqlstore.Store {
	d.t.Helper()
	pool := newPool(d.t, d.url, maxConns)
	s, err := sqlstore.New(context.Background(), pool, sqlstore.Options{Schema: d.schema})
	require.NoError(d.t, err)
	return s
}

// newStore returns a Store on a fresh schema, for the conformance suites.
func newStore(t *testing.T) mailmanager.TokenStore {
	return newDB(t).open(0)
}

// newDatabase creates an empty database on the test server, dropped when
// the test ends, and returns its URL.
func newDatabase(t testing.TB) string {
	t.Helper()
	base := testURL(t)
	name := randomName("mmtest_")
	admin(t, base, "CREATE DATABASE "+name)
	t.Cleanup(func() { admin(t, base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	u, err := url.Parse(base)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}
