package mailmanager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// refreshMargin is how long before its expiry an access token is renewed,
// so a request never leaves with a token that dies on the way.
const refreshMargin = time.Minute

// tokenCache holds an account's token within one Manager. Its mutex makes
// refreshes of one account single-flight.
type tokenCache struct {
	mu      sync.Mutex
	tok     *oauth2.Token
	version int64
}

func (m *Manager) cache(id string) *tokenCache {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.tokens[id]
	if !ok {
		c = &tokenCache{}
		m.tokens[id] = c
	}
	return c
}

func (m *Manager) remember(id string, tok *oauth2.Token, version int64) {
	c := m.cache(id)
	c.mu.Lock()
	if version >= c.version {
		c.tok, c.version = tok, version
	}
	c.mu.Unlock()
}

// storedToken is the sealed JSON of a token.
type storedToken struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
}

func (m *Manager) sealToken(accountID string, tok *oauth2.Token) []byte {
	b, err := json.Marshal(storedToken{
		AccessToken:  tok.AccessToken,
		TokenType:    tok.TokenType,
		RefreshToken: tok.RefreshToken,
		Expiry:       tok.Expiry,
	})
	if err != nil {
		panic("mailmanager: marshal token: " + err.Error())
	}
	return m.secrets.seal(b, "token/"+accountID)
}

func (m *Manager) openToken(s *StoredAccount) (*oauth2.Token, error) {
	plain, err := m.secrets.open(s.Token, "token/"+s.ID)
	if err != nil {
		return nil, fmt.Errorf("mailmanager: token of account %s: %w", s.ID, err)
	}
	var st storedToken
	if err := json.Unmarshal(plain, &st); err != nil {
		return nil, fmt.Errorf("mailmanager: token of account %s is malformed", s.ID)
	}
	return &oauth2.Token{
		AccessToken:  st.AccessToken,
		TokenType:    st.TokenType,
		RefreshToken: st.RefreshToken,
		Expiry:       st.Expiry,
	}, nil
}

// setExpiry computes a token's expiry on the Manager's clock from the
// expires_in the provider answered, so a Manager with its own clock judges
// freshness consistently.
func (m *Manager) setExpiry(tok *oauth2.Token) {
	var secs int64
	switch v := tok.Extra("expires_in").(type) {
	case float64:
		secs = int64(v)
	case string:
		secs, _ = strconv.ParseInt(v, 10, 64)
	case json.Number:
		secs, _ = v.Int64()
	}
	if secs > 0 {
		tok.Expiry = m.now().Add(time.Duration(secs) * time.Second)
	}
}

func (m *Manager) fresh(tok *oauth2.Token) bool {
	if tok == nil || tok.AccessToken == "" {
		return false
	}
	return tok.Expiry.IsZero() || m.now().Add(refreshMargin).Before(tok.Expiry)
}

// oauthContext carries the Manager's HTTP client to x/oauth2, which takes
// it only through a context value.
func (m *Manager) oauthContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, m.client)
}

// Token returns a valid access token of an account, refreshing it if it
// expires within a minute. Refreshes of one account are single-flight
// within the Manager, and a compare-and-swap on the token version across
// Managers sharing the store: the loser uses the winner's token. A refused
// grant marks the account [StatusNeedsReauth] and returns an error wrapping
// [ErrReauthRequired].
//
// Most hosts never call it: [Manager.Client] and [Manager.Mailbox] use it.
func (m *Manager) Token(ctx context.Context, accountID string) (*oauth2.Token, error) {
	c := m.cache(accountID)
	c.mu.Lock()
	defer c.mu.Unlock()
	if m.fresh(c.tok) {
		return c.tok, nil
	}

	s, err := m.loadInto(ctx, c, accountID)
	if err != nil {
		return nil, err
	}
	if m.fresh(c.tok) {
		return c.tok, nil
	}
	p, err := m.provider(s.Provider)
	if err != nil {
		return nil, fmt.Errorf("mailmanager: refresh account %s: %w", accountID, err)
	}
	cfg, err := m.oauthConfig(ctx, p)
	if err != nil {
		return nil, err
	}
	return m.refresh(ctx, c, s, cfg)
}

