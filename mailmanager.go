package mailmanager

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Config configures a [Manager]. Store, Providers, Key, BaseURL and
// CurrentUser are required; every other field has a useful zero value.
type Config struct {
	// Store persists accounts, settings and used state nonces.
	Store TokenStore

	// Providers are the mail services users may connect. Names must be
	// unique.
	Providers []Provider

	// Key seals OAuth state and, before they reach the Store, tokens and
	// client secrets (AES-256-GCM under keys derived from it). It must be
	// at least 32 random bytes and stay secret and stable: values sealed
	// with a lost key cannot be read again.
	Key []byte

	// PreviousKeys are keys that were used before Key. Values sealed with
	// them still open, and are sealed again with Key when next written.
	PreviousKeys [][]byte

	// BaseURL is the public URL of the host application, such as
	// "https://app.example.com". Redirect URIs are built from it.
	BaseURL string

	// CallbackPath is where the host mounts [Manager.CallbackHandler]; the
	// provider's name is appended to it. Zero means "/oauth/callback".
	CallbackPath string

	// CurrentUser returns the ID of the signed-in user of a request, or an
	// error if nobody is signed in.
	CurrentUser func(r *http.Request) (userID string, err error)

	// OnConnected, when set, answers the callback request after a mailbox
	// was connected. next is the local path the connect request asked to
	// return to, already checked, or "/". When nil, the callback redirects
	// to next.
	OnConnected func(w http.ResponseWriter, r *http.Request, a *Account, next string)

	// OnError, when set, answers a connect or callback request that
	// failed. err wraps one of the sentinel errors; it is safe to log but
	// should not be shown to the user as is. When nil, a plain page shows
	// the status and a generic text.
	OnError func(w http.ResponseWriter, r *http.Request, status int, err error)

	// Logger receives structured logs. Nil logs nothing.
	Logger *slog.Logger

	// HTTPClient makes the outbound calls to the providers (token
	// endpoints and APIs). Nil means http.DefaultClient.
	HTTPClient *http.Client

	// Now returns the current time. Nil means time.Now.
	Now func() time.Time

	// StateTTL is how long a connect may take from the consent redirect
	// to the callback. Zero means 10 minutes.
	StateTTL time.Duration

	// Retry says how provider calls are retried when throttled or hit by a
	// passing fault. The zero value retries with the defaults documented
	// on RetryPolicy.
	Retry RetryPolicy

	// LeaseTTL is how long a sync lease lasts without renewal, when the
	// Store offers leases (see [Leaser]): the longest a crashed process
	// keeps others from syncing its mailboxes. It is renewed every third of
	// it. Zero means a minute.
	LeaseTTL time.Duration
}

// Manager connects mailboxes, keeps their tokens fresh, and syncs and sends
// mail through the configured providers. It is safe for concurrent use.
// Several Managers, in one process or several, may share one TokenStore.
type Manager struct {
	store        TokenStore
	providers    map[string]Provider
	names        []string
	states       *sealer
	secrets      *sealer
	baseURL      *url.URL
	callbackPath string
	currentUser  func(*http.Request) (string, error)
	onConnected  func(http.ResponseWriter, *http.Request, *Account, string)
	onError      func(http.ResponseWriter, *http.Request, int, error)
	log          *slog.Logger
	client       *http.Client
	now          func() time.Time
	stateTTL     time.Duration
	retry        RetryPolicy
	holder       string // this Manager's name as a lease holder
	leaseTTL     time.Duration
	leaseRenew   time.Duration

	mu     sync.Mutex
	tokens map[string]*tokenCache
	pacers map[string]*pacer // by account ID; nil entries for unlimited
	// mailboxes are the opened mailboxes, by account ID.
	mailboxes map[string]Mailbox
	// scheduler is the running Scheduler, told of connected accounts.
	scheduler *Scheduler
}

