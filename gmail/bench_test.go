package gmail_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	gmailapi "google.golang.org/api/gmail/v1"
	"google.golang.org/api/option"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/gmail"
	"github.com/mailmanager/mailmanager/mailtest"
	"github.com/mailmanager/mailmanager/mailtest/gmailfake"
	"github.com/mailmanager/mailmanager/memstore"
)

// The benchmarks in this package measure what a host pays to sync and send
// through a Manager: round trips, speed, quota pacing and memory. Every
// request to the fakes waits benchLatency, a plausible round trip to a
// distant data center, so the figures reward fewer round trips as the
// real service would. Run them once each:
//
//	go test -run '^$' -bench . -benchtime 1x ./gmail/
const benchLatency = 20 * time.Millisecond

const (
	benchClientID     = "bench-client"
	benchClientSecret = "bench-client-secret"
	benchUser         = "u1"
)

// benchHost is a host application: a Manager with the Gmail provider, its
// memstore and the connect and callback handlers on a loopback server.
type benchHost struct {
	m     *mailmanager.Manager
	store *memstore.Store
	app   *httptest.Server
}

// newBenchHost builds a host whose provider is configured by pc; pc must
// already point at the OAuth and Gmail servers to use.
func newBenchHost(tb testing.TB, pc gmail.Config) *benchHost {
	tb.Helper()
	mux := http.NewServeMux()
	h := &benchHost{store: memstore.New(), app: httptest.NewServer(mux)}
	tb.Cleanup(h.app.Close)
	m, err := mailmanager.New(mailmanager.Config{
		Store:       h.store,
		Providers:   []mailmanager.Provider{gmail.New(pc)},
		Key:         bytes.Repeat([]byte{9}, 32),
		BaseURL:     h.app.URL,
		CurrentUser: func(*http.Request) (string, error) { return benchUser, nil },
	})
	require.NoError(tb, err)
	h.m = m
	mux.Handle("/oauth/connect/", m.ConnectHandler())
	mux.Handle("/oauth/callback/", m.CallbackHandler())
	mux.HandleFunc("/", func(http.ResponseWriter, *http.Request) {})
	require.NoError(tb, m.SaveCredentials(context.Background(), "gmail",
		mailmanager.Credentials{ClientID: benchClientID, ClientSecret: benchClientSecret}))
	return h
}

// connect walks the connect flow as a browser would, the OAuth server
// consenting as address, and returns the new account's ID.
func (h *benchHost) connect(tb testing.TB, address string) string {
	tb.Helper()
	resp, err := http.Get(h.app.URL + "/oauth/connect/gmail")
	require.NoError(tb, err)
	resp.Body.Close()
	require.Equal(tb, http.StatusOK, resp.StatusCode)
	accts, err := h.m.Accounts(context.Background(), benchUser)
	require.NoError(tb, err)
	for _, a := range accts {
		if a.Address == address {
			return a.ID
		}
	}
	tb.Fatalf("no account for %s after connect", address)
	return ""
}

// restart forgets the account's cursor, so its next sync is a first one.
func (h *benchHost) restart(tb testing.TB, id string) {
	tb.Helper()
	require.NoError(tb, h.store.UpdateCursor(context.Background(), id, ""))
}

// benchEnv is a host with the fake OAuth and Gmail servers in the same
// process.
type benchEnv struct {
	*benchHost
	oauth *mailtest.OAuthServer
	fake  *gmailfake.Server
}

// newBenchEnv starts the fakes, without latency and with the quota off,
// and a host whose provider is configured by pc.
func newBenchEnv(tb testing.TB, pc gmail.Config) *benchEnv {
	tb.Helper()
	e := &benchEnv{oauth: mailtest.NewOAuthServer()}
	tb.Cleanup(e.oauth.Close)
	e.oauth.RegisterClient(benchClientID, benchClientSecret)
	e.fake = gmailfake.New(e.oauth)
	tb.Cleanup(e.fake.Close)
	e.fake.SetQuota(0)
	pc.Endpoint = e.oauth.GoogleEndpoint()
	pc.APIURL = e.fake.URL() + "/"
	pc.RevokeURL = e.oauth.GoogleRevokeURL()
	e.benchHost = newBenchHost(tb, pc)
	return e
}

// mailbox creates a mailbox holding n messages from benchMail, connects
// it and returns the account's ID.
func (e *benchEnv) mailbox(tb testing.TB, address string, n int) string {
	tb.Helper()
	e.fake.AddMailbox(address)
	require.NoError(tb, benchSeed(e.fake, address, n))
	e.oauth.SetDefaultAddress(address)
	return e.connect(tb, address)
}

// benchSeed delivers n messages from benchMail to address.
func benchSeed(fake *gmailfake.Server, address string, n int) error {
	for i := range n {
		if _, err := fake.Deliver(address, benchMail(i, address)); err != nil {
			return err
		}
	}
	return nil
}

