package graphfake

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	ada = "ada@example.com"
	bob = "bob@example.com"
)

// tokens is a test Authenticator: token -> address.
type tokens map[string]string

func (t tokens) Authenticate(token string) (string, bool) {
	a, ok := t[token]
	return a, ok
}

// fixture is a fake with two mailboxes, Ada's and Bob's.
type fixture struct {
	t *testing.T
	s *Server
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	s := New(tokens{"tok-ada": ada, "tok-bob": bob, "tok-nobody": "nobody@example.com"})
	t.Cleanup(s.Close)
	s.AddMailbox(ada, "Ada Lovelace")
	s.AddMailbox(bob, "Bob Babbage")
	return &fixture{t: t, s: s}
}

// response is an answer, with its JSON decoded when it has some.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// call sends a request as Ada. path is relative to /v1.0 unless it is an
// absolute URL. body is JSON-encoded unless it is []byte. headers are
// name, value pairs; an Authorization of "" sends none.
func (f *fixture) call(method, path string, body any, headers ...string) response {
	f.t.Helper()
	url := path
	if !strings.HasPrefix(path, "http") {
		url = f.s.URL() + "/v1.0" + path
	}
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(f.t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(f.t, err)
	req.Header.Set("Authorization", "Bearer tok-ada")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Add(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(f.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(f.t, err)
	out := response{status: res.StatusCode, header: res.Header, raw: raw}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") && len(raw) > 0 {
		require.NoError(f.t, json.Unmarshal(raw, &out.body), string(raw))
	}
	return out
}

// imm is the Prefer header that asks for immutable IDs.
var imm = []string{"Prefer", `IdType="ImmutableId"`}

// with appends header pairs to imm.
func with(pairs ...string) []string { return append(append([]string{}, imm...), pairs...) }

// value returns the "value" array of a collection answer.
func (r response) value() []map[string]any {
	items, _ := r.body["value"].([]any)
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		out = append(out, it.(map[string]any))
	}
	return out
}

// errorCode returns error.code of an error answer.
func (r response) errorCode() string {
	e, _ := r.body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func (r response) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

// idsOf returns the "id" of each item.
func idsOf(items []map[string]any) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it["id"].(string))
	}
	return out
}

// eml builds a small RFC 822 message.
func eml(from, to, subject, body string, extra ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\n", from, to, subject)
	fmt.Fprintf(&b, "Date: Mon, 02 Jan 2006 15:04:05 +0000\r\n")
	for i := 0; i+1 < len(extra); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", extra[i], extra[i+1])
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(body)
	return []byte(b.String())
}

// deliver delivers n plain messages to address's folder and returns their
// immutable IDs in delivery order.
func (f *fixture) deliver(address, folder string, n int) []string {
	f.t.Helper()
	var out []string
	for i := range n {
		id, err := f.s.Deliver(address, folder,
			eml("Carol <carol@example.org>", address, fmt.Sprintf("note %d", i), "hello"))
		require.NoError(f.t, err)
		out = append(out, id)
	}
	return out
}

// gz compresses b with gzip.
func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}
