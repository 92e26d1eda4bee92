package mailtest

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"

	"github.com/mailmanager/mailmanager"
)

// LogRecorder collects the log output of the Managers a test suite builds,
// and the tokens and secrets they handled, so the suite can prove that no
// secret reached a log line. It is safe for concurrent use; the zero value
// is ready.
type LogRecorder struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	secrets map[string]bool
}

// Write implements io.Writer.
func (r *LogRecorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.Write(p)
}

// String returns everything logged so far.
func (r *LogRecorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.String()
}

// Logger returns a logger of every level into r, for Config.Logger.
func (r *LogRecorder) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(r, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Secret records s as a value that must not be logged. An empty s is
// ignored.
func (r *LogRecorder) Secret(s string) {
	if s == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.secrets == nil {
		r.secrets = make(map[string]bool)
	}
	r.secrets[s] = true
}

// Tokens records the account's current access and refresh tokens as
// secrets. An account without a usable token records nothing.
func (r *LogRecorder) Tokens(m *mailmanager.Manager, accountID string) {
	tok, err := m.Token(context.Background(), accountID)
	if err != nil {
		return
	}
	r.Secret(tok.AccessToken)
	r.Secret(tok.RefreshToken)
}

// Leaks returns how many recorded secrets appear in the output, and how
// many secrets were recorded.
func (r *LogRecorder) Leaks() (leaked, recorded int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	logs := r.buf.String()
	for s := range r.secrets {
		if strings.Contains(logs, s) {
			leaked++
		}
	}
	return leaked, len(r.secrets)
}
