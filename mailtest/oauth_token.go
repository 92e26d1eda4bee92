package mailtest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// tokenResponse is a successful answer of a token endpoint.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	ExtExpiresIn int64  `json:"ext_expires_in,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope"`
}

// handleToken serves a token endpoint: injected failures and latency
// first, then the authorization_code and refresh_token grants.
func (s *OAuthServer) handleToken(f oauthFlavor) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.stats.TokenRequests++
		latency, injected := s.latency, 0
		if s.failLeft > 0 {
			s.failLeft--
			injected = s.failStatus
		}
		s.mu.Unlock()

		if latency > 0 {
			t := time.NewTimer(latency)
			defer t.Stop()
			select {
			case <-t.C:
			case <-r.Context().Done():
				return // the client is gone
			case <-s.done:
				injected = http.StatusServiceUnavailable
			}
		}
		if injected != 0 {
			s.writeTokenError(w, f, tokenInjectedError(injected))
			return
		}

		r.Body = http.MaxBytesReader(w, r.Body, oauthMaxForm)
		resp, terr := s.token(f, r)
		if terr != nil {
			s.writeTokenError(w, f, terr)
			return
		}
		writeOAuthJSON(w, http.StatusOK, resp)
	}
}

// token checks the request and the client, then runs its grant.
func (s *OAuthServer) token(f oauthFlavor, r *http.Request) (*tokenResponse, *tokenError) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		return nil, tokenInvalidRequest("The body must be application/x-www-form-urlencoded.")
	}
	if err := r.ParseForm(); err != nil {
		return nil, tokenInvalidRequest("The body could not be parsed.")
	}
	form := r.PostForm
	for k, v := range form {
		if len(v) > 1 {
			return nil, tokenInvalidRequest("Parameter " + k + " is repeated.")
		}
	}
	id, secret, basic, terr := clientCredentials(r, form)
	if terr != nil {
		return nil, terr
	}
	grantType := form.Get("grant_type")
	if grantType == "" {
		return nil, tokenMissingParameter("grant_type")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if terr := s.authenticateClientLocked(id, secret, basic); terr != nil {
		return nil, terr
	}
	switch grantType {
	case "authorization_code":
		return s.exchangeLocked(f, id, form)
	case "refresh_token":
		return s.refreshLocked(f, id, form)
	}
	return nil, &tokenError{status: http.StatusBadRequest, code: "unsupported_grant_type",
		desc: "The grant_type is not supported.", aadsts: 70003}
}

// clientCredentials reads the client's ID and secret from a Basic
// Authorization header (form-encoded, as RFC 6749 section 2.3.1 asks) or
// from the form. It refuses a request that uses both.
func clientCredentials(r *http.Request, form url.Values) (id, secret string, basic bool,
	terr *tokenError) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		id = form.Get("client_id")
		if id == "" {
			return "", "", false, tokenMissingParameter("client_id")
		}
		return id, form.Get("client_secret"), false, nil
	}
	if form.Has("client_secret") {
		return "", "", true, tokenInvalidRequest("The client authenticated in more than one way.")
	}
	id, err1 := url.QueryUnescape(user)
	secret, err2 := url.QueryUnescape(pass)
	if err1 != nil || err2 != nil || (form.Has("client_id") && form.Get("client_id") != id) {
		return "", "", true, &tokenError{status: http.StatusUnauthorized,
			code: "invalid_client", desc: "The client credentials are malformed.",
			aadsts: 7000215, basic: true}
	}
	return id, secret, true, nil
}

// authenticateClientLocked checks a client's ID and secret.
func (s *OAuthServer) authenticateClientLocked(id, secret string, basic bool) *tokenError {
	want, ok := s.clients[id]
	if !ok {
		return &tokenError{status: http.StatusUnauthorized, code: "invalid_client",
			desc: "The OAuth client was not found.", aadsts: 700016, basic: basic}
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(want)) != 1 {
		return &tokenError{status: http.StatusUnauthorized, code: "invalid_client",
			desc: "The client secret is invalid.", aadsts: 7000215, basic: basic}
	}
	return nil
}

