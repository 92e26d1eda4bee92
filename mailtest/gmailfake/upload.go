package gmailfake

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
)

// maxUpload is Gmail's limit on the size of a message.
const maxUpload = 35 << 20

// uploadSession is a resumable upload begun and not yet complete.
type uploadSession struct {
	c    *call // the admitted call that began it
	data []byte
}

func tooLarge() *apiError {
	return &apiError{
		status:  http.StatusRequestEntityTooLarge,
		reason:  "uploadTooLarge",
		message: "Request Entity Too Large",
	}
}

func uploadable(op string) bool {
	switch op {
	case "messages.send", "drafts.create", "drafts.update", "drafts.send":
		return true
	}
	return false
}

// serveUpload serves the media upload forms of send and drafts calls:
// uploadType media, multipart and resumable.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request, rest string) {
	if id := r.URL.Query().Get("upload_id"); id != "" {
		s.serveChunk(w, r, id)
		return
	}
	rt, ok := route(r.Method, rest)
	if !ok || !uploadable(rt.op) {
		s.fail(w, &apiError{status: http.StatusNotFound, reason: "notFound",
			message: "Method not found."})
		return
	}
	body, e := readBody(r)
	if e != nil {
		s.fail(w, e)
		return
	}
	c, e := s.admit(r, rt, r.Header.Get("Authorization"))
	if e != nil {
		s.fail(w, e)
		return
	}

	switch r.URL.Query().Get("uploadType") {
	case "media":
		c.media, c.hasMedia = body, true
	case "multipart":
		c.body, c.media, e = splitRelated(r.Header.Get("Content-Type"), body)
		c.hasMedia = true
	case "resumable":
		s.beginResumable(w, r, c, body)
		return
	default:
		e = badRequest("Invalid uploadType: %q", r.URL.Query().Get("uploadType"))
	}
	if e == nil && len(c.media) > maxUpload {
		e = tooLarge()
	}
	if e != nil {
		s.fail(w, e)
		return
	}
	s.respond(w, c)
}

// splitRelated splits a multipart/related upload into its JSON metadata
// and its media.
func splitRelated(contentType string, body []byte) ([]byte, []byte, *apiError) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.HasPrefix(mt, "multipart/") || params["boundary"] == "" {
		return nil, nil, badRequest("Invalid multipart upload: bad Content-Type")
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var parts [][]byte
	for len(parts) < 2 {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return nil, nil, badRequest("Invalid multipart upload: %v", err)
		}
		parts = append(parts, b)
	}
	if len(parts) != 2 {
		return nil, nil, badRequest("Invalid multipart upload: want metadata and media")
	}
	return parts[0], parts[1], nil
}

// beginResumable starts a resumable upload and answers with its URL.
func (s *Server) beginResumable(w http.ResponseWriter, r *http.Request, c *call, meta []byte) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	c.body = meta

	s.mu.Lock()
	s.uploads[id] = &uploadSession{c: c}
	s.mu.Unlock()

	w.Header().Set("Location", s.URL()+r.URL.EscapedPath()+
		"?uploadType=resumable&upload_id="+id)
	w.Header().Set("X-Guploader-Uploadid", id)
	w.WriteHeader(http.StatusOK)
}

// serveChunk takes one chunk of a resumable upload. The last chunk runs
// the call and answers with its result; the others answer "308 Resume
// Incomplete", as a 200 with an override header when the client asks so.
func (s *Server) serveChunk(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	sess := s.uploads[id]
	fault := s.fault
	s.mu.Unlock()
	if sess == nil {
		s.fail(w, notFound())
		return
	}
	if fault != nil {
		if status, retryAfter := fault(r); status != 0 {
			s.mu.Lock()
			s.stats.Faults++
			s.mu.Unlock()
			s.fail(w, faultError(status, retryAfter))
			return
		}
	}
	address, e := s.authenticate(r.Header.Get("Authorization"), "me")
	if e == nil && address != sess.c.mb.address {
		e = delegationDenied(address)
	}
	if e != nil {
		s.fail(w, e)
		return
	}
	body, e := readBody(r)
	if e != nil {
		s.fail(w, e)
		return
	}
	start, total, ok := parseContentRange(r.Header.Get("Content-Range"))
	if !ok {
		s.fail(w, badRequest("Invalid Content-Range"))
		return
	}

	s.mu.Lock()
	n := len(sess.data)
	if start <= n && start+len(body) > n {
		sess.data = append(sess.data, body[n-start:]...)
	}
	n = len(sess.data)
	done := total >= 0 && n >= total
	if done || start > n || n > maxUpload {
		delete(s.uploads, id)
	}
	s.mu.Unlock()

	switch {
	case start > n:
		s.fail(w, badRequest("Invalid Content-Range: gap at byte %d", n))
	case n > maxUpload:
		s.fail(w, tooLarge())
	case done:
		c := *sess.c
		c.media, c.hasMedia = sess.data, true
		s.respond(w, &c)
	default:
		if n > 0 {
			w.Header().Set("Range", fmt.Sprintf("bytes=0-%d", n-1))
		}
		if r.Header.Get("X-Guploader-No-308") == "yes" {
			w.Header().Set("X-Http-Status-Code-Override", "308")
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(http.StatusPermanentRedirect)
	}
}

// parseContentRange reads "bytes a-b/total", "bytes a-b/*" or
// "bytes */total"; total is -1 when unknown.
func parseContentRange(v string) (start, total int, ok bool) {
	spec, found := strings.CutPrefix(strings.TrimSpace(v), "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, size, found := strings.Cut(spec, "/")
	if !found {
		return 0, 0, false
	}
	total = -1
	if size != "*" {
		t, err := strconv.Atoi(size)
		if err != nil || t < 0 {
			return 0, 0, false
		}
		total = t
	}
	if rng == "*" {
		return max(total, 0), total, total >= 0
	}
	first, _, found := strings.Cut(rng, "-")
	start, err := strconv.Atoi(first)
	if !found || err != nil || start < 0 {
		return 0, 0, false
	}
	return start, total, true
}
