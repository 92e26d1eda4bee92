package mailtest

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// minSweep is the number of codes, consents and access tokens held below
// which expired ones are not swept.
const minSweep = 1024

// flavor is the provider an endpoint of the OAuthServer imitates.
type flavor int

const (
	flavorGoogle flavor = iota
	flavorMicrosoft
)

// brand names the flavor on HTML pages.
func (f flavor) brand() string {
	if f == flavorMicrosoft {
		return "Fake Microsoft"
	}
	return "Fake Google"
}

// newSecret returns a random token of the given kind ('c' code, 'a' access,
// 'r' refresh) that looks like the flavor's own.
func (f flavor) newSecret(kind byte) string {
	prefixes := map[byte][2]string{
		'c': {"4/0", "0.A"},
		'a': {"ya29.", "EwA"},
		'r': {"1//0", "M.C"},
	}
	return prefixes[kind][f] + randomString(24)
}

// randomString returns n random bytes, base64url encoded.
func randomString(n int) string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(n))
}

// randomBytes returns n random bytes.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return b
}

// clientAddress keys what a mailbox has granted to one client.
type clientAddress struct{ clientID, address string }

// authRequest is a validated authorize request.
type authRequest struct {
	flavor      flavor
	clientID    string
	redirectURI string
	state       string
	scopes      []string
	challenge   string
	loginHint   string
	offline     bool // Google-like access_type=offline
	consent     bool // Google-like prompt includes consent
}

// pendingConsent is an authorize request waiting on the interactive page.
type pendingConsent struct {
	req     *authRequest
	expires time.Time
}

// authCode is an issued authorization code. A used one stays until it
// expires, so that a second use is told apart from an unknown code.
type authCode struct {
	req         *authRequest
	address     string
	withRefresh bool
	used        bool
	expires     time.Time
}

// grant is what one consent produced: the scopes a client holds on a
// mailbox, and the refresh token that renews them, if one was issued.
type grant struct {
	flavor       flavor
	clientID     string
	address      string
	scopes       []string
	refreshToken string
	revoked      bool
}

// issuedAccess is an issued access token.
type issuedAccess struct {
	grant   *grant
	expires time.Time
}

// Grant creates a grant as if the mailbox address had consented to the
// registered client clientID, at the Google-like flow or, if microsoft is
// true, at the Microsoft-like one, and returns its tokens: an access token
// and a refresh token. It lets tests and benchmarks skip the browser
// flow. It counts in no [OAuthStats] field.
func (s *OAuthServer) Grant(clientID, address string, microsoft bool,
	scopes ...string) (*oauth2.Token, error) {
	f := flavorGoogle
	if microsoft {
		f = flavorMicrosoft
	}
	addr := normalizeAddress(address)
	if !strings.Contains(addr, "@") {
		return nil, fmt.Errorf("mailtest: grant: address %q is not a mailbox", address)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[clientID]; !ok {
		return nil, fmt.Errorf("mailtest: grant: client %q is not registered", clientID)
	}
	s.consented[clientAddress{clientID, addr}] = true
	g := s.newGrantLocked(f, clientID, addr, scopes, true)
	access, ttl := s.issueAccessLocked(g)
	return &oauth2.Token{
		AccessToken:  access,
		TokenType:    "Bearer",
		RefreshToken: g.refreshToken,
		Expiry:       time.Now().Add(ttl),
		ExpiresIn:    expiresIn(ttl),
	}, nil
}

// Revoke revokes every grant of the mailbox address, at every client and
// both flavors: its refresh tokens answer invalid_grant, its access tokens
// stop authenticating and its codes die. A later consent creates a
// new grant, which works.
func (s *OAuthServer) Revoke(address string) {
	addr := normalizeAddress(address)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.grants[addr] {
		s.revokeGrantLocked(g)
	}
	for code, c := range s.codes {
		if c.address == addr {
			delete(s.codes, code)
		}
	}
}

// ExpireAccessTokens makes every access token issued so far stop
// authenticating, as if they had expired. Refresh tokens stay valid.
func (s *OAuthServer) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.access)
}

// Authenticate reports the mailbox address an access token was issued
// for, and whether the token is valid: issued here, not expired and its
// grant not revoked. The fake mail APIs call it on every request.
func (s *OAuthServer) Authenticate(accessToken string) (address string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, found := s.access[accessToken]
	if !found || a.grant.revoked || !s.clock().Before(a.expires) {
		return "", false
	}
	return a.grant.address, true
}

// RefreshToken returns the currently valid refresh token of the newest
// unrevoked grant of the mailbox address that has one, or "" if there is
// none. With rotation on, it follows the rotations.
func (s *OAuthServer) RefreshToken(address string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	gs := s.grants[normalizeAddress(address)]
	for i := len(gs) - 1; i >= 0; i-- {
		if g := gs[i]; !g.revoked && g.refreshToken != "" {
			return g.refreshToken
		}
	}
	return ""
}

// newGrantLocked records a new grant, with a refresh token if withRefresh.
func (s *OAuthServer) newGrantLocked(f flavor, clientID, addr string, scopes []string,
	withRefresh bool) *grant {
	g := &grant{flavor: f, clientID: clientID, address: addr, scopes: slices.Clone(scopes)}
	if withRefresh {
		g.refreshToken = f.newSecret('r')
		s.refresh[g.refreshToken] = g
	}
	s.grants[addr] = append(s.grants[addr], g)
	return g
}

// revokeGrantLocked revokes g. Its refresh token stays in s.refresh so that
// a later use is answered as revoked rather than unknown. The client must
// ask for consent again to get a refresh token.
func (s *OAuthServer) revokeGrantLocked(g *grant) {
	g.revoked = true
	delete(s.consented, clientAddress{g.clientID, g.address})
}

// issueAccessLocked issues an access token for g and returns it with its
// lifetime.
func (s *OAuthServer) issueAccessLocked(g *grant) (string, time.Duration) {
	s.sweepLocked()
	tok := g.flavor.newSecret('a')
	s.access[tok] = &issuedAccess{grant: g, expires: s.clock().Add(s.accessTTL)}
	return tok, s.accessTTL
}

// sweepLocked drops expired codes, consents and access tokens once their
// number has doubled since the last sweep, so that long benchmarks do not
// grow the server without bound.
func (s *OAuthServer) sweepLocked() {
	if len(s.access)+len(s.codes)+len(s.consents) < s.sweepAt {
		return
	}
	now := s.clock()
	for tok, a := range s.access {
		if a.grant.revoked || !now.Before(a.expires) {
			delete(s.access, tok)
		}
	}
	for code, c := range s.codes {
		if !now.Before(c.expires) {
			delete(s.codes, code)
		}
	}
	for id, p := range s.consents {
		if !now.Before(p.expires) {
			delete(s.consents, id)
		}
	}
	s.sweepAt = max(minSweep, 2*(len(s.access)+len(s.codes)+len(s.consents)))
}

// expiresIn returns d in whole seconds, rounded up, as expires_in.
func expiresIn(d time.Duration) int64 {
	return int64((d + time.Second - 1) / time.Second)
}
