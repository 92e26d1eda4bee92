package outlook_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest"
	"github.com/mailmanager/mailmanager/mailtest/graphfake"
)

var chaosSeed = flag.Uint64("chaos.seed", 0,
	"seed of the Outlook chaos test; 0 picks one from the clock")

// flakyGraph is a transport that breaks a share of the requests to one
// host (the fake Graph) the way networks do: connections dropped before
// the request left or after the answer was written, JSON bodies cut off
// halfway, and latency spikes. Other hosts pass untouched.
type flakyGraph struct {
	rate float64

	mu     sync.Mutex
	host   string
	rnd    *rand.Rand
	counts map[string]int
}

func (f *flakyGraph) target(host string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.host = host
}

// draw picks the fault for a request to host, or "".
func (f *flakyGraph) draw(host string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if host != f.host || f.rnd.Float64() >= f.rate {
		return ""
	}
	kind := []string{"drop-request", "drop-answer", "truncate", "spike"}[f.rnd.IntN(4)]
	f.counts[kind]++
	return kind
}

func (f *flakyGraph) tally() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.counts))
	for k, v := range f.counts {
		out[k] = v
	}
	return out
}

func (f *flakyGraph) RoundTrip(r *http.Request) (*http.Response, error) {
	kind := f.draw(r.URL.Host)
	reset := &net.OpError{Op: "read", Net: "tcp",
		Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	switch kind {
	case "drop-request":
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, reset
	case "spike":
		time.Sleep(40 * time.Millisecond)
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	switch kind {
	case "drop-answer":
		drainBody(resp.Body)
		return nil, reset
	case "truncate":
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		b = b[:len(b)/2]
		resp.Body = io.NopCloser(bytes.NewReader(b))
		resp.ContentLength = int64(len(b))
		resp.Header.Del("Content-Length")
	}
	return resp, nil
}

func drainBody(b io.ReadCloser) {
	_, _ = io.Copy(io.Discard, b)
	b.Close()
}

// graphFaults answers a share of the fake's requests itself: mostly 429
// with Retry-After 0, rarely one of a second, and 500 and 503.
func graphFaults(seed uint64, rate float64) func(*http.Request) (int, time.Duration) {
	var mu sync.Mutex
	rnd := rand.New(rand.NewPCG(seed, 3))
	return func(*http.Request) (int, time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		if rnd.Float64() >= rate {
			return 0, 0
		}
		switch n := rnd.IntN(64); {
		case n == 0:
			return http.StatusTooManyRequests, time.Second
		case n < 24:
			return http.StatusTooManyRequests, 0
		case n < 44:
			return http.StatusInternalServerError, 0
		}
		return http.StatusServiceUnavailable, 0
	}
}

// churner changes Ada's mailbox while the host syncs: deliveries, purges,
// moves between folders, read and flag changes, a new folder a third of
// the way and the expiry of every delta token half-way. It waits for the
// host's sync at two points, so that the changes meet a first full sync,
// incremental runs and a reset however fast the machine is.
type churner struct {
	fake    *graphfake.Server
	rnd     *rand.Rand
	folders []string // where mail is delivered and moved to
	ids     []string // the messages the mailbox holds
	// done counts the host's successful runs.
	done *atomic.Int32
	// did counts changes by kind; last is each message's last change.
	did  map[string]int
	last map[string]string
}

// run makes n changes, or fewer if ctx ends while it waits for the host.
func (c *churner) run(ctx context.Context, n int) error {
	var expiredAt int32
	for i := range n {
		if err := c.change(i); err != nil {
			return err
		}
		switch i {
		case n / 4:
			c.await(ctx, 1)
		case n / 3:
			id, err := c.fake.CreateFolder(ada, "", "Late Arrivals")
			if err != nil {
				return err
			}
			c.folders = append(c.folders, id)
			c.did["folder"]++
		case n / 2:
			expiredAt = c.done.Load()
			c.fake.ExpireDeltas(ada)
			c.did["expire"]++
		case 3 * n / 4:
			c.await(ctx, expiredAt+1)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// await waits until the host has had runs successful runs.
func (c *churner) await(ctx context.Context, runs int32) {
	for c.done.Load() < runs && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
}

// change makes one random change.
func (c *churner) change(i int) error {
	folder := c.folders[c.rnd.IntN(len(c.folders))]
	j := c.rnd.IntN(len(c.ids))
	id := c.ids[j]
	kind := "deliver"
	switch k := c.rnd.IntN(20); {
	case k < 5:
		var err error
		if id, err = c.fake.Deliver(ada, folder, rawMail(fmt.Sprintf("Late %d", i))); err != nil {
			return err
		}
		c.ids = append(c.ids, id)
	case k < 9:
		kind = "delete"
		c.fake.Delete(ada, id)
		c.ids[j] = c.ids[len(c.ids)-1]
		c.ids = c.ids[:len(c.ids)-1]
	case k < 14:
		kind = "move"
		c.fake.Move(ada, id, folder)
	case k < 17:
		kind = "read"
		c.fake.Update(ada, id, func(m *graphfake.Message) { m.IsRead = !m.IsRead })
	default:
		kind = "flag"
		c.fake.Update(ada, id, func(m *graphfake.Message) {
			if m.FlagStatus == "flagged" {
				m.FlagStatus = "notFlagged"
			} else {
				m.FlagStatus = "flagged"
			}
		})
	}
	c.did[kind]++
	c.last[id] = kind
	return nil
}

// lastChange names the last change made to a message.
func (c *churner) lastChange(id string) string {
	if kind, ok := c.last[id]; ok {
		return kind
	}
	return "none"
}

// A host syncs a mailbox of 5,000 messages in several folders while it
// changes 500 times, a fifth of the requests to Graph fail, the host's own
// handler fails on some pages and every run is a new Manager on the same
// store. Once the changes stop, the host's copy equals the mailbox.
func TestChaosOutlook_SyncConvergesUnderFaultsChangesAndCrashes(t *testing.T) {
	size, changes := 5000, 500
	if testing.Short() {
		size, changes = 600, 100
	}
	seed := *chaosSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (again: go test ./outlook -run TestChaosOutlook -args -chaos.seed=%d)",
		seed, seed)
	flaky := &flakyGraph{rate: 0.10, rnd: rand.New(rand.NewPCG(seed, 1)), counts: map[string]int{}}
	h := newHost(t, func(c *mailmanager.Config) { c.HTTPClient = &http.Client{Transport: flaky} })

	// Ada's mail lies in the inbox, a folder inside it and two more.
	c := &churner{fake: h.fake, rnd: rand.New(rand.NewPCG(seed, 4)), done: new(atomic.Int32),
		did: map[string]int{}, last: map[string]string{}}
	var homes []string
	for _, f := range []struct{ parent, name string }{
		{"", "Projects"}, {"inbox", "Receipts"}, {"", "Travel"},
	} {
		id, err := h.fake.CreateFolder(ada, f.parent, f.name)
		require.NoError(t, err)
		homes = append(homes, id)
	}
	homes = append(homes, "inbox")
	c.folders = append([]string{"archive", "deleteditems"}, homes...)
	rnd := rand.New(rand.NewPCG(seed, 2))
	for i := range size {
		id, err := h.fake.Deliver(ada, homes[rnd.IntN(len(homes))],
			rawMail(fmt.Sprintf("Chaos %d", i)))
		require.NoError(t, err)
		c.ids = append(c.ids, id)
	}

	// From here on a tenth of the requests to Graph meet a network fault,
	// and the fake answers another tenth with throttles and server errors.
	u, err := url.Parse(h.fake.URL())
	require.NoError(t, err)
	flaky.target(u.Host)
	h.fake.SetFault(graphFaults(seed, 0.10))

	var (
		changing atomic.Bool
		churnErr = make(chan error, 1)
	)
	changing.Store(true)
	go func() {
		defer changing.Store(false)
		churnErr <- c.run(t.Context(), changes)
	}()

	// The host syncs until a run succeeds whose rounds all began after
	// the changes stopped. Each run is a new Manager, as after a restart,
	// and the host's own handler fails on some pages. A run that fails
	// leaves a cursor in the middle of its rounds, and the next run
	// finishes those rounds, which only show what the folder held when
	// the round began; so the runs since the last success must all have
	// started after the changes stopped.
	var (
		mr      mailtest.Mirror
		hostRnd = rand.New(rand.NewPCG(seed, 5))
		ctx     = context.Background()
		// quiet reports that the first run since the last success
		// started after the changes stopped.
		quiet, clean                          bool
		runs, failed, inReset, fulls, refused int
		afterQuiet                            int
	)
	for first := true; !clean; runs++ {
		require.Less(t, runs, 3000, "the sync did not converge")
		if !changing.Load() {
			afterQuiet++
			require.Less(t, afterQuiet, 200, "the sync did not converge after the changes")
		}
		if first {
			quiet = !changing.Load()
		}
		m := h.newManager(t)
		rep, err := m.Sync(ctx, h.id, mailmanager.SyncOptions{PageSize: 200},
			func(ctx context.Context, c *mailmanager.Changes) error {
				if hostRnd.Float64() < 0.05 {
					refused++
					return errors.New("host database hiccup")
				}
				return mr.Apply(ctx, c)
			})
		managerLogs.Tokens(m, h.id)
		if rep != nil && rep.Reset {
			inReset++
		}
		if err != nil {
			failed++
			first = false
			continue
		}
		c.done.Add(1)
		if rep.Full {
			fulls++
		}
		clean = quiet && !rep.Full
		first = true
	}
	require.NoError(t, <-churnErr)

	lost, phantom, stale := compareMirror(h.fake.Messages(ada), mr.Messages(), c.lastChange)
	assert.Emptyf(t, head(lost), "%d messages at the fake missing from the host's copy",
		len(lost))
	assert.Emptyf(t, head(phantom), "%d messages in the host's copy the fake no longer has",
		len(phantom))
	assert.Emptyf(t, head(stale), "%d messages whose folder, read or flag state differ",
		len(stale))
	assert.LessOrEqual(t, h.fake.MaxInFlight(), 4, "requests in flight at once")
	st := h.fake.Stats()
	t.Logf("%d messages at the end; changes %v", mr.Len(), c.did)
	t.Logf("%d runs: %d failed, %d full, %d in a reset; host refused %d pages",
		runs, failed, fulls, inReset, refused)
	t.Logf("network faults %v; fake: %d requests, %d faults, %d throttled, max %d in flight",
		flaky.tally(), st.Requests, st.Faults, st.Throttled, st.MaxInFlight)
}

// compareMirror returns a line for each message the fake holds and the
// host lacks, each the host holds and the fake lacks, and each whose
// folder, read or flag state differs, naming the message's last change.
func compareMirror(want []graphfake.Message, got map[string]*mailmanager.Message,
	last func(id string) string) (lost, phantom, stale []string) {
	at := make(map[string]bool, len(want))
	for _, w := range want {
		at[w.ID] = true
		g, ok := got[w.ID]
		switch {
		case !ok:
			lost = append(lost, fmt.Sprintf("%s (last change: %s)", w.ID, last(w.ID)))
		case g.Folder != w.ParentFolderID || g.Read != w.IsRead ||
			g.Starred != (w.FlagStatus == "flagged"):
			stale = append(stale, fmt.Sprintf("%s (last change: %s): host has folder %s "+
				"read %v flagged %v, fake folder %s read %v flag %s", w.ID, last(w.ID),
				g.Folder, g.Read, g.Starred, w.ParentFolderID, w.IsRead, w.FlagStatus))
		}
	}
	for id := range got {
		if !at[id] {
			phantom = append(phantom, fmt.Sprintf("%s (last change: %s)", id, last(id)))
		}
	}
	slices.Sort(lost)
	slices.Sort(phantom)
	slices.Sort(stale)
	return lost, phantom, stale
}

// head returns the first 20 entries of s, and how many it left out.
func head(s []string) []string {
	if len(s) > 20 {
		return append(s[:20:20], fmt.Sprintf("... and %d more", len(s)-20))
	}
	return s
}
