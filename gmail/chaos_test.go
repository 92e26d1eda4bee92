package gmail_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/gmail"
	"github.com/mailmanager/mailmanager/mailtest"
)

// chaos is a transport that breaks a share of the requests to one host:
// dropped connections, truncated bodies and latency spikes. The fake
// answers throttles and server faults itself.
type chaos struct {
	host   string
	rate   float64
	mu     sync.Mutex
	rnd    *rand.Rand
	counts map[string]int
}

func (c *chaos) roll() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rnd.Float64() >= c.rate {
		return "", false
	}
	kind := []string{"reset", "truncate", "slow"}[c.rnd.IntN(3)]
	c.counts[kind]++
	return kind, true
}

func (c *chaos) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != c.host {
		return http.DefaultTransport.RoundTrip(r)
	}
	kind, hit := c.roll()
	if hit && kind == "slow" {
		time.Sleep(30 * time.Millisecond)
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if !hit || err != nil {
		return resp, err
	}
	switch kind {
	case "reset":
		resp.Body.Close()
		return nil, &url.Error{Op: "Get", URL: r.URL.String(), Err: errors.New("connection reset by peer")}
	case "truncate":
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b[:len(b)/2]))
		resp.ContentLength = int64(len(b) / 2)
	}
	return resp, nil
}

func TestChaosGmail_SyncConvergesUnderFaultsChangesAndCrashes(t *testing.T) {
	size, changes := 5000, 500
	if testing.Short() {
		size, changes = 600, 100
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 7))
	var cx *chaos
	h := newHost(t, gmail.Config{QuotaUnits: -1}, func(c *mailmanager.Config) {
		cx = &chaos{rate: 0.10, rnd: rand.New(rand.NewPCG(seed, 8)), counts: map[string]int{}}
		c.HTTPClient = &http.Client{Transport: cx}
	})
	u, err := url.Parse(h.fake.URL())
	require.NoError(t, err)
	cx.mu.Lock()
	cx.host = u.Host
	cx.mu.Unlock()
	h.fake.SetQuota(0)
	for i := range size {
		_, err := h.fake.Deliver(alice, []byte(plain(fmt.Sprintf("Chaos %d", i), fmt.Sprintf("c%d@example.org", i))))
		require.NoError(t, err)
	}

	// The fake answers another 10% of requests and batch calls with
	// throttles and server faults.
	var faultMu sync.Mutex
	faultRnd := rand.New(rand.NewPCG(seed, 9))
	h.fake.SetFault(func(r *http.Request) (int, time.Duration) {
		faultMu.Lock()
		defer faultMu.Unlock()
		if faultRnd.Float64() >= 0.10 {
			return 0, 0
		}
		switch n := faultRnd.IntN(64); {
		case n == 0:
			return http.StatusTooManyRequests, time.Second
		case n < 24:
			return http.StatusTooManyRequests, 0
		case n < 44:
			return http.StatusInternalServerError, 0
		}
		return http.StatusServiceUnavailable, 0
	})

	// Meanwhile the mailbox changes: new mail, deletions, read and star.
	var changing atomic.Bool
	changing.Store(true)
	go func() {
		defer changing.Store(false)
		r := rand.New(rand.NewPCG(seed, 10))
		for i := range changes {
			msgs := h.fake.Messages(alice)
			switch r.IntN(4) {
			case 0:
				_, _ = h.fake.Deliver(alice, []byte(plain(fmt.Sprintf("Late %d", i), fmt.Sprintf("l%d@example.org", i))))
			case 1:
				h.fake.Delete(alice, msgs[r.IntN(len(msgs))].ID)
			case 2:
				h.fake.Relabel(alice, msgs[r.IntN(len(msgs))].ID, nil, []string{"UNREAD"})
			case 3:
				h.fake.Relabel(alice, msgs[r.IntN(len(msgs))].ID, []string{"STARRED"}, nil)
			}
			if i == changes/2 {
				h.fake.ExpireHistory(alice)
			}
			time.Sleep(time.Millisecond)
		}
	}()

	// The host syncs until it has seen a clean run after the changes
	// stopped. Each run is a new Manager (a restarted process), and the
	// host's own handler fails on some pages.
	var mr mailtest.Mirror
	ctx := context.Background()
	failures, runs := 0, 0
	for clean := false; !clean; runs++ {
		require.Less(t, runs, 400, "the sync did not converge")
		quiet := !changing.Load()
		m := h.newManager(t)
		rep, err := m.Sync(ctx, h.id, mailmanager.SyncOptions{PageSize: 200}, func(ctx context.Context, c *mailmanager.Changes) error {
			if rnd.Float64() < 0.05 {
				return errors.New("host database hiccup")
			}
			return mr.Apply(ctx, c)
		})
		if err != nil {
			failures++
			continue
		}
		// A full run ends at the cursor it started from, so only an
		// incremental run after the changes stopped has seen them all.
		clean = quiet && !rep.Full
	}

	want := map[string]gmailState{}
	for _, m := range h.fake.Messages(alice) {
		want[m.ID] = gmailState{read: !slices.Contains(m.LabelIDs, "UNREAD"), starred: slices.Contains(m.LabelIDs, "STARRED")}
	}
	got := map[string]gmailState{}
	for id, m := range mr.Messages() {
		got[id] = gmailState{read: m.Read, starred: m.Starred}
	}
	var lost, phantom, stale []string
	for id, w := range want {
		if g, ok := got[id]; !ok {
			lost = append(lost, id)
		} else if g != w {
			stale = append(stale, id)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			phantom = append(phantom, id)
		}
	}
	assert.Empty(t, lost, "messages at the fake missing from the host's copy")
	assert.Empty(t, phantom, "messages in the host's copy the fake no longer has")
	assert.Empty(t, stale, "messages whose flags differ")
	assert.Len(t, got, len(want))
	cx.mu.Lock()
	t.Logf("%d runs, %d failed; transport faults %v; fake %+v", runs, failures, cx.counts, h.fake.Stats())
	cx.mu.Unlock()
}

type gmailState struct{ read, starred bool }
