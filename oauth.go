package mailmanager

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// state is what the OAuth state parameter carries, sealed, from the connect
// handler to the callback.
type state struct {
	User     string `json:"u"`
	Provider string `json:"p"`
	Verifier string `json:"v"`
	Nonce    string `json:"n"`
	Expires  int64  `json:"e"`
	Next     string `json:"r,omitempty"`
}

// sealState seals st into a URL-safe string.
func (m *Manager) sealState(st *state) string {
	b, err := json.Marshal(st)
	if err != nil {
		panic("mailmanager: marshal state: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(m.states.seal(b, "state"))
}

// openState opens a sealed state and checks that it has not expired. It
// does not claim the nonce.
func (m *Manager) openState(s string) (*state, error) {
	if s == "" {
		return nil, fmt.Errorf("mailmanager: state missing: %w", ErrStateInvalid)
	}
	if len(s) > 4096 {
		return nil, fmt.Errorf("mailmanager: state too long: %w", ErrStateInvalid)
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("mailmanager: state not base64: %w", ErrStateInvalid)
	}
	plain, err := m.states.open(raw, "state")
	if err != nil {
		return nil, fmt.Errorf("mailmanager: state does not open: %w", ErrStateInvalid)
	}
	var st state
	if err := json.Unmarshal(plain, &st); err != nil {
		return nil, fmt.Errorf("mailmanager: state malformed: %w", ErrStateInvalid)
	}
	if st.User == "" || st.Provider == "" || st.Verifier == "" || st.Nonce == "" {
		return nil, fmt.Errorf("mailmanager: state incomplete: %w", ErrStateInvalid)
	}
	if !m.now().Before(time.Unix(st.Expires, 0)) {
		return nil, fmt.Errorf("mailmanager: state expired: %w", ErrStateInvalid)
	}
	return &st, nil
}

// ConnectHandler returns the handler that starts connecting a mailbox. The
// provider's name is the last element of the request path, so mount it as
// a prefix ("/oauth/connect/") and link to "/oauth/connect/gmail". An
// optional "next" query parameter names a local path to return to
// afterwards; an optional "login_hint" suggests the address at the
// provider. The user must be signed in.
//
// The same handler re-authorizes an account marked [StatusNeedsReauth].
func (m *Manager) ConnectHandler() http.Handler {
	return http.HandlerFunc(m.serveConnect)
}

func (m *Manager) serveConnect(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := lastSegment(r.URL.Path)
	p, err := m.provider(name)
	if err != nil {
		m.fail(w, r, http.StatusNotFound, err)
		return
	}
	user, err := m.currentUser(r)
	if err != nil || user == "" {
		m.fail(w, r, http.StatusUnauthorized, fmt.Errorf("mailmanager: connect %s: %w", name, ErrNotSignedIn))
		return
	}
	cfg, err := m.oauthConfig(ctx, p)
	if err != nil {
		m.fail(w, r, http.StatusServiceUnavailable, err)
		return
	}

	st := &state{
		User:     user,
		Provider: name,
		Verifier: oauth2.GenerateVerifier(),
		Nonce:    randomHex(16),
		Expires:  m.now().Add(m.stateTTL).Unix(),
		Next:     LocalPath(r.URL.Query().Get("next")),
	}
	opts := append(p.AuthCodeOptions(), oauth2.S256ChallengeOption(st.Verifier))
	if hint := r.URL.Query().Get("login_hint"); hint != "" && len(hint) < 320 &&
		!strings.ContainsAny(hint, "\r\n") {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", hint))
	}
	m.log.InfoContext(ctx, "connect started", "provider", name, "user", user)
	http.Redirect(w, r, cfg.AuthCodeURL(m.sealState(st), opts...), http.StatusFound)
}

// CallbackHandler returns the handler the provider redirects back to. Mount
// it as a prefix at the configured CallbackPath; the provider's name is the
// last element of the path, as in [Manager.RedirectURI].
//
// It refuses a missing, tampered, expired, replayed or cross-user state and
// a provider mismatch before it exchanges any code. On success it stores
// the account, bound to the signed-in user, and calls OnConnected or
// redirects to the local path the connect asked for.
func (m *Manager) CallbackHandler() http.Handler {
	return http.HandlerFunc(m.serveCallback)
}

func (m *Manager) serveCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	name := lastSegment(r.URL.Path)
	p, err := m.provider(name)
	if err != nil {
		m.fail(w, r, http.StatusNotFound, err)
		return
	}
	user, err := m.currentUser(r)
	if err != nil || user == "" {
		m.fail(w, r, http.StatusUnauthorized, fmt.Errorf("mailmanager: callback %s: %w", name, ErrNotSignedIn))
		return
	}
	st, err := m.openState(q.Get("state"))
	if err != nil {
		m.fail(w, r, http.StatusBadRequest, err)
		return
	}
	if st.User != user {
		m.fail(w, r, http.StatusForbidden,
			fmt.Errorf("mailmanager: callback %s: state made for another user: %w", name, ErrStateInvalid))
		return
	}
	if st.Provider != name {
		m.fail(w, r, http.StatusBadRequest,
			fmt.Errorf("mailmanager: callback %s: state made for provider %s: %w", name, st.Provider, ErrStateInvalid))
		return
	}
	if err := m.store.ClaimNonce(ctx, st.Nonce, time.Unix(st.Expires, 0)); err != nil {
		if errors.Is(err, ErrConflict) {
			err = fmt.Errorf("mailmanager: callback %s: state already used: %w", name, ErrStateInvalid)
			m.fail(w, r, http.StatusBadRequest, err)
			return
		}
		m.fail(w, r, http.StatusInternalServerError, fmt.Errorf("mailmanager: callback %s: claim state: %w", name, err))
		return
	}
	if e := q.Get("error"); e != "" {
		m.fail(w, r, http.StatusForbidden, consentError(name, e))
		return
	}
	code := q.Get("code")
	if code == "" {
		m.fail(w, r, http.StatusBadRequest, fmt.Errorf("mailmanager: callback %s: no code in the redirect", name))
		return
	}

	a, err := m.connect(ctx, p, user, code, st.Verifier)
	if err != nil {
		status := http.StatusBadGateway
		if errors.Is(err, ErrNotConfigured) {
			status = http.StatusServiceUnavailable
		}
		m.fail(w, r, status, err)
		return
	}
	m.connected(a)
	next := st.Next
	if next == "" {
		next = "/"
	}
	if m.onConnected != nil {
		m.onConnected(w, r, a, next)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// consentError turns the error parameter of a redirect into an error.
func consentError(provider, code string) error {
	if code == "access_denied" || code == "consent_required" {
		return fmt.Errorf("mailmanager: callback %s: %w", provider, ErrAccessDenied)
	}
	if len(code) > 64 {
		code = code[:64]
	}
	return fmt.Errorf("mailmanager: callback %s: provider answered error %q", provider, code)
}

// connect exchanges the code, learns the mailbox address and stores the
// account.
func (m *Manager) connect(ctx context.Context, p Provider, user, code, verifier string) (*Account, error) {
	cfg, err := m.oauthConfig(ctx, p)
	if err != nil {
		return nil, err
	}
	tok, err := cfg.Exchange(m.oauthContext(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, fmt.Errorf("mailmanager: callback %s: exchange code: %w", p.Name(), tokenError(err))
	}
	m.setExpiry(tok)

	client := oauth2.NewClient(m.oauthContext(ctx), oauth2.StaticTokenSource(tok))
	mb, err := p.Open(ctx, client)
	if err != nil {
		return nil, fmt.Errorf("mailmanager: callback %s: open mailbox: %w", p.Name(), err)
	}
	prof, err := mb.Profile(ctx)
	if err != nil {
		return nil, fmt.Errorf("mailmanager: callback %s: read profile: %w", p.Name(), err)
	}
	addr := strings.ToLower(strings.TrimSpace(prof.Address))
	if addr == "" {
		return nil, fmt.Errorf("mailmanager: callback %s: provider gave no mailbox address", p.Name())
	}
	return m.storeAccount(ctx, p.Name(), user, addr, tok)
}

// storeAccount creates the account or, when the user connected the same
// mailbox before, replaces its token and marks it active again.
func (m *Manager) storeAccount(ctx context.Context, provider, user, addr string,
	tok *oauth2.Token) (*Account, error) {
	for attempt := 0; attempt < 5; attempt++ {
		old, err := m.store.FindAccount(ctx, user, provider, addr)
		if errors.Is(err, ErrNotFound) {
			a, err := m.createAccount(ctx, provider, user, addr, tok)
			if errors.Is(err, ErrConflict) {
				continue
			}
			return a, err
		}
		if err != nil {
			return nil, fmt.Errorf("mailmanager: store account: %w", err)
		}
		if tok.RefreshToken == "" {
			if prev, err := m.openToken(old); err == nil {
				tok.RefreshToken = prev.RefreshToken
			}
		}
		v, err := m.store.UpdateToken(ctx, old.ID, old.TokenVersion, m.sealToken(old.ID, tok))
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("mailmanager: store account: %w", err)
		}
		if err := m.store.UpdateStatus(ctx, old.ID, StatusActive); err != nil {
			return nil, fmt.Errorf("mailmanager: store account: %w", err)
		}
		m.remember(old.ID, tok, v)
		m.log.InfoContext(ctx, "account reconnected", "account", old.ID, "provider", provider, "user", user)
		a := old.Account
		a.TokenVersion, a.Status = v, StatusActive
		return &a, nil
	}
	return nil, fmt.Errorf("mailmanager: store account: %w", ErrConflict)
}

func (m *Manager) createAccount(ctx context.Context, provider, user, addr string,
	tok *oauth2.Token) (*Account, error) {
	now := m.now()
	id := newID("acc_")
	s := &StoredAccount{
		Account: Account{
			ID: id, UserID: user, Provider: provider, Address: addr,
			Status: StatusActive, TokenVersion: 1, CreatedAt: now, UpdatedAt: now,
		},
		Token: m.sealToken(id, tok),
	}
	if err := m.store.CreateAccount(ctx, s); err != nil {
		return nil, fmt.Errorf("mailmanager: store account: %w", err)
	}
	m.remember(id, tok, 1)
	m.log.InfoContext(ctx, "account connected", "account", id, "provider", provider, "user", user)
	a := s.Account
	return &a, nil
}

// fail answers a failed connect or callback through OnError or a plain page
// that never shows the error's text.
func (m *Manager) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	m.log.WarnContext(r.Context(), "oauth request failed",
		"path", r.URL.Path, "status", status, "error", err.Error())
	if m.onError != nil {
		m.onError(w, r, status, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintf(w, "%d %s\n\n%s\n", status, http.StatusText(status), ErrorText(err))
}

// ErrorText returns a short text for a person about err, naming what
// happened in general terms and never quoting the error itself. Hosts can
// use it in their own error pages.
func ErrorText(err error) string {
	switch {
	case errors.Is(err, ErrNotSignedIn):
		return "Please sign in before connecting a mailbox."
	case errors.Is(err, ErrNotConfigured):
		return "This mail provider is not set up yet. An administrator needs to enter its client ID and secret."
	case errors.Is(err, ErrAccessDenied):
		return "The mailbox was not connected because access was not granted."
	case errors.Is(err, ErrStateInvalid):
		return "This sign-in link is invalid or has expired. Please start connecting the mailbox again."
	case errors.Is(err, ErrReauthRequired):
		return "The provider no longer accepts this mailbox's authorization. Please reconnect it."
	case errors.Is(err, ErrNotFound):
		return "Not found."
	}
	return "Connecting the mailbox failed. Please try again later."
}

// LocalPath returns p if it is a path on this site, and "" otherwise, so a
// redirect to it cannot leave the site. Hosts can use it for their own
// redirects.
func LocalPath(p string) string {
	if p == "" || len(p) > 2048 || p[0] != '/' {
		return ""
	}
	if strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return ""
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return ""
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return p
}

func lastSegment(p string) string {
	p = strings.TrimRight(p, "/")
	return p[strings.LastIndexByte(p, '/')+1:]
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("mailmanager: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}
