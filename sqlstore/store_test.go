package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest/storetest"
	"github.com/mailmanager/mailmanager/sqlstore"
)

func TestStore_TokenStoreContract(t *testing.T) {
	testURL(t)
	storetest.TestTokenStore(t, newStore)
}

func TestStore_LeaserContract(t *testing.T) {
	testURL(t)
	storetest.TestLeaser(t, newStore)
}

func TestStore_QuotaStoreContract(t *testing.T) {
	testURL(t)
	storetest.TestQuotaStore(t, newStore)
}

// TestStore_ConcurrentNewMigratesOnce starts five Stores at once on an
// empty database: each migration must be applied exactly once and every
// Store must work.
func TestStore_ConcurrentNewMigratesOnce(t *testing.T) {
	tests := []struct {
		name   string
		schema string // "" for the search_path's
		table  string // where the accounts table must be
	}{
		{"search path", "", "public.mailmanager_accounts"},
		{"own schema", "mail", "mail.mailmanager_accounts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const instances = 5
			dbURL := newDatabase(t)
			pools := make([]*pgxpool.Pool, instances)
			for i := range pools {
				pools[i] = newPool(t, dbURL, 2)
			}
			stores := make([]*sqlstore.Store, instances)
			errs := make([]error, instances)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range instances {
				wg.Go(func() {
					<-start
					stores[i], errs[i] = sqlstore.New(t.Context(), pools[i],
						sqlstore.Options{Schema: tt.schema})
				})
			}
			close(start)
			wg.Wait()
			require.NoError(t, errors.Join(errs...))

			ctx := t.Context()
			migrations := tt.table[:len(tt.table)-len("accounts")] + "migrations"
			var versions []int32
			rows, err := pools[0].Query(ctx, "SELECT version FROM "+migrations+" ORDER BY version")
			require.NoError(t, err)
			for rows.Next() {
				var v int32
				require.NoError(t, rows.Scan(&v))
				versions = append(versions, v)
			}
			require.NoError(t, rows.Err())
			assert.Equal(t, []int32{1}, versions, "each migration recorded once")
			var found *string
			require.NoError(t, pools[0].QueryRow(ctx, "SELECT to_regclass($1)::text", tt.table).
				Scan(&found))
			assert.NotNil(t, found, "table %s", tt.table)

			for i, s := range stores {
				a := account(fmt.Sprintf("acct-%d", i), "user-1", fmt.Sprintf("u%d@example.com", i))
				require.NoError(t, s.CreateAccount(ctx, a), "store %d works", i)
			}
			all, err := stores[0].Accounts(ctx, "")
			require.NoError(t, err)
			assert.Len(t, all, instances, "the stores share the tables")
		})
	}
}

// account returns an account with the fields the Manager sets.
func account(id, userID, address string) *mailmanager.StoredAccount {
	now := time.Now()
	return &mailmanager.StoredAccount{
		Account: mailmanager.Account{
			ID: id, UserID: userID, Provider: "gmail", Address: address,
			Status: mailmanager.StatusActive, TokenVersion: 1, CreatedAt: now, UpdatedAt: now,
		},
		Token: []byte("sealed-token-of-" + id),
	}
}

// TestStore_SearchPath checks that without Options.Schema the tables go
// to the first schema of the connection's search_path, and that a
// search_path selecting no schema is refused.
func TestStore_SearchPath(t *testing.T) {
	dbURL := newDatabase(t)
	admin(t, dbURL, "CREATE SCHEMA app")
	tests := []struct {
		name, searchPath string
		want             string // table that must exist, "" for an error
	}{
		{"first schema", "app, public", "app.mailmanager_accounts"},
		{"missing schema", "nowhere", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			cfg, err := pgxpool.ParseConfig(dbURL)
			require.NoError(t, err)
			cfg.ConnConfig.RuntimeParams["search_path"] = tt.searchPath
			pool, err := pgxpool.NewWithConfig(ctx, cfg)
			require.NoError(t, err)
			t.Cleanup(pool.Close)

			_, err = sqlstore.New(ctx, pool, sqlstore.Options{})
			if tt.want == "" {
				assert.ErrorContains(t, err, "sqlstore: new: the search_path selects no existing schema")
				return
			}
			require.NoError(t, err)
			var found *string
			require.NoError(t, pool.QueryRow(ctx, "SELECT to_regclass($1)::text", tt.want).Scan(&found))
			assert.NotNil(t, found, "table %s", tt.want)
		})
	}
}

