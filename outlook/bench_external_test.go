package outlook_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest"
	"github.com/mailmanager/mailmanager/mailtest/graphfake"
	"github.com/mailmanager/mailmanager/memstore"
	"github.com/mailmanager/mailmanager/outlook"
)

// The benchmarks in this file and in bench_external_memory_test.go
// measure what a host pays to sync and send through a Manager with the
// Outlook provider. Every request to the fake Graph waits perfLatency, a
// plausible round trip to a distant data center. Run them once each:
//
//	go test -run '^$' -bench Outlook -benchtime 1x ./outlook/
const perfLatency = 20 * time.Millisecond

const (
	perfClientID     = "perf-client"
	perfClientSecret = "perf-client-secret"
	perfUser         = "u1"
)

// perfHost is a host application: a Manager with the Outlook provider,
// its memstore and the connect and callback handlers on a loopback server.
type perfHost struct {
	m     *mailmanager.Manager
	store *memstore.Store
	app   *httptest.Server
}

// newPerfHost builds a host whose provider uses the OAuth endpoint and
// Graph API root given.
func newPerfHost(tb testing.TB, endpoint oauth2.Endpoint, apiURL string) *perfHost {
	tb.Helper()
	mux := http.NewServeMux()
	h := &perfHost{store: memstore.New(), app: httptest.NewServer(mux)}
	tb.Cleanup(h.app.Close)
	p := outlook.New(outlook.Config{Endpoint: endpoint, APIURL: apiURL})
	m, err := mailmanager.New(mailmanager.Config{
		Store:       h.store,
		Providers:   []mailmanager.Provider{p},
		Key:         bytes.Repeat([]byte{5}, 32),
		BaseURL:     h.app.URL,
		CurrentUser: func(*http.Request) (string, error) { return perfUser, nil },
	})
	require.NoError(tb, err)
	h.m = m
	mux.Handle("/oauth/connect/", m.ConnectHandler())
	mux.Handle("/oauth/callback/", m.CallbackHandler())
	mux.HandleFunc("/", func(http.ResponseWriter, *http.Request) {})
	require.NoError(tb, m.SaveCredentials(context.Background(), "outlook",
		mailmanager.Credentials{ClientID: perfClientID, ClientSecret: perfClientSecret}))
	return h
}

