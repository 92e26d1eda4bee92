package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRun_ServesFrontPage starts the program as main does and checks that
// the front page offers Gmail and Outlook, then stops it as a signal would.
func TestRun_ServesFrontPage(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		args := []string{"-addr", "127.0.0.1:0", "-corpus", filepath.Join(t.TempDir(), "none")}
		done <- run(ctx, args, func(string) string { return "" }, outW, io.Discard)
		outW.Close()
	}()

	line, err := bufio.NewReader(outR).ReadString('\n')
	require.NoError(t, err, "run printed no URL")
	i := strings.Index(line, "http://127.0.0.1:")
	require.GreaterOrEqual(t, i, 0, "printed %q", line)
	base := strings.Fields(line[i:])[0]
	go func() { _, _ = io.Copy(io.Discard, outR) }()

	res, err := http.Get(base + "/")
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, string(body), "Gmail")
	assert.Contains(t, string(body), "Outlook")
	assert.Contains(t, string(body), "Sign in as")
	assert.Contains(t, res.Header.Get("Content-Security-Policy"), "default-src 'none'")

	cancel()
	assert.NoError(t, <-done, "run did not shut down cleanly")
	_, err = http.Get(base + "/")
	assert.Error(t, err, "the server still answers after shutdown")
}

func TestParseOptions(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, o options)
	}{
		{
			name: "defaults are the demo",
			check: func(t *testing.T, o options) {
				assert.True(t, o.demo)
				assert.Equal(t, "127.0.0.1:8080", o.addr)
				assert.True(t, filepath.IsAbs(o.corpus))
				assert.Equal(t, filepath.Join("shared", "corpus"),
					filepath.Join(filepath.Base(filepath.Dir(o.corpus)), filepath.Base(o.corpus)))
				assert.Len(t, o.key, 32)
				assert.True(t, o.keyIsRandom)
			},
		},
		{
			name: "real mode reads the environment",
			args: []string{"-demo=false"},
			env: map[string]string{
				"MAILMANAGER_BASE_URL": "https://mail.example.com",
				"MAILMANAGER_KEY":      "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
			},
			check: func(t *testing.T, o options) {
				assert.False(t, o.demo)
				assert.Equal(t, "https://mail.example.com", o.baseURL)
				assert.Equal(t, "0123456789abcdef0123456789abcdef", string(o.key))
				assert.False(t, o.keyIsRandom)
			},
		},
		{
			name: "real mode without a key makes one",
			args: []string{"-demo=false", "-base-url", "http://localhost:9000"},
			check: func(t *testing.T, o options) {
				assert.Equal(t, "http://localhost:9000", o.baseURL)
				assert.Len(t, o.key, 32)
				assert.True(t, o.keyIsRandom)
			},
		},
		{
			name:    "short key",
			args:    []string{"-demo=false"},
			env:     map[string]string{"MAILMANAGER_KEY": "c2hvcnQ="},
			wantErr: "at least 32",
		},
		{
			name:    "key not base64",
			args:    []string{"-demo=false"},
			env:     map[string]string{"MAILMANAGER_KEY": "not base64!"},
			wantErr: "not base64",
		},
		{
			name: "PostgreSQL from the environment",
			env:  map[string]string{"MAILMANAGER_POSTGRES": "postgres://db.internal/mail"},
			check: func(t *testing.T, o options) {
				assert.Equal(t, "postgres://db.internal/mail", o.postgres)
			},
		},
		{name: "stray argument", args: []string{"serve"}, wantErr: "unexpected argument"},
		{name: "sync too often", args: []string{"-sync-every", "1s"}, wantErr: "at least 10s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseOptions(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, o)
		})
	}
}
