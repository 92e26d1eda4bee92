package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/mailmanager/mailmanager"
)

// accountColumns are the columns scanAccount reads, in its order.
const accountColumns = `id, user_id, provider, address, status, token, token_version,
	sync_cursor, created_at, updated_at`

// CreateAccount stores a. It fails with an error wrapping
// [mailmanager.ErrConflict] if an account with the same ID, or with the same
// user, provider and address, exists. Times are kept to the microsecond.
func (s *Store) CreateAccount(ctx context.Context, a *mailmanager.StoredAccount) error {
	if a == nil || a.ID == "" {
		return errors.New("sqlstore: create account: no account id")
	}
	_, err := s.pool.Exec(ctx, s.q(`INSERT INTO {accounts} (`+accountColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`),
		a.ID, a.UserID, a.Provider, a.Address, string(a.Status), orEmpty(a.Token),
		a.TokenVersion, a.Cursor, a.CreatedAt, a.UpdatedAt)
	if isUniqueViolation(err) {
		return fmt.Errorf("sqlstore: create account %s: id taken or mailbox already connected: %w",
			a.ID, mailmanager.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: create account %s: %w", a.ID, err)
	}
	return nil
}

// Account returns the account with the given ID.
func (s *Store) Account(ctx context.Context, id string) (*mailmanager.StoredAccount, error) {
	row := s.pool.QueryRow(ctx, s.q(`SELECT `+accountColumns+` FROM {accounts} WHERE id = $1`), id)
	a, err := scanAccount(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("sqlstore: account %s: %w", id, mailmanager.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: account %s: %w", id, err)
	}
	return a, nil
}

// FindAccount returns the account of userID at provider with address. The
// match is exact: the Manager lower-cases addresses.
func (s *Store) FindAccount(
	ctx context.Context, userID, provider, address string,
) (*mailmanager.StoredAccount, error) {
	row := s.pool.QueryRow(ctx, s.q(`SELECT `+accountColumns+` FROM {accounts}
		WHERE user_id = $1 AND provider = $2 AND address = $3`), userID, provider, address)
	a, err := scanAccount(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("sqlstore: find account of user %s at %s: %w",
			userID, provider, mailmanager.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find account of user %s at %s: %w", userID, provider, err)
	}
	return a, nil
}

// Accounts returns the accounts of userID, or of every user when userID is
// "", ordered by creation time and then ID (byte-wise). It returns an empty
// slice, not an error, when there are none.
func (s *Store) Accounts(
	ctx context.Context, userID string,
) ([]*mailmanager.StoredAccount, error) {
	rows, err := s.pool.Query(ctx, s.q(`SELECT `+accountColumns+` FROM {accounts}
		WHERE $1 = '' OR user_id = $1 ORDER BY created_at, id`), userID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: accounts: %w", err)
	}
	defer rows.Close()
	list := []*mailmanager.StoredAccount{}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: accounts: %w", err)
		}
		list = append(list, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: accounts: %w", err)
	}
	return list, nil
}

// scanAccount reads one row of accountColumns.
func scanAccount(row pgx.Row) (*mailmanager.StoredAccount, error) {
	var a mailmanager.StoredAccount
	var status string
	err := row.Scan(&a.ID, &a.UserID, &a.Provider, &a.Address, &status, &a.Token,
		&a.TokenVersion, &a.Cursor, &a.CreatedAt, &a.UpdatedAt)
	if err != nil {
		return nil, err
	}
	a.Status = mailmanager.AccountStatus(status)
	a.Token = orEmpty(a.Token)
	return &a, nil
}

// UpdateToken replaces the sealed token of an account if its version is
// still version, and returns the new version. The check and the write are
// one conditional UPDATE, so concurrent swaps by any number of processes
// form one chain of versions. If the stored version differs it changes
// nothing and fails with an error wrapping [mailmanager.ErrConflict].
func (s *Store) UpdateToken(
	ctx context.Context, id string, version int64, token []byte,
) (int64, error) {
	var next int64
	err := s.pool.QueryRow(ctx, s.q(`UPDATE {accounts}
		SET token = $3, token_version = token_version + 1
		WHERE id = $1 AND token_version = $2
		RETURNING token_version`), id, version, orEmpty(token)).Scan(&next)
	if err == nil {
		return next, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("sqlstore: update token of account %s: %w", id, err)
	}

	// No row: the account is missing or its version moved on.
	var exists bool
	err = s.pool.QueryRow(ctx, s.q(`SELECT EXISTS (SELECT 1 FROM {accounts} WHERE id = $1)`),
		id).Scan(&exists)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: update token of account %s: %w", id, err)
	}
	if !exists {
		return 0, fmt.Errorf("sqlstore: update token of account %s: %w", id, mailmanager.ErrNotFound)
	}
	return 0, fmt.Errorf("sqlstore: update token of account %s: version %d is stale: %w",
		id, version, mailmanager.ErrConflict)
}

// UpdateStatus sets the status of an account.
func (s *Store) UpdateStatus(
	ctx context.Context, id string, status mailmanager.AccountStatus,
) error {
	return s.update(ctx, "update status", id,
		`UPDATE {accounts} SET status = $2 WHERE id = $1`, string(status))
}

// UpdateCursor sets the sync cursor of an account.
func (s *Store) UpdateCursor(ctx context.Context, id string, cursor string) error {
	return s.update(ctx, "update cursor", id,
		`UPDATE {accounts} SET sync_cursor = $2 WHERE id = $1`, cursor)
}

// DeleteAccount removes an account.
func (s *Store) DeleteAccount(ctx context.Context, id string) error {
	return s.update(ctx, "delete", id, `DELETE FROM {accounts} WHERE id = $1`)
}

// update runs a statement on the account id, given as $1 before args, and
// reports a missing account when it touches no row.
func (s *Store) update(ctx context.Context, op, id, query string, args ...any) error {
	tag, err := s.pool.Exec(ctx, s.q(query), append([]any{id}, args...)...)
	if err != nil {
		return fmt.Errorf("sqlstore: %s of account %s: %w", op, id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("sqlstore: %s of account %s: %w", op, id, mailmanager.ErrNotFound)
	}
	return nil
}
