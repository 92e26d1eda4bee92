package mailtest

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// handleUserinfo serves GET on the userinfo endpoint: who the mailbox of
// a valid access token is.
func (s *OAuthServer) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.UserinfoRequests++
	s.mu.Unlock()

	tok, found := oauthBearerToken(r)
	if !found {
		w.Header().Set("WWW-Authenticate", `Bearer realm="mailtest"`)
		writeOAuthJSON(w, http.StatusUnauthorized, map[string]string{
			"error": "invalid_request", "error_description": "An access token is required."})
		return
	}
	addr, ok := s.Authenticate(tok)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeOAuthJSON(w, http.StatusUnauthorized, map[string]string{
			"error":             "invalid_token",
			"error_description": "The access token is invalid or expired.",
		})
		return
	}

	s.mu.Lock()
	name := s.names[addr]
	s.mu.Unlock()
	if name == "" {
		name = oauthDisplayName(addr)
	}
	writeOAuthJSON(w, http.StatusOK, map[string]any{
		"sub":            oauthSubject(addr),
		"email":          addr,
		"email_verified": true,
		"name":           name,
	})
}

// handleRevoke serves the Google-like revoke endpoint: the token (an access
// or a refresh token, in the form or the query) revokes its whole grant.
func (s *OAuthServer) handleRevoke(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, oauthMaxForm)
	if err := r.ParseForm(); err != nil {
		writeOAuthJSON(w, http.StatusBadRequest, map[string]string{
			"error": "invalid_request", "error_description": "The body could not be parsed."})
		return
	}
	tok := r.Form.Get("token")

	s.mu.Lock()
	var g *oauthGrant
	if a, ok := s.access[tok]; ok && s.clock().Before(a.expires) {
		g = a.grant
	} else if rg, ok := s.refresh[tok]; ok {
		g = rg
	}
	revoked := g != nil && g.flavor == oauthGoogle && !g.revoked
	if revoked {
		s.revokeGrantLocked(g)
		s.stats.Revocations++
	}
	s.mu.Unlock()

	if !revoked {
		writeOAuthJSON(w, http.StatusBadRequest, map[string]string{
			"error": "invalid_token", "error_description": "Token expired or revoked."})
		return
	}
	writeOAuthJSON(w, http.StatusOK, struct{}{})
}

// oauthBearerToken returns the token of an "Authorization: Bearer" header.
func oauthBearerToken(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	tok = strings.TrimSpace(tok)
	return tok, ok && strings.EqualFold(scheme, "Bearer") && tok != ""
}

// oauthDisplayName makes a display name from an address's local part:
// "ada.lovelace@example.com" gives "Ada Lovelace".
func oauthDisplayName(addr string) string {
	local, _, _ := strings.Cut(addr, "@")
	words := strings.FieldsFunc(local, func(r rune) bool {
		return r == '.' || r == '_' || r == '-' || r == '+'
	})
	for i, w := range words {
		r, n := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToUpper(r)) + w[n:]
	}
	if len(words) == 0 {
		return local
	}
	return strings.Join(words, " ")
}

// oauthSubject returns a stable, numeric subject ID for addr, like Google's.
func oauthSubject(addr string) string {
	sum := sha256.Sum256([]byte(addr))
	return fmt.Sprintf("1%020d", binary.BigEndian.Uint64(sum[:8]))
}
