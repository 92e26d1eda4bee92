package main

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/sqlstore"
)

// TestPostgresFlag runs the app on the PostgreSQL store that
// scripts/test.sh starts, and checks that what the administrator saves
// lands in the database, where another instance of the app would read it.
func TestPostgresFlag(t *testing.T) {
	url := os.Getenv("MAILMANAGER_TEST_PG")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("MAILMANAGER_TEST_PG is not set; scripts/test.sh starts PostgreSQL")
		}
		t.Skip("MAILMANAGER_TEST_PG is not set; run ./scripts/test.sh for a throwaway PostgreSQL")
	}
	ts := startTestServer(t, func(o *options) { o.postgres = url })
	ctx := context.Background()
	require.NotNil(t, ts.app.pg, "the app uses the PostgreSQL store")

	require.NoError(t, ts.app.mgr.SaveCredentials(ctx, "gmail",
		mailmanager.Credentials{ClientID: "pg-client", ClientSecret: "pg-secret"}))

	other, err := sqlstore.Open(ctx, url, sqlstore.Options{})
	require.NoError(t, err)
	defer other.Close()
	v, err := other.Setting(ctx, "provider/gmail/credentials")
	require.NoError(t, err)
	assert.Contains(t, string(v), "pg-client")
	assert.NotContains(t, string(v), "pg-secret", "the secret is sealed before it reaches the database")
}
