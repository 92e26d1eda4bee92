// Package sqlstore is a [mailmanager.TokenStore] on PostgreSQL, for hosts
// that run more than one process or want their users to stay connected
// across restarts.
//
// # Setup
//
// [Open] connects to a database URL and owns the connection pool; [New]
// uses a pool the host already has. Either creates the store's tables on
// first use and migrates them when a newer release adds to them:
//
//	store, err := sqlstore.Open(ctx, "postgres://app@db.internal/app", sqlstore.Options{})
//	if err != nil { ... }
//	defer store.Close()
//	m, err := mailmanager.New(mailmanager.Config{Store: store, ...})
//
// The tables are named mailmanager_* and live in the schema the
// connection's search_path selects, or in Options.Schema. Migrations are
// versioned in the table mailmanager_migrations and applied in one
// transaction under a PostgreSQL advisory lock, so processes starting at
// once wait for each other instead of racing. Migrating needs the right to
// create tables (and the schema, if missing); once the schema is current, a
// role that may only select, insert, update and delete in its tables
// suffices.
//
// # Sharing between processes
//
// Besides the [mailmanager.TokenStore] contract, a Store implements
// [mailmanager.Leaser], so that among the Managers sharing the database
// only one syncs a mailbox at a time, and [mailmanager.QuotaStore], so that
// together they keep each mailbox's requests within the provider's quota.
// Every judgement of time (nonce and lease expiry, quota windows) uses the
// database's clock, never a process's, since the processes' clocks differ.
// Token updates are a compare-and-swap done by one conditional UPDATE.
//
// # Housekeeping
//
// Expired nonces and leases, and quota spendings older than their window,
// stay in their tables until [Store.Cleanup] removes them; a host calls it
// now and then, say hourly, from one process or several. The store starts
// no goroutine of its own. A quota budget also drops its own old spendings
// whenever it is spent from.
//
// # Security
//
// The Manager seals tokens and client secrets before they reach the store,
// so the database holds only ciphertext for them. OAuth state nonces are
// kept as SHA-256 digests. Errors name the step and the account, never a
// token, a setting's value or a nonce.
//
// # Limitations
//
// Text values (IDs, addresses, cursors, setting keys) are PostgreSQL text:
// they must be valid UTF-8 without NUL bytes, which every value the Manager
// stores is. A Store refuses to start on a database whose schema a newer
// release of this package has migrated past the versions it knows. Leases
// and quota budgets of a deleted account are not deleted with it; they
// expire and Cleanup removes them.
package sqlstore