// TestStore_RefusesNewerSchema checks that a Store does not start on a
// schema a newer release migrated further.
func TestStore_RefusesNewerSchema(t *testing.T) {
	d := newDB(t)
	d.open(2)
	admin(t, d.url, "INSERT INTO "+d.schema+".mailmanager_migrations (version, name) "+
		"VALUES (99, 'future')")

	pool := newPool(t, d.url, 2)
	_, err := sqlstore.New(t.Context(), pool, sqlstore.Options{Schema: d.schema})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is at version 99, newer than the 1 this release knows")
}

func TestStore_NewRefusesNilPool(t *testing.T) {
	_, err := sqlstore.New(t.Context(), nil, sqlstore.Options{})
	assert.EqualError(t, err, "sqlstore: new: nil pool")
}

// TestStore_Open checks that Open masks the password of a URL it cannot
// use, and that Close closes the pool Open made.
func TestStore_Open(t *testing.T) {
	ctx := t.Context()
	const secret = "pa55word-never-shown"
	_, err := sqlstore.Open(ctx, "postgres://app:"+secret+"@127.0.0.1:1/db?sslmode=bogus",
		sqlstore.Options{})
	require.Error(t, err)
	assert.Regexp(t, `^sqlstore: open: `, err.Error())
	assert.NotContains(t, err.Error(), secret)

	d := newDB(t)
	s, err := sqlstore.Open(ctx, d.url, sqlstore.Options{Schema: d.schema})
	require.NoError(t, err)
	require.NoError(t, s.PutSetting(ctx, "k", []byte("v")))
	s.Close()
	_, err = s.Setting(ctx, "k")
	assert.Error(t, err, "the pool is closed")
	assert.NotErrorIs(t, err, mailmanager.ErrNotFound)
}

// TestStore_Cleanup checks that Cleanup removes expired nonces, leases and
// quota spendings, and only those.
func TestStore_Cleanup(t *testing.T) {
	ctx := t.Context()
	s := newDB(t).open(0)
	require.NoError(t, s.ClaimNonce(ctx, "old", time.Now().Add(-time.Hour)))
	require.NoError(t, s.ClaimNonce(ctx, "live", time.Now().Add(time.Hour)))
	require.NoError(t, s.AcquireLease(ctx, "sync/old", "holder-a", time.Millisecond))
	require.NoError(t, s.AcquireLease(ctx, "sync/live", "holder-a", time.Hour))
	for _, spend := range []struct {
		key    string
		window time.Duration
	}{
		{"quota/old-1", time.Millisecond},
		{"quota/old-2", time.Millisecond},
		{"quota/live", time.Hour},
	} {
		wait, err := s.SpendQuota(ctx, spend.key, 1, 10, spend.window)
		require.NoError(t, err)
		require.Zero(t, wait)
	}
	time.Sleep(20 * time.Millisecond)

	cleaned, err := s.Cleanup(ctx)
	require.NoError(t, err)
	assert.Equal(t, sqlstore.Cleaned{Nonces: 1, Leases: 1, QuotaSpendings: 2}, cleaned)

	err = s.ClaimNonce(ctx, "live", time.Now().Add(time.Hour))
	assert.ErrorIs(t, err, mailmanager.ErrConflict, "the live nonce stays")
	err = s.AcquireLease(ctx, "sync/live", "holder-b", time.Hour)
	assert.ErrorIs(t, err, mailmanager.ErrConflict, "the live lease stays")
	wait, err := s.SpendQuota(ctx, "quota/live", 10, 10, time.Hour)
	require.NoError(t, err)
	assert.Positive(t, wait, "the live spending stays")

	cleaned, err = s.Cleanup(ctx)
	require.NoError(t, err)
	assert.Zero(t, cleaned, "nothing left to clean")
}

