package graphfake

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// call is one API request on its way through the server.
type call struct {
	s    *Server
	r    *http.Request
	mb   *mailbox
	body []byte
	// base is the path prefix the client used, "/v1.0/me" or
	// "/v1.0/users/{user}", for links in answers.
	base        string
	prefs       prefs
	upload      *upload
	admitted    bool
	requestID   string
	clientReqID string
}

// reply is an answer a handler builds; the pipeline writes it after the
// server's lock is released.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func newCall(s *Server, r *http.Request) *call {
	c := &call{s: s, r: r, requestID: newUUID(), prefs: parsePrefs(r.Header)}
	c.clientReqID = r.Header.Get("client-request-id")
	if c.clientReqID == "" {
		c.clientReqID = c.requestID
	}
	c.base = "/v1.0/me"
	if u := r.PathValue("user"); u != "" {
		c.base = "/v1.0/users/" + url.PathEscape(u)
	}
	return c
}

// authenticate finds the mailbox the request acts on, or answers it.
func (c *call) authenticate(kind routeKind) (reply, bool) {
	s := c.s
	if kind == kindUpload {
		return c.authenticateUpload()
	}
	scheme, token, _ := strings.Cut(c.r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return c.unauthorized("Access token is empty."), false
	}
	address, ok := s.auth.Authenticate(strings.TrimSpace(token))
	if !ok {
		return c.unauthorized("Access token validation failure. Invalid or expired token."), false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c.mb = s.mailboxes[strings.ToLower(address)]
	if c.mb == nil {
		if kind == kindUser {
			return c.fail(http.StatusNotFound, "Request_ResourceNotFound",
				"Resource does not exist or one of its queried reference-property objects "+
					"are not present."), false
		}
		return c.notEnabled(), false
	}
	if u := c.r.PathValue("user"); u != "" &&
		!strings.EqualFold(u, c.mb.address) && !strings.EqualFold(u, c.mb.userID) {
		c.mb = nil
		return c.fail(http.StatusForbidden, "ErrorAccessDenied",
			"Access is denied. Check credentials and try again."), false
	}
	if kind == kindMail && c.mb.disabled {
		c.mb = nil
		return c.notEnabled(), false
	}
	return reply{}, true
}

func (c *call) unauthorized(msg string) reply {
	rep := c.fail(http.StatusUnauthorized, "InvalidAuthenticationToken", msg)
	rep.header.Set("WWW-Authenticate", `Bearer realm="", error="invalid_token"`)
	return rep
}

func (c *call) notEnabled() reply {
	return c.fail(http.StatusNotFound, "MailboxNotEnabledForRESTAPI",
		"The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
}

// readBody reads the request body, gunzipping it if the client compressed
// it, and enforces Graph's request size limit.
func (c *call) readBody(kind routeKind) (reply, bool) {
	limit := int64(maxRequestBody)
	if kind == kindUpload {
		limit = maxChunk
	}
	var r io.Reader = c.r.Body
	switch enc := strings.ToLower(strings.TrimSpace(c.r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(c.r.Body)
		if err != nil {
			return c.fail(http.StatusBadRequest, "BadRequest",
				"The request body is not valid gzip."), false
		}
		defer zr.Close()
		r = zr
	default:
		return c.fail(http.StatusUnsupportedMediaType, "UnsupportedMediaType",
			fmt.Sprintf("Content-Encoding %q is not supported.", enc)), false
	}
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return c.fail(http.StatusBadRequest, "BadRequest",
			"The request body could not be read."), false
	}
	if int64(len(body)) > limit {
		if kind == kindUpload {
			return c.rangeError(http.StatusBadRequest, "maxFragmentLengthExceeded",
				"A fragment may hold at most 4 MB."), false
		}
		return c.fail(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			"The request body exceeds 4 MB; attach large files with an upload session."), false
	}
	c.body = body
	return reply{}, true
}

// decode unmarshals the JSON request body into v. Graph matches action
// parameter names without regard to case ("Message" and "message"), and so
// does encoding/json.
func (c *call) decode(v any) (reply, bool) {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return c.fail(http.StatusBadRequest, "ErrorInvalidRequest",
			"Empty Payload. JSON content expected."), false
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return c.fail(http.StatusBadRequest, "RequestBodyRead",
			"The request body is not valid JSON for this call."), false
	}
	return reply{}, true
}

// json answers with v as JSON.
func (c *call) json(status int, v any) reply {
	b, err := json.Marshal(v)
	if err != nil {
		return c.fail(http.StatusInternalServerError, "generalException", "encode answer")
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json; odata.metadata=minimal; odata.streaming=true; "+
		"IEEE754Compatible=false; charset=utf-8")
	return reply{status: status, header: h, body: b}
}

// empty answers with a status and no body.
func (c *call) empty(status int) reply {
	return reply{status: status, header: http.Header{}}
}

// fail answers with Graph's error shape.
func (c *call) fail(status int, code, msg string) reply {
	return c.failInner(status, code, msg, "")
}

// failInner answers with Graph's error shape and a detailed code in
// innerError.
func (c *call) failInner(status int, code, msg, innerCode string) reply {
	inner := map[string]any{
		"date":              time.Now().UTC().Format("2006-01-02T15:04:05"),
		"request-id":        c.requestID,
		"client-request-id": c.clientReqID,
	}
	if innerCode != "" {
		inner["code"] = innerCode
	}
	return c.json(status, map[string]any{"error": map[string]any{
		"code": code, "message": msg, "innerError": inner,
	}})
}

func (c *call) notFound() reply {
	return c.fail(http.StatusNotFound, "ErrorItemNotFound",
		"The specified object was not found in the store.")
}

func (c *call) badRequest(msg string) reply {
	return c.fail(http.StatusBadRequest, "ErrorInvalidRequest", msg)
}

// retryAfter adds a Retry-After header in whole seconds, rounded up.
func (rep reply) retryAfter(d time.Duration) reply {
	if d > 0 {
		secs := int((d + time.Second - 1) / time.Second)
		rep.header.Set("Retry-After", strconv.Itoa(secs))
	}
	return rep
}

// write sends rep with the headers Graph puts on every answer.
func (c *call) write(w http.ResponseWriter, rep reply) {
	h := w.Header()
	for k, v := range rep.header {
		h[k] = v
	}
	h.Set("request-id", c.requestID)
	h.Set("client-request-id", c.clientReqID)
	if applied := c.prefs.appliedHeader(); applied != "" {
		h.Set("Preference-Applied", applied)
	}
	if rep.body != nil {
		h.Set("Content-Length", strconv.Itoa(len(rep.body)))
	}
	w.WriteHeader(rep.status)
	if rep.body != nil {
		_, _ = w.Write(rep.body)
	}
}

// link is an absolute URL under the path prefix the client used.
func (c *call) link(path string) string {
	return c.s.URL() + c.base + path
}

// self is the URL of the current request with the query q, for the
// nextLink of a collection.
func (c *call) self(q url.Values) string {
	return c.s.URL() + c.r.URL.EscapedPath() + "?" + q.Encode()
}

// context is an @odata.context value.
func (c *call) context(fragment string) string {
	return c.s.URL() + "/v1.0/$metadata#" + fragment
}

// userContext is an @odata.context value under users('{id}').
func (c *call) userContext(fragment string) string {
	return c.context("users('" + url.PathEscape(c.mb.userID) + "')/" + fragment)
}