// loadInto reads the account and, if the store has a newer token than the
// cache, adopts it.
func (m *Manager) loadInto(ctx context.Context, c *tokenCache, id string) (*StoredAccount, error) {
	s, err := m.store.Account(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("mailmanager: account %s: %w", id, err)
	}
	if s.Status == StatusNeedsReauth {
		return nil, fmt.Errorf("mailmanager: account %s: %w", id, ErrReauthRequired)
	}
	if c.tok == nil || s.TokenVersion > c.version {
		tok, err := m.openToken(s)
		if err != nil {
			return nil, err
		}
		c.tok, c.version = tok, s.TokenVersion
	}
	return s, nil
}

// refresh renews the cached token with the provider and stores it.
func (m *Manager) refresh(ctx context.Context, c *tokenCache, s *StoredAccount,
	cfg *oauth2.Config) (*oauth2.Token, error) {
	log := m.log.With("account", s.ID, "provider", s.Provider)
	for attempt := 0; attempt < 5; attempt++ {
		if c.tok.RefreshToken == "" {
			return nil, m.needsReauth(ctx, s, "no refresh token stored")
		}
		old := &oauth2.Token{RefreshToken: c.tok.RefreshToken}
		tok, err := cfg.TokenSource(m.oauthContext(ctx), old).Token()
		if isInvalidGrant(err) {
			// Another Manager may have rotated the refresh token a moment
			// ago; its new token is then on its way to the store.
			if m.awaitNewerToken(ctx, c, s.ID) {
				if m.fresh(c.tok) {
					return c.tok, nil
				}
				continue
			}
			return nil, m.needsReauth(ctx, s, "provider refused the grant")
		}
		if err != nil {
			log.WarnContext(ctx, "token refresh failed", "error", tokenError(err).Error())
			return nil, fmt.Errorf("mailmanager: refresh account %s: %w", s.ID, tokenError(err))
		}
		m.setExpiry(tok)
		if tok.RefreshToken == "" {
			tok.RefreshToken = c.tok.RefreshToken
		}

		v, err := m.store.UpdateToken(ctx, s.ID, c.version, m.sealToken(s.ID, tok))
		if errors.Is(err, ErrConflict) {
			// Lost the race: adopt the winner's token.
			if _, err := m.loadInto(ctx, c, s.ID); err != nil {
				return nil, err
			}
			log.DebugContext(ctx, "token refreshed elsewhere; using that one")
			if m.fresh(c.tok) {
				return c.tok, nil
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("mailmanager: refresh account %s: store token: %w", s.ID, err)
		}
		c.tok, c.version = tok, v
		log.DebugContext(ctx, "token refreshed", "version", v)
		return tok, nil
	}
	return nil, fmt.Errorf("mailmanager: refresh account %s: gave up after repeated races: %w",
		s.ID, ErrConflict)
}

// awaitNewerToken waits briefly for a newer token version in the store and
// adopts it. It reports whether one arrived.
func (m *Manager) awaitNewerToken(ctx context.Context, c *tokenCache, id string) bool {
	delay := 10 * time.Millisecond
	for waited := time.Duration(0); waited < 2*time.Second; waited += delay {
		before := c.version
		if _, err := m.loadInto(ctx, c, id); err != nil {
			return false
		}
		if c.version > before {
			return true
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		delay = min(2*delay, 400*time.Millisecond)
	}
	return false
}

func (m *Manager) needsReauth(ctx context.Context, s *StoredAccount, why string) error {
	if err := m.store.UpdateStatus(ctx, s.ID, StatusNeedsReauth); err != nil {
		return fmt.Errorf("mailmanager: account %s: mark needs re-authorization: %w", s.ID, err)
	}
	m.log.WarnContext(ctx, "account needs re-authorization",
		"account", s.ID, "provider", s.Provider, "user", s.UserID, "reason", why)
	return fmt.Errorf("mailmanager: account %s: %s: %w", s.ID, why, ErrReauthRequired)
}

func isInvalidGrant(err error) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == "invalid_grant"
}

// tokenError reduces a token endpoint failure to its status and error code,
// dropping the response body that x/oauth2 quotes.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return err
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	code := re.ErrorCode
	if code == "" {
		code = "no error code"
	}
	return &TokenError{Status: status, Code: code}
}

// TokenError is a failure answered by a provider's token endpoint. It
// carries the HTTP status and the OAuth error code, never the response
// body.
type TokenError struct {
	Status int
	Code   string
}

