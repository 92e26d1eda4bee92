package mailtest

import (
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strings"
)

// oauthMaxForm limits the body of form posts to the OAuthServer.
const oauthMaxForm = 64 << 10

// oauthPageError is an authorize request refused with an HTML error page.
type oauthPageError struct {
	code        string
	description string
}

// handleAuthorize serves GET on an authorize endpoint: it validates the
// request, then consents at once or shows the interactive page.
func (s *OAuthServer) handleAuthorize(f oauthFlavor) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, perr := s.parseAuthorize(f, r.URL.Query())
		if perr != nil {
			s.renderError(w, f, perr)
			return
		}

		s.mu.Lock()
		interactive, address := s.interactive, s.address
		id := ""
		if interactive {
			s.sweepLocked()
			id = oauthRandom(18)
			s.consents[id] = &pendingConsent{req: req, expires: s.clock().Add(consentTTL)}
		}
		s.mu.Unlock()
		if req.loginHint != "" {
			address = req.loginHint
		}

		if !interactive {
			s.decide(w, r, req, address)
			return
		}
		s.renderConsent(w, http.StatusOK, consentView{
			action:    r.URL.EscapedPath(),
			consentID: id,
			req:       req,
			address:   address,
		})
	}
}

// handleConsent serves the POST of the interactive consent page.
func (s *OAuthServer) handleConsent(f oauthFlavor) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, oauthMaxForm)
		if err := r.ParseForm(); err != nil {
			s.renderError(w, f, &oauthPageError{"invalid_request", "The form could not be read."})
			return
		}
		id := r.PostForm.Get("consent")

		s.mu.Lock()
		p := s.consents[id]
		delete(s.consents, id)
		stale := p == nil || p.req.flavor != f || !s.clock().Before(p.expires)
		s.mu.Unlock()
		if stale {
			s.renderError(w, f, &oauthPageError{"invalid_request",
				"This sign-in request is unknown, answered or expired. Start again from the app."})
			return
		}

		switch r.PostForm.Get("decision") {
		case "deny":
			s.deny(w, r, p.req)
		case "allow":
			addr := oauthAddress(r.PostForm.Get("address"))
			if !isOAuthMailbox(addr) {
				s.mu.Lock()
				s.consents[id] = p
				s.mu.Unlock()
				s.renderConsent(w, http.StatusBadRequest, consentView{
					action:    r.URL.EscapedPath(),
					consentID: id,
					req:       p.req,
					address:   r.PostForm.Get("address"),
					problem:   "Enter an email address such as user@example.com.",
				})
				return
			}
			s.decide(w, r, p.req, addr)
		default:
			s.renderError(w, f, &oauthPageError{"invalid_request", "Choose Allow or Deny."})
		}
	}
}

// parseAuthorize validates an authorize request the way the providers do
// before they show any consent: every failure is an error page, not a
// redirect.
func (s *OAuthServer) parseAuthorize(f oauthFlavor, q url.Values) (*authRequest, *oauthPageError) {
	for k, v := range q {
		if len(v) > 1 {
			return nil, &oauthPageError{"invalid_request", "Parameter " + k + " is repeated."}
		}
	}
	missing := func(name string) *oauthPageError {
		return &oauthPageError{"invalid_request", "Missing required parameter: " + name}
	}

	clientID := q.Get("client_id")
	if clientID == "" {
		return nil, missing("client_id")
	}
	s.mu.Lock()
	_, known := s.clients[clientID]
	s.mu.Unlock()
	if !known {
		return nil, &oauthPageError{"invalid_client", "The OAuth client was not found."}
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" {
		return nil, missing("redirect_uri")
	}
	if !isRedirectURI(redirect) {
		return nil, &oauthPageError{"invalid_request",
			"redirect_uri must be an absolute http or https URL without a fragment."}
	}
	if rt := q.Get("response_type"); rt != "code" {
		return nil, &oauthPageError{"unsupported_response_type",
			fmt.Sprintf("response_type must be code, not %q.", rt)}
	}
	if rm := q.Get("response_mode"); rm != "" && rm != "query" {
		return nil, &oauthPageError{"invalid_request", "Only response_mode=query is supported."}
	}
	scopes := strings.Fields(q.Get("scope"))
	if len(scopes) == 0 {
		return nil, missing("scope")
	}
	state := q.Get("state")
	if state == "" {
		return nil, missing("state")
	}
	challenge := q.Get("code_challenge")
	if challenge == "" {
		return nil, missing("code_challenge")
	}
	if q.Get("code_challenge_method") != "S256" {
		return nil, &oauthPageError{"invalid_request", "code_challenge_method must be S256."}
	}
	if !isPKCEValue(challenge) {
		return nil, &oauthPageError{"invalid_request", "code_challenge is malformed."}
	}

	req := &authRequest{
		flavor:      f,
		clientID:    clientID,
		redirectURI: redirect,
		state:       state,
		scopes:      uniqueScopes(scopes),
		challenge:   challenge,
	}
	if hint := oauthAddress(q.Get("login_hint")); isOAuthMailbox(hint) {
		req.loginHint = hint
	}
	if f == oauthGoogle {
		switch at := q.Get("access_type"); at {
		case "", "online":
		case "offline":
			req.offline = true
		default:
			return nil, &oauthPageError{"invalid_request",
				fmt.Sprintf("Invalid access_type: %q.", at)}
		}
		req.consent = slices.Contains(strings.Fields(q.Get("prompt")), "consent")
	}
	return req, nil
}

