package outlook_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/mailmanager/mailmanager"
)

// Every Manager the package's tests build logs into managerLogs, and every
// token and secret they handled goes into secrets, so that TestMain can
// prove that no secret reached a log line.
var (
	managerLogs syncBuffer
	secrets     sync.Map // secret string -> true
)

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testLogger returns a logger of every level into managerLogs.
func testLogger() *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelDebug}
	return slog.New(slog.NewTextHandler(&managerLogs, opts))
}

// noteTokens records the account's current access and refresh tokens as
// secrets.
func noteTokens(m *mailmanager.Manager, accountID string) {
	tok, err := m.Token(context.Background(), accountID)
	if err != nil {
		return
	}
	noteSecret(tok.AccessToken)
	noteSecret(tok.RefreshToken)
}

func noteSecret(s string) {
	if s != "" {
		secrets.Store(s, true)
	}
}

// leakedSecrets returns how many recorded secrets appear in logs.
func leakedSecrets(logs string) int {
	n := 0
	secrets.Range(func(k, _ any) bool {
		if strings.Contains(logs, k.(string)) {
			n++
		}
		return true
	})
	return n
}

func TestMain(m *testing.M) {
	noteSecret("csecret")
	code := m.Run()
	logs := managerLogs.String()
	if n := leakedSecrets(logs); n > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d tokens or secrets appear in the Managers' logs\n", n)
		code = 1
	} else if testing.Verbose() {
		n := 0
		secrets.Range(func(any, any) bool { n++; return true })
		fmt.Printf("no secret of %d in %d lines of the Managers' logs\n", n,
			strings.Count(logs, "\n"))
	}
	os.Exit(code)
}
