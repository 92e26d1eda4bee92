package gmail_test

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

// hostLogs collects the log output of every Manager the package's tests
// build, and hostSecrets every token and secret they handled, so TestMain
// can prove no secret reached a log line.
var (
	hostLogs    lockedBuffer
	hostSecrets sync.Map
)

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func hostLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(&hostLogs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// noteTokens records the account's current tokens as secrets.
func noteTokens(m *mailmanager.Manager, id string) {
	tok, err := m.Token(context.Background(), id)
	if err != nil {
		return
	}
	for _, s := range []string{tok.AccessToken, tok.RefreshToken} {
		if s != "" {
			hostSecrets.Store(s, true)
		}
	}
}

func TestMain(m *testing.M) {
	hostSecrets.Store("csecret", true)
	code := m.Run()
	logs := hostLogs.String()
	leaked := 0
	hostSecrets.Range(func(k, _ any) bool {
		if strings.Contains(logs, k.(string)) {
			leaked++
		}
		return true
	})
	if leaked > 0 {
		fmt.Fprintf(os.Stderr, "%d tokens or secrets appear in the Managers' logs\n", leaked)
		code = 1
	}
	os.Exit(code)
}