// decide answers req as the mailbox address: with an authorization code,
// or with access_denied if the mailbox was set to decline.
//
// QUIRK: Google issues a refresh token only for access_type=offline, and
// then only at the first consent of a mailbox to a client or when
// prompt=consent forces a new one; Microsoft issues one whenever the
// offline_access scope is granted.
// https://developers.google.com/identity/protocols/oauth2/web-server#offline
func (s *OAuthServer) decide(w http.ResponseWriter, r *http.Request, req *authRequest,
	address string) {
	s.mu.Lock()
	if s.denied[address] {
		s.mu.Unlock()
		s.deny(w, r, req)
		return
	}
	key := clientAddress{req.clientID, address}
	withRefresh := slices.Contains(req.scopes, "offline_access")
	if req.flavor == oauthGoogle {
		withRefresh = req.offline && (req.consent || !s.consented[key])
	}
	s.consented[key] = true
	s.sweepLocked()
	code := req.flavor.newSecret('c')
	s.codes[code] = &authCode{
		req:         req,
		address:     address,
		withRefresh: withRefresh,
		expires:     s.clock().Add(authCodeTTL),
	}
	s.stats.Authorizations++
	s.mu.Unlock()

	oauthRedirect(w, r, req.redirectURI, url.Values{"code": {code}, "state": {req.state}})
}

// deny redirects with error=access_denied.
func (s *OAuthServer) deny(w http.ResponseWriter, r *http.Request, req *authRequest) {
	s.mu.Lock()
	s.stats.Denials++
	s.mu.Unlock()
	params := url.Values{"error": {"access_denied"}, "state": {req.state}}
	if req.flavor == oauthMicrosoft {
		params.Set("error_description",
			"AADSTS65004: The user declined to consent to access the app.")
	}
	oauthRedirect(w, r, req.redirectURI, params)
}

// oauthRedirect redirects to target with params added to its query.
func oauthRedirect(w http.ResponseWriter, r *http.Request, target string, params url.Values) {
	u, err := url.Parse(target)
	if err != nil {
		http.Error(w, "mailtest: invalid redirect_uri", http.StatusInternalServerError)
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// isRedirectURI reports whether s is an absolute http or https URL with a
// host and no fragment.
func isRedirectURI(s string) bool {
	u, err := url.Parse(s)
	if err != nil || strings.Contains(s, "#") {
		return false
	}
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// isPKCEValue reports whether s is a well-formed PKCE code verifier or S256
// challenge: 43 to 128 characters from the unreserved set of RFC 7636.
func isPKCEValue(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for _, c := range []byte(s) {
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~'
		if !ok {
			return false
		}
	}
	return true
}

// uniqueScopes returns scopes without repeats, in their first order.
func uniqueScopes(scopes []string) []string {
	var out []string
	for _, sc := range scopes {
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// isOAuthMailbox reports whether addr is a bare email address.
func isOAuthMailbox(addr string) bool {
	a, err := mail.ParseAddress(addr)
	return err == nil && a.Name == "" && a.Address == addr
}
