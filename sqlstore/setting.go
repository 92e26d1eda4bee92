package sqlstore

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mailmanager/mailmanager"
)

// Setting returns the value stored under key.
func (s *Store) Setting(ctx context.Context, key string) ([]byte, error) {
	var value []byte
	err := s.pool.QueryRow(ctx, s.q(`SELECT value FROM {settings} WHERE key = $1`), key).
		Scan(&value)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("sqlstore: setting %q: %w", key, mailmanager.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: setting %q: %w", key, err)
	}
	return orEmpty(value), nil
}

// PutSetting stores value under key, replacing any earlier value.
func (s *Store) PutSetting(ctx context.Context, key string, value []byte) error {
	_, err := s.pool.Exec(ctx, s.q(`INSERT INTO {settings} (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`), key, orEmpty(value))
	if err != nil {
		return fmt.Errorf("sqlstore: put setting %q: %w", key, err)
	}
	return nil
}

// ClaimNonce records that nonce has been used until expires. It fails with
// an error wrapping [mailmanager.ErrConflict] if the nonce was claimed
// before and has not expired by the database's clock; a refused claim
// changes nothing. A claim of an expired nonce replaces it. The store keeps
// the nonce's SHA-256 digest, not the nonce.
func (s *Store) ClaimNonce(ctx context.Context, nonce string, expires time.Time) error {
	digest := sha256.Sum256([]byte(nonce))
	tag, err := s.pool.Exec(ctx, s.q(`INSERT INTO {nonces} AS n (digest, expires_at)
		VALUES ($1, $2)
		ON CONFLICT (digest) DO UPDATE SET expires_at = excluded.expires_at
		WHERE n.expires_at <= now()`), digest[:], expires)
	if err != nil {
		return fmt.Errorf("sqlstore: claim nonce: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("sqlstore: claim nonce: already claimed: %w", mailmanager.ErrConflict)
	}
	return nil
}
