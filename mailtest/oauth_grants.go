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

// oauthMinSweep is the number of codes, consents and access tokens held below
// which expired ones are not swept.
const oauthMinSweep = 1024

// oauthFlavor is the provider an endpoint of the OAuthServer imitates.
type oauthFlavor int

const (
	oauthGoogle oauthFlavor = iota
	oauthMicrosoft
)

// newSecret returns a random token of the given kind ('c' code, 'a' access,
// 'r' refresh) that looks like the flavor's own.
func (f oauthFlavor) newSecret(kind byte) string {
	prefixes := map[byte][2]string{
		'c': {"4/0", "0.A"},
		'a': {"ya29.", "EwA"},
		'r': {"1//0", "M.C"},
	}
	return prefixes[kind][f] + oauthRandom(24)
}

// oauthRandom returns n random bytes, base64url encoded.
func oauthRandom(n int) string {
	return base64.RawURLEncoding.EncodeToString(oauthRandomBytes(n))
}

// oauthRandomBytes returns n random bytes.
func oauthRandomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return b
}

// clientAddress keys what a mailbox has granted to one client.
type clientAddress struct{ clientID, address string }

// authRequest is a validated authorize request.
type authRequest struct {
	flavor      oauthFlavor
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

// oauthGrant is what one consent produced: the scopes a client holds on a
// mailbox, and the refresh token that renews them, if one was issued.
type oauthGrant struct {
	flavor       oauthFlavor
	clientID     string
	address      string
	scopes       []string
	refreshToken string
	revoked      bool
}

// issuedAccess is an issued access token.
type issuedAccess struct {
	grant   *oauthGrant
	expires time.Time
}

// Grant creates a grant as if the mailbox address had consented to the
// registered client clientID, at the Google-like flow or, if microsoft is
// true, at the Microsoft-like one, and returns its tokens: an access token
// and a refresh token. It lets tests and benchmarks skip the browser
// flow. It counts in no [OAuthStats] field.
func (s *OAuthServer) Grant(clientID, address string, microsoft bool,
	scopes ...string) (*oauth2.Token, error) {
	f := oauthGoogle
	if microsoft {
		f = oauthMicrosoft
	}
	addr := oauthAddress(address)
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
	addr := oauthAddress(address)
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
	gs := s.grants[oauthAddress(address)]
	for i := len(gs) - 1; i >= 0; i-- {
		if g := gs[i]; !g.revoked && g.refreshToken != "" {
			return g.refreshToken
		}
	}
	return ""
}

// newGrantLocked records a new grant, with a refresh token if withRefresh.
func (s *OAuthServer) newGrantLocked(f oauthFlavor, clientID, addr string, scopes []string,
	withRefresh bool) *oauthGrant {
	g := &oauthGrant{flavor: f, clientID: clientID, address: addr, scopes: slices.Clone(scopes)}
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
func (s *OAuthServer) revokeGrantLocked(g *oauthGrant) {
	g.revoked = true
	delete(s.consented, clientAddress{g.clientID, g.address})
}

// issueAccessLocked issues an access token for g and returns it with its
// lifetime.
func (s *OAuthServer) issueAccessLocked(g *oauthGrant) (string, time.Duration) {
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
	s.sweepAt = max(oauthMinSweep, 2*(len(s.access)+len(s.codes)+len(s.consents)))
}

// expiresIn returns d in whole seconds, rounded up, as expires_in.
func expiresIn(d time.Duration) int64 {
	return int64((d + time.Second - 1) / time.Second)
}