// exchangeLocked runs the authorization_code grant. A code is spent only
// by a successful exchange, so a client may retry after a failure.
func (s *OAuthServer) exchangeLocked(f oauthFlavor, clientID string,
	form url.Values) (*tokenResponse, *tokenError) {
	code := form.Get("code")
	if code == "" {
		return nil, tokenMissingParameter("code")
	}
	c, ok := s.codes[code]
	switch {
	case !ok || c.req.flavor != f:
		return nil, tokenInvalidGrant("The authorization code is not valid.", 70000)
	case c.used:
		return nil, tokenInvalidGrant("The authorization code was already redeemed.", 54005)
	case !s.clock().Before(c.expires):
		return nil, tokenInvalidGrant("The authorization code has expired.", 70008)
	case c.req.clientID != clientID:
		return nil, tokenInvalidGrant(
			"The authorization code was issued to another client.", 70000)
	case form.Get("redirect_uri") != c.req.redirectURI:
		return nil, tokenInvalidGrant(
			"The redirect_uri does not match the one of the authorization request.", 70000)
	}
	verifier := form.Get("code_verifier")
	switch {
	case verifier == "":
		return nil, tokenInvalidGrant("The code_verifier is missing.", 501481)
	case !isPKCEValue(verifier):
		return nil, tokenInvalidGrant("The code_verifier is malformed.", 501481)
	case s256(verifier) != c.req.challenge:
		return nil, tokenInvalidGrant(
			"The code_verifier does not match the code_challenge.", 501481)
	}

	c.used = true
	g := s.newGrantLocked(f, clientID, c.address, c.req.scopes, c.withRefresh)
	s.stats.Exchanges++
	return s.tokenResponseLocked(g, g.refreshToken, g.scopes), nil
}

// refreshLocked runs the refresh_token grant, rotating the refresh token
// if rotation is on.
func (s *OAuthServer) refreshLocked(f oauthFlavor, clientID string,
	form url.Values) (*tokenResponse, *tokenError) {
	rt := form.Get("refresh_token")
	if rt == "" {
		return nil, tokenMissingParameter("refresh_token")
	}
	g, ok := s.refresh[rt]
	switch {
	case !ok || g.flavor != f:
		return nil, tokenInvalidGrant("The refresh token is not valid or was rotated out.", 70000)
	case g.revoked:
		return nil, tokenInvalidGrant("The refresh token has been expired or revoked.", 50173)
	case g.clientID != clientID:
		return nil, tokenInvalidGrant("The refresh token was issued to another client.", 70000)
	}
	scopes := g.scopes
	if asked := strings.Fields(form.Get("scope")); len(asked) > 0 {
		for _, sc := range asked {
			if !slices.Contains(g.scopes, sc) {
				return nil, &tokenError{status: http.StatusBadRequest, code: "invalid_scope",
					desc: "The requested scope exceeds the grant.", aadsts: 70011}
			}
		}
		scopes = uniqueScopes(asked)
	}

	rotated := ""
	if s.rotation {
		delete(s.refresh, rt)
		g.refreshToken = f.newSecret('r')
		s.refresh[g.refreshToken] = g
		rotated = g.refreshToken
	}
	s.stats.Refreshes++
	return s.tokenResponseLocked(g, rotated, scopes), nil
}

// tokenResponseLocked issues an access token for g and builds the answer,
// with refreshToken unless it is "".
func (s *OAuthServer) tokenResponseLocked(g *oauthGrant, refreshToken string,
	scopes []string) *tokenResponse {
	access, ttl := s.issueAccessLocked(g)
	resp := &tokenResponse{
		AccessToken:  access,
		TokenType:    "Bearer",
		ExpiresIn:    expiresIn(ttl),
		RefreshToken: refreshToken,
		Scope:        strings.Join(scopes, " "),
	}
	if g.flavor == oauthMicrosoft {
		resp.ExtExpiresIn = resp.ExpiresIn
	}
	return resp
}

// s256 returns the S256 code challenge of a PKCE verifier.
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
