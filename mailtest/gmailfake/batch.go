package gmailfake

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
)

// maxBatch is the most calls Gmail takes in one batch request.
const maxBatch = 100

// batchPart is one inner request of a batch.
type batchPart struct {
	contentID string
	data      []byte
}

// serveBatch serves the batch endpoint: a multipart/mixed body of
// application/http parts, each a whole inner request, answered by a
// multipart/mixed body of inner responses in the same order. Every inner
// call is admitted on its own: fault hook, authorization (its own header,
// else the outer one) and quota.
func (s *Server) serveBatch(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.BatchRequests++
	fault := s.fault
	s.mu.Unlock()
	if fault != nil {
		if status, retryAfter := fault(r); status != 0 {
			s.mu.Lock()
			s.stats.Faults++
			s.mu.Unlock()
			s.fail(w, faultError(status, retryAfter))
			return
		}
	}
	parts, e := readBatch(r)
	if e != nil {
		s.fail(w, e)
		return
	}

	var out bytes.Buffer
	mw := multipart.NewWriter(&out)
	var b [12]byte
	_, _ = rand.Read(b[:])
	_ = mw.SetBoundary("batch_" + hex.EncodeToString(b[:]))
	for i, p := range parts {
		rec := s.innerCall(r.Context(), p.data, r.Header.Get("Authorization"))
		id := p.contentID
		if id == "" {
			id = fmt.Sprint(i + 1)
		}
		pw, _ := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type": {"application/http"},
			"Content-ID":   {"<response-" + id + ">"},
		})
		writeInnerResponse(pw, rec)
	}
	_ = mw.Close()

	w.Header().Set("Content-Type", "multipart/mixed; boundary="+mw.Boundary())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out.Bytes())
}

// readBatch splits a batch request into its inner requests.
func readBatch(r *http.Request) ([]batchPart, *apiError) {
	if r.Method != http.MethodPost {
		return nil, badRequest("Batch requests must be POST")
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" || params["boundary"] == "" {
		return nil, badRequest("Batch requests must be multipart/mixed with a boundary")
	}
	body, e := readBody(r)
	if e != nil {
		return nil, e
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var parts []batchPart
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, badRequest("Invalid multipart batch body: %v", err)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, badRequest("Invalid multipart batch body: %v", err)
		}
		id := strings.Trim(strings.TrimSpace(p.Header.Get("Content-ID")), "<>")
		parts = append(parts, batchPart{contentID: id, data: data})
		if len(parts) > maxBatch {
			return nil, badRequest("Too many requests in batch: at most %d", maxBatch)
		}
	}
	if len(parts) == 0 {
		return nil, badRequest("Empty batch request")
	}
	return parts, nil
}

// innerCall serves one inner request of a batch into a recorder.
func (s *Server) innerCall(ctx context.Context, data []byte,
	outerAuth string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.mu.Lock()
	s.stats.BatchCalls++
	s.mu.Unlock()
	req, err := parseInner(ctx, data)
	if err != nil {
		s.fail(rec, badRequest("Invalid inner request: %v", err))
		return rec
	}
	rest, ok := strings.CutPrefix(req.URL.EscapedPath(), "/gmail/v1/users/")
	rt, routedOK := route(req.Method, rest)
	if !ok || !routedOK {
		s.fail(rec, &apiError{status: http.StatusNotFound, reason: "notFound",
			message: "Method not found."})
		return rec
	}
	body, e := readBody(req)
	if e != nil {
		s.fail(rec, e)
		return rec
	}
	authz := req.Header.Get("Authorization")
	if authz == "" {
		authz = outerAuth
	}
	c, e := s.admit(req, rt, authz)
	if e != nil {
		s.fail(rec, e)
		return rec
	}
	c.body = body
	s.respond(rec, c)
	return rec
}

// parseInner reads an inner request: a request line (the protocol may be
// left out), headers, a blank line and the body.
func parseInner(ctx context.Context, data []byte) (*http.Request, error) {
	br := bufio.NewReader(bytes.NewReader(data))
	var line string
	var err error
	for strings.TrimSpace(line) == "" && err == nil {
		line, err = br.ReadString('\n')
	}
	if strings.TrimSpace(line) == "" {
		return nil, errors.New("no request line")
	}
	fields := strings.Fields(line)
	if len(fields) < 2 || len(fields) > 3 {
		return nil, fmt.Errorf("bad request line %q", strings.TrimSpace(line))
	}
	hdr, err := textproto.NewReader(br).ReadMIMEHeader()
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("bad headers: %w", err)
	}
	body, _ := io.ReadAll(br)
	req, err := http.NewRequestWithContext(ctx, fields[0], fields[1], bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("bad request target: %w", err)
	}
	req.Header = http.Header(hdr)
	if req.Header == nil {
		req.Header = http.Header{}
	}
	return req, nil
}

// writeInnerResponse writes a recorded answer as an HTTP/1.1 response.
func writeInnerResponse(w io.Writer, rec *httptest.ResponseRecorder) {
	fmt.Fprintf(w, "HTTP/1.1 %d %s\r\n", rec.Code, http.StatusText(rec.Code))
	_ = rec.Header().Write(w)
	_, _ = io.WriteString(w, "\r\n")
	_, _ = w.Write(rec.Body.Bytes())
}