// TestStore_ErrorsNameNoSecret checks the errors' prefix, that they carry
// neither token nor nonce, and that nonces are not stored in clear.
func TestStore_ErrorsNameNoSecret(t *testing.T) {
	ctx := t.Context()
	d := newDB(t)
	s := d.open(0)
	require.NoError(t, s.CreateAccount(ctx, account("acct-1", "user-1", "ann@example.com")))
	const nonce = "nonce-secret-value"
	require.NoError(t, s.ClaimNonce(ctx, nonce, time.Now().Add(time.Hour)))

	_, err := s.UpdateToken(ctx, "acct-1", 5, []byte("sealed-new-token"))
	require.ErrorIs(t, err, mailmanager.ErrConflict)
	assert.NotContains(t, err.Error(), "sealed")
	assert.Regexp(t, `^sqlstore: `, err.Error())
	err = s.ClaimNonce(ctx, nonce, time.Now().Add(time.Hour))
	require.ErrorIs(t, err, mailmanager.ErrConflict)
	assert.NotContains(t, err.Error(), nonce)
	assert.Regexp(t, `^sqlstore: `, err.Error())
	err = s.CreateAccount(ctx, account("acct-1", "user-1", "ann@example.com"))
	require.ErrorIs(t, err, mailmanager.ErrConflict)
	assert.NotContains(t, err.Error(), "sealed")

	pool := newPool(t, d.url, 1)
	var clear, digests int
	digest := sha256.Sum256([]byte(nonce))
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FILTER (WHERE digest = $1), "+
		"count(*) FILTER (WHERE digest = $2) FROM "+d.schema+".mailmanager_nonces",
		[]byte(nonce), digest[:]).Scan(&clear, &digests))
	assert.Zero(t, clear, "the nonce in clear")
	assert.Equal(t, 1, digests, "the nonce's digest")
}

func TestStore_CanceledContext(t *testing.T) {
	s := newDB(t).open(0)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.Account(ctx, "acct-1")
	assert.ErrorIs(t, err, context.Canceled, "Account")
	err = s.PutSetting(ctx, "key", []byte("value"))
	assert.ErrorIs(t, err, context.Canceled, "PutSetting")
	_, err = s.SpendQuota(ctx, "quota/acct-1", 1, 10, time.Minute)
	assert.ErrorIs(t, err, context.Canceled, "SpendQuota")
	_, err = s.Setting(t.Context(), "key")
	assert.ErrorIs(t, err, mailmanager.ErrNotFound, "a canceled put stores nothing")
}

func TestStore_SpendQuotaRefusesBadArguments(t *testing.T) {
	tests := []struct {
		name         string
		units, limit int
		window       time.Duration
		wantErr      string
	}{
		{"more units than the limit", 11, 10, time.Hour, "11 units exceed the limit of 10"},
		{"zero limit", 1, 0, time.Hour, "non-positive limit or window"},
		{"zero window", 1, 10, 0, "non-positive limit or window"},
		{"zero units", 0, 10, time.Hour, ""},
	}
	s := newDB(t).open(0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			wait, err := s.SpendQuota(ctx, "quota/"+tt.name, tt.units, tt.limit, tt.window)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
				assert.Zero(t, wait)
			}
			wait, err = s.SpendQuota(ctx, "quota/"+tt.name, 10, 10, time.Hour)
			require.NoError(t, err)
			assert.Zero(t, wait, "nothing was spent")
		})
	}
}

// TestStore_StartsWithoutDDLRights checks that once the schema is current,
// a Store starts and works with a role that may only use the tables.
func TestStore_StartsWithoutDDLRights(t *testing.T) {
	ctx := t.Context()
	dbURL := newDatabase(t)
	owner := newPool(t, dbURL, 1)
	_, err := sqlstore.New(ctx, owner, sqlstore.Options{Schema: "mail"})
	require.NoError(t, err)

	role, password := randomName("mmtest_role_"), randomName("pw")
	admin(t, dbURL, "CREATE ROLE "+role+" LOGIN PASSWORD '"+password+"'")
	t.Cleanup(func() {
		admin(t, dbURL, "DROP OWNED BY "+role)
		admin(t, dbURL, "DROP ROLE "+role)
	})
	admin(t, dbURL, "REVOKE CREATE ON SCHEMA public FROM PUBLIC")
	admin(t, dbURL, "GRANT USAGE ON SCHEMA mail TO "+role)
	admin(t, dbURL, "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA mail TO "+role)
	u, err := url.Parse(dbURL)
	require.NoError(t, err)
	u.User = url.UserPassword(role, password)

	s, err := sqlstore.Open(ctx, u.String(), sqlstore.Options{Schema: "mail"})
	require.NoError(t, err, "a current schema needs no rights to create anything")
	t.Cleanup(s.Close)
	require.NoError(t, s.CreateAccount(ctx, account("acct-1", "user-1", "ann@example.com")))
	wait, err := s.SpendQuota(ctx, "quota/acct-1", 1, 10, time.Minute)
	require.NoError(t, err)
	assert.Zero(t, wait)
}
