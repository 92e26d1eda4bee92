package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun_ConnectsAMailbox(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	s := out.String()
	assert.Contains(t, s, "secret ••••••••")
	assert.NotContains(t, s, "demo-secret")
	assert.Contains(t, s, "browser ended at /connected (200 OK)")
	assert.Regexp(t, `account acc_[0-9a-f]+: ada@example.com at gmail for user user-42, active`, s)
	assert.Contains(t, s, "the provider says the mailbox is ada@example.com")
}