// benchWords are the words benchmark messages are made of.
var benchWords = strings.Fields(`quarterly report meeting agenda budget review
	draft contract invoice shipment schedule update team project launch
	customer feedback release notes minutes follow-up deadline proposal`)

// benchMail returns message i to address: multipart/alternative with a
// text body of about 1.4 kB and an HTML body of about 2 kB, the words
// varying with i.
func benchMail(i int, to string) []byte {
	var text, html strings.Builder
	seed := uint32(i)*2654435761 + 1
	html.WriteString("<html><body>\r\n")
	for p := range 4 {
		html.WriteString("<p>")
		for w := range 40 {
			seed = seed*1664525 + 1013904223
			word := benchWords[seed>>16%uint32(len(benchWords))]
			if w > 0 && w%10 == 0 {
				text.WriteString("\r\n")
				html.WriteString("\r\n")
			}
			text.WriteString(word + " ")
			if w%7 == 3 {
				html.WriteString("<b>" + word + "</b> ")
			} else {
				html.WriteString(word + " ")
			}
		}
		text.WriteString("\r\n\r\n")
		html.WriteString("</p>\r\n")
		if p == 1 {
			html.WriteString(`<p><a href="https://example.org/doc">the document</a></p>` + "\r\n")
		}
	}
	html.WriteString("</body></html>\r\n")

	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Bob Sender <bob@example.org>\r\nTo: <%s>\r\n", to)
	fmt.Fprintf(&b, "Subject: Bench message %d\r\n", i)
	b.WriteString("Date: Tue, 03 Feb 2026 10:20:30 +0000\r\n")
	fmt.Fprintf(&b, "Message-ID: <bench-%d@example.org>\r\n", i)
	b.WriteString("MIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: multipart/alternative; boundary=\"alt-bound\"\r\n\r\n")
	b.WriteString("--alt-bound\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(text.String())
	b.WriteString("\r\n--alt-bound\r\nContent-Type: text/html; charset=utf-8\r\n\r\n")
	b.WriteString(html.String())
	b.WriteString("\r\n--alt-bound--\r\n")
	return b.Bytes()
}

// benchCounter is a host's page handler that checks and counts what it
// receives and keeps nothing.
type benchCounter struct {
	msgs, bodies, deleted, pages int
}

func (c *benchCounter) apply(_ context.Context, ch *mailmanager.Changes) error {
	c.pages++
	c.msgs += len(ch.Messages)
	c.deleted += len(ch.Deleted)
	for _, m := range ch.Messages {
		if m.Text != "" && m.HTML != "" {
			c.bodies++
		}
	}
	return nil
}

// BenchmarkGmailInitialSync measures a first sync of 10,000 messages
// through Manager.Sync, as a host runs it, against the naive loop a user
// of the official client would write: list the IDs, then one
// messages.get format=full per message, in sequence. The naive loop costs
// one round trip per message, 200 s at 20 ms for the whole mailbox, so it
// is timed over the first 1,000 messages only and the two are compared as
// rates (x-vs-naive is the library's msg/s over the naive loop's).
func BenchmarkGmailInitialSync(b *testing.B) {
	const total, naiveN = 10_000, 1_000
	e := newBenchEnv(b, gmail.Config{QuotaUnits: -1})
	id := e.mailbox(b, alice, total)
	e.fake.SetLatency(benchLatency)
	ctx := context.Background()
	e.fake.ResetStats()

	var (
		elapsed time.Duration
		synced  int
	)
	for b.Loop() {
		e.restart(b, id)
		var c benchCounter
		start := time.Now()
		rep, err := e.m.Sync(ctx, id, mailmanager.SyncOptions{}, c.apply)
		elapsed += time.Since(start)
		require.NoError(b, err)
		require.True(b, rep.Full)
		require.Equal(b, total, c.msgs, "every message arrives")
		require.Equal(b, total, c.bodies, "every message has its text and HTML body")
		synced += c.msgs
	}
	rt := e.fake.Stats().RoundTrips

	tok, err := e.m.Token(ctx, id)
	require.NoError(b, err)
	naive := naiveRate(b, e.fake, tok.AccessToken, naiveN)
	rate := float64(synced) / elapsed.Seconds()
	b.ReportMetric(float64(rt)/(float64(synced)/1000), "roundtrips/1000msg")
	b.ReportMetric(rate, "msg/s")
	b.ReportMetric(rate/naive, "x-vs-naive")
	b.ReportMetric(naive, "naive-msg/s")
}

// errEnough stops the naive listing once it has the IDs it needs.
var errEnough = errors.New("enough message IDs")

// naiveRate reads the first n messages of the mailbox the way a user of
// google.golang.org/api/gmail/v1 would, listing pages of IDs and getting
// each message in format=full one after the other, and returns messages
// per second.
func naiveRate(b *testing.B, fake *gmailfake.Server, token string, n int) float64 {
	b.Helper()
	ctx := context.Background()
	client := oauth2.NewClient(ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}))
	svc, err := gmailapi.NewService(ctx, option.WithEndpoint(fake.URL()+"/"),
		option.WithHTTPClient(client))
	require.NoError(b, err)

	start := time.Now()
	var ids []string
	err = svc.Users.Messages.List("me").Pages(ctx, func(r *gmailapi.ListMessagesResponse) error {
		for _, m := range r.Messages {
			ids = append(ids, m.Id)
		}
		if len(ids) >= n {
			return errEnough
		}
		return nil
	})
	require.ErrorIs(b, err, errEnough)
	for _, id := range ids[:n] {
		m, err := svc.Users.Messages.Get("me", id).Format("full").Context(ctx).Do()
		require.NoError(b, err)
		require.Len(b, m.Payload.Parts, 2, "text and HTML parts")
	}
	return float64(n) / time.Since(start).Seconds()
}