// connect walks the connect flow as a browser would, the OAuth server
// consenting as address, and returns the new account's ID.
func (h *perfHost) connect(tb testing.TB, address string) string {
	tb.Helper()
	resp, err := http.Get(h.app.URL + "/oauth/connect/outlook")
	require.NoError(tb, err)
	resp.Body.Close()
	require.Equal(tb, http.StatusOK, resp.StatusCode)
	accts, err := h.m.Accounts(context.Background(), perfUser)
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
func (h *perfHost) restart(tb testing.TB, id string) {
	tb.Helper()
	require.NoError(tb, h.store.UpdateCursor(context.Background(), id, ""))
}

// perfEnv is a host with the fake OAuth and Graph servers in the same
// process.
type perfEnv struct {
	*perfHost
	oauth *mailtest.OAuthServer
	fake  *graphfake.Server
}

func newPerfEnv(tb testing.TB) *perfEnv {
	tb.Helper()
	e := &perfEnv{oauth: mailtest.NewOAuthServer()}
	tb.Cleanup(e.oauth.Close)
	e.oauth.RegisterClient(perfClientID, perfClientSecret)
	e.fake = graphfake.New(e.oauth)
	tb.Cleanup(e.fake.Close)
	e.perfHost = newPerfHost(tb, e.oauth.MicrosoftEndpoint("common"), e.fake.URL()+"/v1.0")
	return e
}

// mailbox creates an empty mailbox for address and connects it.
func (e *perfEnv) mailbox(tb testing.TB, address string) string {
	tb.Helper()
	e.fake.AddMailbox(address, "Perf User")
	e.oauth.SetDefaultAddress(address)
	return e.connect(tb, address)
}

// perfWords are the words benchmark messages are made of.
var perfWords = strings.Fields(`quarterly report meeting agenda budget review
	draft contract invoice shipment schedule update team project launch
	customer feedback release notes minutes follow-up deadline proposal`)

// perfMail returns message i to address: multipart/alternative with a
// text body of about 1.4 kB and an HTML body of about 2 kB, the words
// varying with i.
func perfMail(i int, to string) []byte {
	var text, html strings.Builder
	seed := uint32(i)*2654435761 + 1
	html.WriteString("<html><body>\r\n")
	for range 4 {
		html.WriteString("<p>")
		for w := range 40 {
			seed = seed*1664525 + 1013904223
			word := perfWords[seed>>16%uint32(len(perfWords))]
			if w > 0 && w%10 == 0 {
				text.WriteString("\r\n")
				html.WriteString("\r\n")
			}
			text.WriteString(word + " ")
			html.WriteString(word + " ")
		}
		text.WriteString("\r\n\r\n")
		html.WriteString("</p>\r\n")
	}
	html.WriteString("</body></html>\r\n")

	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Bob Sender <bob@example.org>\r\nTo: <%s>\r\n", to)
	fmt.Fprintf(&b, "Subject: Bench message %d\r\n", i)
	b.WriteString("Date: Tue, 03 Feb 2026 10:20:30 +0000\r\n")
	fmt.Fprintf(&b, "Message-ID: <perf-%d@example.org>\r\n", i)
	b.WriteString("MIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: multipart/alternative; boundary=\"alt-bound\"\r\n\r\n")
	b.WriteString("--alt-bound\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(text.String())
	b.WriteString("\r\n--alt-bound\r\nContent-Type: text/html; charset=utf-8\r\n\r\n")
	b.WriteString(html.String())
	b.WriteString("\r\n--alt-bound--\r\n")
	return b.Bytes()
}

// perfSeed files n messages from perfMail into folder, numbered from
// first.
func perfSeed(fake *graphfake.Server, address, folder string, first, n int) error {
	for i := first; i < first+n; i++ {
		if _, err := fake.Deliver(address, folder, perfMail(i, address)); err != nil {
			return err
		}
	}
	return nil
}

// perfCounter is a host's page handler that counts what it receives and
// keeps nothing but the IDs, to check that each message came once.
type perfCounter struct {
	ids           map[string]bool
	bodies, pages int
	deleted       int
}

func (c *perfCounter) apply(_ context.Context, ch *mailmanager.Changes) error {
	if c.ids == nil {
		c.ids = map[string]bool{}
	}
	c.pages++
	c.deleted += len(ch.Deleted)
	for _, m := range ch.Messages {
		c.ids[m.ID] = true
		if m.Text != "" || m.HTML != "" {
			c.bodies++
		}
	}
	return nil
}

// BenchmarkOutlookInitialSync measures a first sync of 10,000 messages in
// five folders, one of them a child folder, through Manager.Sync as a
// host runs it. max-in-flight is the most requests the fake Graph saw in
// flight at once for the mailbox; Graph allows 4.
func BenchmarkOutlookInitialSync(b *testing.B) {
	e := newPerfEnv(b)
	id := e.mailbox(b, ada)
	projects, err := e.fake.CreateFolder(ada, "", "Projects")
	require.NoError(b, err)
	clients, err := e.fake.CreateFolder(ada, projects, "Clients")
	require.NoError(b, err)
	layout := []struct {
		folder string
		n      int
	}{
		{"inbox", 4_000}, {"archive", 2_000}, {"sentitems", 1_500},
		{projects, 1_500}, {clients, 1_000},
	}
	total := 0
	for _, l := range layout {
		require.NoError(b, perfSeed(e.fake, ada, l.folder, total, l.n))
		total += l.n
	}
	e.fake.SetLatency(perfLatency)
	ctx := context.Background()
	e.fake.ResetStats()

	var (
		elapsed time.Duration
		synced  int
	)
	for b.Loop() {
		e.restart(b, id)
		var c perfCounter
		start := time.Now()
		rep, err := e.m.Sync(ctx, id, mailmanager.SyncOptions{}, c.apply)
		elapsed += time.Since(start)
		require.NoError(b, err)
		require.True(b, rep.Full)
		require.Len(b, c.ids, total, "every message arrives once")
		require.Equal(b, total, c.bodies, "every message has a body")
		synced += len(c.ids)
	}
	st := e.fake.Stats()
	b.Logf("requests by route over %d runs: %v", b.N, st.Routes)
	b.ReportMetric(float64(st.Requests)/(float64(synced)/1000), "roundtrips/1000msg")
	b.ReportMetric(float64(synced)/elapsed.Seconds(), "msg/s")
	b.ReportMetric(float64(st.MaxInFlight), "max-in-flight")
	require.Zero(b, st.Throttled, "Graph's concurrency limit was never hit")
}

// BenchmarkOutlookIdleSync measures the incremental sync of mailboxes in
// which nothing changed since their last sync. Graph's message delta is
// per folder, so each run lists the folders (one request per level that
// has children) and asks every folder's delta link for changes:
// folders/mailbox is how many folders that is, folder-lists/mailbox and
// deltas/mailbox the requests of each kind.
func BenchmarkOutlookIdleSync(b *testing.B) {
	addrs := []string{"ann@example.com", "ben@example.com", "cat@example.com"}
	e := newPerfEnv(b)
	ctx := context.Background()
	ids := make([]string, len(addrs))
	for i, a := range addrs {
		ids[i] = e.mailbox(b, a)
		require.NoError(b, perfSeed(e.fake, a, "inbox", 0, 50))
		var c perfCounter
		_, err := e.m.Sync(ctx, ids[i], mailmanager.SyncOptions{}, c.apply)
		require.NoError(b, err)
		require.Len(b, c.ids, 50)
	}
	e.fake.SetLatency(perfLatency)
	e.fake.ResetStats()

	for b.Loop() {
		for _, id := range ids {
			var c perfCounter
			rep, err := e.m.Sync(ctx, id, mailmanager.SyncOptions{}, c.apply)
			require.NoError(b, err)
			require.False(b, rep.Full)
			require.Equal(b, 1, c.pages, "one page, marked done")
			require.Zero(b, len(c.ids)+c.deleted, "nothing changed")
		}
	}
	st := e.fake.Stats()
	runs := float64(b.N * len(ids))
	var lists, deltas int
	for route, n := range st.Routes {
		switch {
		case strings.Contains(route, "/messages/delta"):
			deltas += n
		case strings.HasPrefix(route, "GET ") && (strings.HasSuffix(route, "/mailFolders") ||
			strings.HasSuffix(route, "/childFolders")):
			lists += n
		}
	}
	b.ReportMetric(float64(st.Requests)/runs, "roundtrips/mailbox")
	b.ReportMetric(float64(lists)/runs, "folder-lists/mailbox")
	b.ReportMetric(float64(deltas)/runs, "deltas/mailbox")
	b.ReportMetric(float64(visibleFolders(e.fake, addrs[0])), "folders/mailbox")
}

// visibleFolders counts the folders of a mailbox that a listing without
// hidden folders shows.
func visibleFolders(fake *graphfake.Server, address string) int {
	n := 0
	for _, f := range fake.Folders(address) {
		if !f.Hidden {
			n++
		}
	}
	return n
}
