package gmailfake_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"google.golang.org/api/gmail/v1"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"

	"github.com/mailmanager/mailmanager/mailtest/gmailfake"
)

const (
	ann       = "ann@example.com"
	annToken  = "token-ann"
	bob       = "bob@example.com"
	bobToken  = "token-bob"
	noBox     = "nobox@example.com"
	noBoxTok  = "token-nobox"
	startTime = 1767600000 // 2026-01-05T08:00:00Z
)

// testClock is a clock tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newFake starts a fake with mailboxes for ann and bob on a hand-moved
// clock.
func newFake(t testing.TB) (*gmailfake.Server, *testClock) {
	t.Helper()
	fake := gmailfake.New(gmailfake.Tokens{annToken: ann, bobToken: bob, noBoxTok: noBox})
	t.Cleanup(fake.Close)
	clock := &testClock{t: time.Unix(startTime, 0)}
	fake.SetClock(clock.Now)
	fake.AddMailbox(ann)
	fake.AddMailbox(bob)
	return fake, clock
}

// service returns the real Gmail client pointed at fake with token.
func service(t testing.TB, fake *gmailfake.Server, token string) *gmail.Service {
	t.Helper()
	ctx := context.Background()
	client := oauth2.NewClient(ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}))
	svc, err := gmail.NewService(ctx,
		option.WithEndpoint(fake.URL()+"/"),
		option.WithHTTPClient(client))
	require.NoError(t, err)
	return svc
}

// apiError returns the *googleapi.Error in err, failing the test without
// one.
func apiError(t *testing.T, err error) *googleapi.Error {
	t.Helper()
	var gerr *googleapi.Error
	require.True(t, errors.As(err, &gerr), "want a *googleapi.Error, got %v", err)
	return gerr
}

// reason returns the first reason of a Google API error.
func reason(t *testing.T, err error) string {
	t.Helper()
	gerr := apiError(t, err)
	require.NotEmpty(t, gerr.Errors)
	return gerr.Errors[0].Reason
}

// textMessage builds a plain text message; extra are further header lines.
func textMessage(from, to, subject, body string, extra ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\n", from, to, subject)
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(body + "\r\n")
	return []byte(b.String())
}

// randomBytes returns n reproducible pseudo-random bytes.
func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed+1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

// wrap64 encodes b as MIME base64 in lines of 76.
func wrap64(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(s) > 76 {
		out.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	out.WriteString(s)
	return out.String()
}

// reportMessage is a multipart/mixed message with a text and HTML
// alternative and a PDF attachment.
func reportMessage(pdf []byte) []byte {
	return []byte("From: Carol <carol@example.com>\r\n" +
		"To: Ann <ann@example.com>\r\n" +
		"Subject: =?UTF-8?Q?Quarterly_r=C3=A9port?=\r\n" +
		"Message-ID: <q1@example.com>\r\n" +
		"Date: Mon, 05 Jan 2026 07:00:00 +0000\r\n" +
		"X-Folded: first part\r\n second part\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
		"\r\n" +
		"--outer\r\n" +
		"Content-Type: multipart/alternative; boundary=\"inner\"\r\n" +
		"\r\n" +
		"--inner\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n" +
		"\r\n" +
		"Hello Ann, the r=C3=A9port is attached.\r\n" +
		"--inner\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n" +
		"\r\n" +
		"<p>Hello Ann, the <b>r&eacute;port</b> is attached.</p>\r\n" +
		"--inner--\r\n" +
		"--outer\r\n" +
		"Content-Type: application/pdf; name=\"report.pdf\"\r\n" +
		"Content-Disposition: attachment; filename=\"report.pdf\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"\r\n" +
		wrap64(pdf) + "\r\n" +
		"--outer--\r\n")
}

// decode reads a base64url field of a Gmail answer.
func decode(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.URLEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}

// deliverN delivers n messages to ann, one second apart, and returns
// their IDs in delivery order.
func deliverN(t testing.TB, fake *gmailfake.Server, clock *testClock, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		raw := textMessage("carol@example.com", ann, fmt.Sprintf("Note %d", i),
			fmt.Sprintf("Body of note %d", i))
		id, err := fake.Deliver(ann, raw)
		require.NoError(t, err)
		ids[i] = id
		clock.Advance(time.Second)
	}
	return ids
}
