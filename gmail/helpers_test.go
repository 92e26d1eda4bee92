package gmail_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/gmail"
	"github.com/mailmanager/mailmanager/mailtest/gmailfake"
)

const (
	alice      = "alice@example.com"
	aliceToken = "token-alice"
)

// tokens is a stub Authenticator mapping access tokens to addresses.
type tokens map[string]string

func (t tokens) Authenticate(accessToken string) (string, bool) {
	a, ok := t[accessToken]
	return a, ok
}

// recorder is a transport that notes the method and URL of every request.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	reqs []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Method+" "+req.URL.RequestURI())
	r.mu.Unlock()
	return r.base.RoundTrip(req)
}

// requests returns the requests made so far whose line contains s.
func (r *recorder) requests(s string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, q := range r.reqs {
		if strings.Contains(q, s) {
			out = append(out, q)
		}
	}
	return out
}

// env is a fake Gmail server with Alice's mailbox opened through the
// provider.
type env struct {
	fake *gmailfake.Server
	mb   mailmanager.Mailbox
	rec  *recorder
}

func newEnv(t *testing.T) *env {
	t.Helper()
	fake := gmailfake.New(tokens{aliceToken: alice})
	t.Cleanup(fake.Close)
	fake.AddMailbox(alice)

	rec := &recorder{base: http.DefaultTransport}
	client := &http.Client{Transport: &oauth2.Transport{
		Source: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: aliceToken}),
		Base:   rec,
	}}
	p := gmail.New(gmail.Config{APIURL: fake.URL() + "/"})
	mb, err := p.Open(context.Background(), client)
	require.NoError(t, err)
	return &env{fake: fake, mb: mb, rec: rec}
}

// deliver stores raw in Alice's mailbox and returns its ID.
func (e *env) deliver(t *testing.T, raw string, labels ...string) string {
	t.Helper()
	id, err := e.fake.Deliver(alice, []byte(raw), labels...)
	require.NoError(t, err)
	return id
}

// deliverN delivers n plain messages and returns their IDs.
func (e *env) deliverN(t *testing.T, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = e.deliver(t, plain(fmt.Sprintf("Message %d", i), fmt.Sprintf("m%d@example.org", i)))
	}
	return ids
}

// plain returns a one-part message from Bob to Alice.
func plain(subject, messageID string, extra ...string) string {
	var b strings.Builder
	b.WriteString("From: Bob <bob@example.org>\r\n")
	b.WriteString("To: Alice <alice@example.com>\r\n")
	b.WriteString("Subject: " + subject + "\r\n")
	b.WriteString("Date: Tue, 03 Feb 2026 10:20:30 +0000\r\n")
	b.WriteString("Message-ID: <" + messageID + ">\r\n")
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString("Hello from " + subject + "\r\n")
	return b.String()
}

// syncAll runs one Sync and returns the pages it delivered.
func syncAll(t *testing.T, mb mailmanager.Mailbox, cursor string,
	opts mailmanager.SyncOptions) ([]*mailmanager.Changes, error) {
	t.Helper()
	var pages []*mailmanager.Changes
	err := mb.Sync(context.Background(), cursor, opts,
		func(_ context.Context, c *mailmanager.Changes) error {
			pages = append(pages, c)
			return nil
		})
	return pages, err
}

// ids returns the IDs of the messages in pages.
func ids(pages ...*mailmanager.Changes) []string {
	var out []string
	for _, p := range pages {
		for _, m := range p.Messages {
			out = append(out, m.ID)
		}
	}
	return out
}

// lastCursor returns the cursor of the last page.
func lastCursor(t *testing.T, pages []*mailmanager.Changes) string {
	t.Helper()
	require.NotEmpty(t, pages)
	require.True(t, pages[len(pages)-1].Done)
	return pages[len(pages)-1].Cursor
}

// sentMail is a parsed RFC 5322 message with its leaf parts decoded.
type sentMail struct {
	header mail.Header
	parts  []sentPart
}

type sentPart struct {
	header      map[string][]string
	contentType string
	params      map[string]string
	body        []byte
}

// part returns the first leaf part of the given media type.
func (m *sentMail) part(mediaType string) *sentPart {
	for i := range m.parts {
		if m.parts[i].contentType == mediaType {
			return &m.parts[i]
		}
	}
	return nil
}

// filename returns the part's file name from its Content-Disposition, or
// its Content-Type name.
func (p *sentPart) filename() string {
	if v := p.header["Content-Disposition"]; len(v) > 0 {
		if _, params, err := mime.ParseMediaType(v[0]); err == nil && params["filename"] != "" {
			return params["filename"]
		}
	}
	return p.params["name"]
}

// parseMail parses raw with the standard library, independently of the
// code under test.
func parseMail(t *testing.T, raw []byte) *sentMail {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(string(raw)))
	require.NoError(t, err)
	out := &sentMail{header: msg.Header}
	walkPart(t, out, msg.Header, msg.Body)
	return out
}

func walkPart(t *testing.T, out *sentMail, h map[string][]string, body io.Reader) {
	t.Helper()
	get := func(k string) string {
		if v := h[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	ct := get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	require.NoError(t, err)
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			require.NoError(t, err)
			walkPart(t, out, p.Header, p)
		}
	}
	data, err := io.ReadAll(body)
	require.NoError(t, err)
	switch strings.ToLower(get("Content-Transfer-Encoding")) {
	case "base64":
		clean := strings.NewReplacer("\r", "", "\n", "").Replace(string(data))
		data, err = base64.StdEncoding.DecodeString(clean)
		require.NoError(t, err)
	case "quoted-printable":
		data, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(data)))
		require.NoError(t, err)
	}
	out.parts = append(out.parts, sentPart{header: h, contentType: mediaType,
		params: params, body: data})
}

// decodeWords decodes RFC 2047 encoded words in a header value.
func decodeWords(t *testing.T, v string) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(v)
	require.NoError(t, err)
	return s
}