// BenchmarkGmailPacedSync measures how close a sync held to a quota comes
// to the least time the quota allows. The provider paces to 4,800 units
// per window, as by default, but the window is 2 s instead of a minute and
// the fake's clock runs 30 times faster to match, so the fake enforces
// Gmail's 6,000 units per (its) minute over the same 2 s.
//
// x-of-quota-floor is the elapsed time over units spent / 4,800 * 2 s.
// That floor is an approximation: a sliding window that starts empty
// allows a whole budget at once, and another each time the oldest
// spending leaves the window, so the true least time is
// (ceil(units / 4,800) - 1) * 2 s, counting the bursts as instant;
// x-of-burst-floor is the elapsed time over that one.
func BenchmarkGmailPacedSync(b *testing.B) {
	const (
		total  = 4_000
		units  = 4_800
		window = 2 * time.Second
	)
	e := newBenchEnv(b, gmail.Config{QuotaUnits: units, QuotaWindow: window})
	id := e.mailbox(b, alice, total)
	start := time.Now()
	speed := time.Minute / window
	e.fake.SetClock(func() time.Time { return start.Add(time.Since(start) * speed) })
	e.fake.SetQuota(gmailfake.DefaultQuota)
	e.fake.SetLatency(benchLatency)
	ctx := context.Background()

	var (
		elapsed time.Duration
		spent   int
		synced  int
	)
	for b.Loop() {
		e.restart(b, id)
		// Let the windows of earlier runs, the pacer's and the fake's,
		// run out, so that every run starts with a whole budget.
		time.Sleep(window + 100*time.Millisecond)
		e.fake.ResetStats()
		var c benchCounter
		began := time.Now()
		_, err := e.m.Sync(ctx, id, mailmanager.SyncOptions{}, c.apply)
		elapsed += time.Since(began)
		require.NoError(b, err)
		require.Equal(b, total, c.msgs)
		st := e.fake.Stats()
		require.Zero(b, st.Throttled, "the pacer kept below the fake's quota")
		spent += st.QuotaUnits
		synced += c.msgs
	}

	n := float64(b.N)
	perRun := float64(spent) / n
	floor := perRun / units * window.Seconds()
	bursts := (math.Ceil(perRun/units) - 1) * window.Seconds()
	b.ReportMetric(elapsed.Seconds()/n/floor, "x-of-quota-floor")
	b.ReportMetric(elapsed.Seconds()/n/bursts, "x-of-burst-floor")
	b.ReportMetric(float64(spent)/n, "units/op")
	b.ReportMetric(float64(synced)/elapsed.Seconds(), "msg/s")
}

// BenchmarkGmailIdleSync measures the incremental sync of mailboxes in
// which nothing changed since their last sync: the round trips each one
// costs.
func BenchmarkGmailIdleSync(b *testing.B) {
	addrs := []string{"ann@example.com", "ben@example.com", "cat@example.com"}
	e := newBenchEnv(b, gmail.Config{QuotaUnits: -1})
	ctx := context.Background()
	ids := make([]string, len(addrs))
	for i, a := range addrs {
		ids[i] = e.mailbox(b, a, 50)
		var c benchCounter
		_, err := e.m.Sync(ctx, ids[i], mailmanager.SyncOptions{}, c.apply)
		require.NoError(b, err)
		require.Equal(b, 50, c.msgs)
	}
	e.fake.SetLatency(benchLatency)
	e.fake.ResetStats()

	for b.Loop() {
		for _, id := range ids {
			var c benchCounter
			rep, err := e.m.Sync(ctx, id, mailmanager.SyncOptions{}, c.apply)
			require.NoError(b, err)
			require.False(b, rep.Full)
			require.Equal(b, 1, c.pages, "one page, marked done")
			require.Zero(b, c.msgs+c.deleted, "nothing changed")
		}
	}
	st := e.fake.Stats()
	b.ReportMetric(float64(st.RoundTrips)/float64(b.N*len(ids)), "roundtrips/mailbox")
}