// Error implements error.
func (e *TokenError) Error() string {
	return fmt.Sprintf("token endpoint answered %d %s", e.Status, e.Code)
}

// Client returns an HTTP client that authorizes every request as the
// account, refreshing the token when needed, keeps the account's requests
// within its provider's [Limits], and retries throttled and failed requests
// by Config.Retry. It makes no request itself.
func (m *Manager) Client(accountID string) *http.Client {
	base := m.client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	var rt http.RoundTripper = &authTransport{m: m, id: accountID, base: base}
	rt = &paceTransport{m: m, id: accountID, next: rt}
	rt = &retryTransport{policy: m.retry, next: rt, onRetry: func(r *http.Request, attempt, status int, wait time.Duration) {
		m.log.InfoContext(r.Context(), "retrying provider call",
			"account", accountID, "host", r.URL.Host, "attempt", attempt, "status", status, "wait", wait)
	}}
	return &http.Client{
		Transport:     rt,
		CheckRedirect: m.client.CheckRedirect,
		Jar:           m.client.Jar,
		Timeout:       m.client.Timeout,
	}
}

type authTransport struct {
	m    *Manager
	id   string
	base http.RoundTripper
}

func (t *authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	tok, err := t.m.Token(r.Context(), t.id)
	if err != nil {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, err
	}
	r2 := r.Clone(r.Context())
	tok.SetAuthHeader(r2)
	resp, err := t.base.RoundTrip(r2)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}

	// The provider refused a token that looked fresh: it may have been
	// revoked or rotated early. Drop it and try once more with a new one,
	// which also finds out at once whether the grant itself is gone.
	t.m.expire(t.id, tok.AccessToken)
	if r.Body != nil && r.Body != http.NoBody && r.GetBody == nil {
		return resp, nil
	}
	tok2, err := t.m.Token(r.Context(), t.id)
	if err != nil {
		drain(resp.Body)
		return nil, err
	}
	r3 := r.Clone(r.Context())
	if r.GetBody != nil {
		body, err := r.GetBody()
		if err != nil {
			return resp, nil
		}
		r3.Body = body
	}
	drain(resp.Body)
	tok2.SetAuthHeader(r3)
	return t.base.RoundTrip(r3)
}

// expire marks the cached token of an account stale if it is still
// accessToken, so the next use refreshes it.
func (m *Manager) expire(accountID, accessToken string) {
	c := m.cache(accountID)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok != nil && c.tok.AccessToken == accessToken {
		stale := *c.tok
		stale.Expiry = time.Unix(1, 0)
		c.tok = &stale
	}
}

// Mailbox opens the account's mailbox at its provider. It fails with
// [ErrReauthRequired] for an account that needs re-authorization. The
// Manager keeps one Mailbox per account, so what a provider learns about a
// mailbox (its address, its folders) is learned once.
func (m *Manager) Mailbox(ctx context.Context, accountID string) (Mailbox, error) {
	mb, _, err := m.open(ctx, accountID)
	return mb, err
}

// open returns the account's mailbox and the account as stored, read once,
// for callers that need both.
func (m *Manager) open(ctx context.Context, accountID string) (Mailbox, *StoredAccount, error) {
	s, err := m.store.Account(ctx, accountID)
	if err != nil {
		return nil, nil, fmt.Errorf("mailmanager: account %s: %w", accountID, err)
	}
	if s.Status == StatusNeedsReauth {
		return nil, nil, fmt.Errorf("mailmanager: account %s: %w", accountID, ErrReauthRequired)
	}
	m.mu.Lock()
	mb, ok := m.mailboxes[accountID]
	m.mu.Unlock()
	if ok {
		return mb, s, nil
	}
	p, err := m.provider(s.Provider)
	if err != nil {
		return nil, nil, fmt.Errorf("mailmanager: account %s: %w", accountID, err)
	}
	mb, err = p.Open(ctx, m.Client(accountID))
	if err != nil {
		return nil, nil, fmt.Errorf("mailmanager: open mailbox of account %s: %w", accountID, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if cached, ok := m.mailboxes[accountID]; ok {
		return cached, s, nil
	}
	m.mailboxes[accountID] = mb
	return mb, s, nil
}

// forget drops what the Manager keeps in memory about an account.
func (m *Manager) forget(accountID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.tokens, accountID)
	delete(m.pacers, accountID)
	delete(m.mailboxes, accountID)
}
