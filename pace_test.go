package mailmanager_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest"
)

// limitedProvider is a test provider that declares limits.
type limitedProvider struct {
	*mailtest.Provider
	limits mailmanager.Limits
}

func (p *limitedProvider) Limits() mailmanager.Limits { return p.limits }

// recorder counts requests in flight and stamps arrivals.
type recorder struct {
	*httptest.Server
	inFlight, peak atomic.Int32
	mu             sync.Mutex
	arrivals       []time.Time
}

func newRecorder(t *testing.T, hold time.Duration) *recorder {
	rec := &recorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := rec.inFlight.Add(1)
		defer rec.inFlight.Add(-1)
		for {
			p := rec.peak.Load()
			if n <= p || rec.peak.CompareAndSwap(p, n) {
				break
			}
		}
		rec.mu.Lock()
		rec.arrivals = append(rec.arrivals, time.Now())
		rec.mu.Unlock()
		time.Sleep(hold)
		io.WriteString(w, "ok")
	}))
	t.Cleanup(rec.Close)
	return rec
}

func pacedEnv(t *testing.T, l mailmanager.Limits) (*mailmanager.Manager, string) {
	e := newEnv(t)
	lp := &limitedProvider{Provider: &mailtest.Provider{ProviderName: "limited", Server: e.oauth}, limits: l}
	e.config.Providers = []mailmanager.Provider{lp}
	m := e.newManager()
	require.NoError(t, m.SaveCredentials(context.Background(), "limited",
		mailmanager.Credentials{ClientID: testClientID, ClientSecret: testClientSecret}))
	mux := http.NewServeMux()
	mux.Handle("/oauth/connect/", m.ConnectHandler())
	mux.Handle("/oauth/callback/", m.CallbackHandler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {})
	e.app.Config.Handler = mux
	e.m = m
	resp, _ := e.connect("u1", "limited", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return m, e.onlyAccount("u1").ID
}

func getAll(t *testing.T, c *http.Client, url string, n int) {
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.Get(url)
			if assert.NoError(t, err) {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
}

func TestPace_InFlightNeverExceedsLimit(t *testing.T) {
	m, id := pacedEnv(t, mailmanager.Limits{MaxInFlight: 4})
	rec := newRecorder(t, 20*time.Millisecond)

	getAll(t, m.Client(id), rec.URL, 50)

	assert.LessOrEqual(t, rec.peak.Load(), int32(4))
	assert.Equal(t, int32(4), rec.peak.Load(), "50 parallel calls should fill the 4 slots")
}

func TestPace_UnitsStayWithinEveryWindow(t *testing.T) {
	const units, window = 10, 300 * time.Millisecond
	m, id := pacedEnv(t, mailmanager.Limits{
		Units: units, Window: window,
		Cost: func(r *http.Request) int {
			if r.Method == http.MethodPost {
				return 5
			}
			return 2
		},
	})
	rec := newRecorder(t, 0)
	start := time.Now()

	getAll(t, m.Client(id), rec.URL, 20) // 40 units: at least 3 windows

	elapsed := time.Since(start)
	assert.GreaterOrEqual(t, elapsed, 3*window-20*time.Millisecond)
	rec.mu.Lock()
	arrivals := append([]time.Time(nil), rec.arrivals...)
	rec.mu.Unlock()
	sort.Slice(arrivals, func(i, j int) bool { return arrivals[i].Before(arrivals[j]) })
	// Allow a little jitter between leaving and arriving.
	slack := 30 * time.Millisecond
	for i := range arrivals {
		spent := 0
		for j := i; j < len(arrivals) && arrivals[j].Sub(arrivals[i]) < window-slack; j++ {
			spent += 2
		}
		assert.LessOrEqual(t, spent, units, "window starting at arrival %d", i)
	}
}