// New validates c and returns a Manager.
func New(c Config) (*Manager, error) {
	if c.Store == nil {
		return nil, errors.New("mailmanager: config: Store is required")
	}
	if c.CurrentUser == nil {
		return nil, errors.New("mailmanager: config: CurrentUser is required")
	}
	if len(c.Key) < 32 {
		return nil, fmt.Errorf("mailmanager: config: Key is %d bytes, want at least 32", len(c.Key))
	}
	base, err := url.Parse(strings.TrimRight(c.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("mailmanager: config: BaseURL %q is not an absolute http(s) URL", c.BaseURL)
	}

	m := &Manager{
		store:        c.Store,
		providers:    make(map[string]Provider),
		baseURL:      base,
		callbackPath: "/" + strings.Trim(c.CallbackPath, "/"),
		currentUser:  c.CurrentUser,
		onConnected:  c.OnConnected,
		onError:      c.OnError,
		log:          c.Logger,
		client:       c.HTTPClient,
		now:          c.Now,
		stateTTL:     c.StateTTL,
		retry:        c.Retry.withDefaults(),
		holder:       newID("mgr_"),
		leaseTTL:     c.LeaseTTL,
		tokens:       make(map[string]*tokenCache),
		pacers:       make(map[string]*pacer),
		mailboxes:    make(map[string]Mailbox),
	}
	if c.CallbackPath == "" {
		m.callbackPath = "/oauth/callback"
	}
	if m.log == nil {
		m.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if m.client == nil {
		m.client = http.DefaultClient
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.stateTTL <= 0 {
		m.stateTTL = 10 * time.Minute
	}
	if m.leaseTTL <= 0 {
		m.leaseTTL = leaseTTL
	}
	m.leaseRenew = m.leaseTTL / 3
	for _, p := range c.Providers {
		if p == nil {
			return nil, errors.New("mailmanager: config: nil provider")
		}
		name := p.Name()
		if name == "" || strings.ContainsAny(name, "/?#% ") {
			return nil, fmt.Errorf("mailmanager: config: invalid provider name %q", name)
		}
		if _, dup := m.providers[name]; dup {
			return nil, fmt.Errorf("mailmanager: config: duplicate provider %q", name)
		}
		m.providers[name] = p
		m.names = append(m.names, name)
	}
	if m.states, err = newSealer("oauth-state", c.Key, c.PreviousKeys); err != nil {
		return nil, fmt.Errorf("mailmanager: config: %w", err)
	}
	if m.secrets, err = newSealer("stored-secret", c.Key, c.PreviousKeys); err != nil {
		return nil, fmt.Errorf("mailmanager: config: %w", err)
	}
	return m, nil
}

// Providers returns the names of the configured providers, in the order
// they were configured.
func (m *Manager) Providers() []string {
	return append([]string(nil), m.names...)
}

// provider returns the named provider or an error wrapping ErrNotFound.
func (m *Manager) provider(name string) (Provider, error) {
	p, ok := m.providers[name]
	if !ok {
		return nil, fmt.Errorf("mailmanager: provider %q: %w", name, ErrNotFound)
	}
	return p, nil
}

// RedirectURI returns the redirect URI to register for provider at Google
// Cloud Console or Azure Portal: BaseURL, CallbackPath and the provider's
// name.
func (m *Manager) RedirectURI(provider string) string {
	u := *m.baseURL
	u.Path = strings.TrimRight(u.Path, "/") + m.callbackPath + "/" + provider
	return u.String()
}

// Accounts returns the accounts userID has connected, oldest first.
func (m *Manager) Accounts(ctx context.Context, userID string) ([]*Account, error) {
	stored, err := m.store.Accounts(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("mailmanager: list accounts: %w", err)
	}
	out := make([]*Account, len(stored))
	for i, s := range stored {
		a := s.Account
		out[i] = &a
	}
	return out, nil
}

// Account returns one account by ID.
func (m *Manager) Account(ctx context.Context, id string) (*Account, error) {
	s, err := m.store.Account(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("mailmanager: account %s: %w", id, err)
	}
	a := s.Account
	return &a, nil
}

// Disconnect revokes the account's grant where the provider supports it
// and deletes the account. A failed revocation is logged and does not stop
// the deletion: the user asked for the account to be gone.
func (m *Manager) Disconnect(ctx context.Context, id string) error {
	s, err := m.store.Account(ctx, id)
	if err != nil {
		return fmt.Errorf("mailmanager: disconnect %s: %w", id, err)
	}

	m.unwatch(ctx, s)
	if p, err := m.provider(s.Provider); err == nil {
		if r, ok := p.(Revoker); ok {
			m.revoke(ctx, r, s)
		}
	}

	if err := m.store.DeleteAccount(ctx, id); err != nil {
		return fmt.Errorf("mailmanager: disconnect %s: %w", id, err)
	}
	m.forget(id)
	m.log.InfoContext(ctx, "account disconnected",
		"account", id, "provider", s.Provider, "user", s.UserID)
	return nil
}

func (m *Manager) revoke(ctx context.Context, r Revoker, s *StoredAccount) {
	tok, err := m.openToken(s)
	if err == nil {
		err = r.Revoke(ctx, m.client, tok)
	}
	if err != nil {
		m.log.WarnContext(ctx, "revoke failed; deleting the account anyway",
			"account", s.ID, "provider", s.Provider, "error", err.Error())
	}
}

// newID returns a random identifier with a prefix.
func newID(prefix string) string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("mailmanager: crypto/rand failed: " + err.Error())
	}
	return prefix + hex.EncodeToString(b[:])
}
