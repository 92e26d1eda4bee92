package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	sessionCookie = "mm_session"
	sessionTTL    = 12 * time.Hour
	csrfField     = "csrf"
)

// user is a person who can sign in. A real host has its own user records;
// the example knows two.
type user struct {
	ID    string
	Name  string
	Email string
	Admin bool
}

func defaultUsers() []user {
	return []user{
		{ID: "ada", Name: "Ada Lovelace", Email: "ada@demo.example", Admin: true},
		{ID: "grace", Name: "Grace Hopper", Email: "grace@demo.example"},
	}
}

// session is what the signed session cookie carries. Every visitor has
// one, signed in or not, so that even the sign-in form is protected
// against cross-site requests.
type session struct {
	ID      string `json:"i"`
	User    string `json:"u,omitempty"`
	Expires int64  `json:"e"`
}

// sessions signs and checks session cookies with an HMAC key, and derives
// each session's CSRF token from it. It keeps nothing on the server.
type sessions struct {
	key    []byte
	secure bool
	now    func() time.Time
}

func newSessions(appKey []byte, secure bool) *sessions {
	mac := hmac.New(sha256.New, appKey)
	mac.Write([]byte("webapp session cookie v1"))
	return &sessions{key: mac.Sum(nil), secure: secure, now: time.Now}
}

func (s *sessions) sign(payload []byte) []byte {
	mac := hmac.New(sha256.New, s.key)
	mac.Write(payload)
	return mac.Sum(nil)
}

// load returns the session of a request, or nil when the cookie is
// missing, forged or expired.
func (s *sessions) load(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) > 1024 {
		return nil
	}
	body, sig, ok := strings.Cut(c.Value, ".")
	if !ok {
		return nil
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(body)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, s.sign(payload)) {
		return nil
	}
	var sess session
	if json.Unmarshal(payload, &sess) != nil || sess.ID == "" {
		return nil
	}
	if s.now().Unix() >= sess.Expires {
		return nil
	}
	return &sess
}

// start makes a new session for userID ("" for a visitor) with a fresh ID,
// and sets its cookie.
func (s *sessions) start(w http.ResponseWriter, userID string) *session {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("webapp: crypto/rand failed: " + err.Error())
	}
	sess := &session{
		ID:      hex.EncodeToString(b),
		User:    userID,
		Expires: s.now().Add(sessionTTL).Unix(),
	}
	payload, _ := json.Marshal(sess)
	enc := base64.RawURLEncoding
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    enc.EncodeToString(payload) + "." + enc.EncodeToString(s.sign(payload)),
		Path:     "/",
		Expires:  time.Unix(sess.Expires, 0),
		HttpOnly: true,
		Secure:   s.secure,
		SameSite: http.SameSiteLaxMode,
	})
	return sess
}

// csrf returns the token forms of a session carry.
func (s *sessions) csrf(sess *session) string {
	return base64.RawURLEncoding.EncodeToString(s.sign([]byte("csrf|" + sess.ID)))
}

// validCSRF reports whether token is the session's.
func (s *sessions) validCSRF(sess *session, token string) bool {
	got, err := base64.RawURLEncoding.DecodeString(token)
	return err == nil && hmac.Equal(got, s.sign([]byte("csrf|"+sess.ID)))
}

type sessionKey struct{}

// sessionOf returns the session the middleware attached to the request.
func sessionOf(r *http.Request) *session {
	sess, _ := r.Context().Value(sessionKey{}).(*session)
	return sess
}

// withSession gives every request a session, starting one for a new
// visitor, and refuses a POST without the session's CSRF token. A POST
// body may hold up to maxUpload bytes; a multipart form is parsed here,
// files beyond 8 MB going to temporary files, so the token can be read.
func (a *app) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := a.sessions.load(r)
		if sess == nil {
			sess = a.sessions.start(w, "")
		}
		r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess))

		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
			var err error
			if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
				err = r.ParseMultipartForm(8 << 20)
			} else {
				err = r.ParseForm()
			}
			if err != nil {
				a.fail(w, r, http.StatusRequestEntityTooLarge,
					errors.New("webapp: form too large or malformed"))
				return
			}
			if !a.sessions.validCSRF(sess, r.PostFormValue(csrfField)) {
				a.fail(w, r, http.StatusForbidden, errCSRF)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// errCSRF is the failure of a form sent without its session's token.
var errCSRF = errors.New("webapp: form token missing or wrong")

// currentUser returns the signed-in user of a request; the Manager calls
// it as Config.CurrentUser.
func (a *app) currentUser(r *http.Request) (string, error) {
	sess := sessionOf(r)
	if sess == nil {
		sess = a.sessions.load(r)
	}
	if sess == nil || sess.User == "" {
		return "", errors.New("webapp: not signed in")
	}
	return sess.User, nil
}

// user returns the signed-in user, or nil.
func (a *app) user(r *http.Request) *user {
	id, err := a.currentUser(r)
	if err != nil {
		return nil
	}
	for i := range a.users {
		if a.users[i].ID == id {
			return &a.users[i]
		}
	}
	return nil
}

// signedIn wraps a handler that needs a signed-in user; others are sent to
// the sign-in page.
func (a *app) signedIn(h func(http.ResponseWriter, *http.Request, *user)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u := a.user(r)
		if u == nil {
			if r.Method == http.MethodGet {
				next := "/?next=" + url.QueryEscape(r.URL.RequestURI())
				http.Redirect(w, r, next, http.StatusSeeOther)
				return
			}
			a.fail(w, r, http.StatusUnauthorized, errors.New("webapp: not signed in"))
			return
		}
		h(w, r, u)
	}
}

// handleFront shows the sign-in page to visitors and sends users to their
// mail.
func (a *app) handleFront(w http.ResponseWriter, r *http.Request) {
	if a.user(r) != nil {
		http.Redirect(w, r, "/mail", http.StatusSeeOther)
		return
	}
	a.render(w, r, view{Name: "signin", Title: "Sign in", Content: &signinPage{
		Users:     a.users,
		Providers: a.providerNames(),
		Next:      localPath(r.URL.Query().Get("next"), ""),
	}})
}

type signinPage struct {
	Users     []user
	Providers []string
	Next      string
}

// handleSignIn signs a user in, with a new session ID.
func (a *app) handleSignIn(w http.ResponseWriter, r *http.Request) {
	id := r.PostFormValue("user")
	for _, u := range a.users {
		if u.ID == id {
			a.sessions.start(w, u.ID)
			a.log.Info("signed in", "user", u.ID)
			next := localPath(r.PostFormValue("next"), "/mail")
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
	}
	a.fail(w, r, http.StatusBadRequest, errors.New("webapp: unknown user"))
}

// handleSignOut ends the session.
func (a *app) handleSignOut(w http.ResponseWriter, r *http.Request) {
	a.sessions.start(w, "")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
