package gmail_test

import (
	"context"
	"crypto/sha256"
	"io"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/gmail"
)

const mib = 1 << 20

// heapSampler records the peak of HeapInuse above the live heap at its
// start, reading the runtime's statistics every millisecond while it runs,
// overall and within windows that cut ends, such as the pages of a sync.
type heapSampler struct {
	base       uint64
	stop, done chan struct{}

	mu      sync.Mutex
	peak    uint64   // overall
	window  uint64   // since the last cut
	windows []uint64 // the peak of each window, above base
}

// startHeapSampler collects garbage, takes the baseline and starts
// sampling.
func startHeapSampler() *heapSampler {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := &heapSampler{base: ms.HeapInuse, peak: ms.HeapInuse,
		stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			s.mu.Lock()
			s.peak = max(s.peak, ms.HeapInuse)
			s.window = max(s.window, ms.HeapInuse)
			s.mu.Unlock()
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// cut ends the current window.
func (s *heapSampler) cut() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.windows = append(s.windows, s.window-min(s.window, s.base))
	s.window = 0
}

// stopAt ends sampling and returns the peak growth over the baseline, in
// bytes.
func (s *heapSampler) stopAt() float64 {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return float64(s.peak - s.base)
}

// medianWindow returns the median of the windows' peaks, in bytes.
func (s *heapSampler) medianWindow() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.windows) == 0 {
		return 0
	}
	w := slices.Sorted(slices.Values(s.windows))
	if len(w)%2 == 1 {
		return float64(w[len(w)/2])
	}
	return float64(w[len(w)/2-1]+w[len(w)/2]) / 2
}

// syncMemory is what one sync cost in memory.
type syncMemory struct {
	// peak is the peak of HeapInuse above the baseline, sampled.
	peak float64
	// pagePeak is the median over the pages of the peak while each page
	// was fetched and handled: peak is the highest of them, and a sync of
	// more pages has more chances to meet the collector late.
	pagePeak float64
	// pageLive is the most heap alive at the end of a page, while the
	// host holds the page: collected, then read, above the baseline.
	pageLive float64
	// alloc is the bytes allocated during the sync.
	alloc float64
}

// measureSync runs a first sync of the account and measures its heap. The
// host's handler keeps nothing of the pages it gets.
func measureSync(b *testing.B, h *benchHost, id string, want int) syncMemory {
	b.Helper()
	h.restart(b, id)
	var before runtime.MemStats
	s := startHeapSampler()
	runtime.ReadMemStats(&before)
	var (
		out syncMemory
		got int
	)
	_, err := h.m.Sync(context.Background(), id, mailmanager.SyncOptions{},
		func(_ context.Context, ch *mailmanager.Changes) error {
			got += len(ch.Messages)
			s.cut()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > before.HeapAlloc {
				out.pageLive = max(out.pageLive, float64(ms.HeapAlloc-before.HeapAlloc))
			}
			return nil
		})
	out.peak = s.stopAt()
	out.pagePeak = s.medianWindow()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	out.alloc = float64(after.TotalAlloc - before.TotalAlloc)
	require.NoError(b, err)
	require.Equal(b, want, got)
	return out
}

// BenchmarkGmailSyncMemory measures the heap of a first sync of a mailbox
// of 1,000 messages and of one of 10,000, through a Manager, with the
// fakes in a child process. A sync that keeps nothing between pages needs
// the same memory for both: what one page of 500 messages needs.
// x-peak-10k-vs-1k is the ratio of the sampled peaks.
func BenchmarkGmailSyncMemory(b *testing.B) {
	sizes := []struct {
		address string
		n       int
	}{{"small@example.com", 1_000}, {"large@example.com", 10_000}}
	f := startBenchFakes(b)
	h := newBenchHost(b, gmail.Config{QuotaUnits: -1,
		Endpoint: f.Endpoint, APIURL: f.APIURL, RevokeURL: f.RevokeURL})
	ids := make([]string, len(sizes))
	for i, s := range sizes {
		f.do(b, benchFakesCmd{Op: "mailbox", Address: s.address, N: s.n})
		ids[i] = h.connect(b, s.address)
	}

	got := make([]syncMemory, len(sizes))
	for b.Loop() {
		for i, s := range sizes {
			m := measureSync(b, h, ids[i], s.n)
			got[i].peak = max(got[i].peak, m.peak)
			got[i].pagePeak = max(got[i].pagePeak, m.pagePeak)
			got[i].pageLive = max(got[i].pageLive, m.pageLive)
			got[i].alloc += m.alloc / float64(s.n)
		}
	}
	b.ReportMetric(got[0].peak/mib, "peak-heap-1k-MiB")
	b.ReportMetric(got[1].peak/mib, "peak-heap-10k-MiB")
	b.ReportMetric(got[1].peak/got[0].peak, "x-peak-10k-vs-1k")
	b.ReportMetric(got[0].pagePeak/mib, "page-peak-1k-MiB")
	b.ReportMetric(got[1].pagePeak/mib, "page-peak-10k-MiB")
	b.ReportMetric(got[0].pageLive/mib, "page-live-1k-MiB")
	b.ReportMetric(got[1].pageLive/mib, "page-live-10k-MiB")
	b.ReportMetric(got[1].alloc/float64(b.N)/1024, "alloc-KiB/msg")
}

// patternReader streams size bytes of a fixed pseudo-random pattern, as a
// file would, without holding them.
type patternReader struct {
	left  int
	state uint64
}

func newPatternReader(size int) *patternReader {
	return &patternReader{left: size, state: 0x9e3779b97f4a7c15}
}

func (r *patternReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	n := min(len(p), r.left)
	for i := range n {
		r.state ^= r.state << 13
		r.state ^= r.state >> 7
		r.state ^= r.state << 17
		p[i] = byte(r.state)
	}
	r.left -= n
	return n, nil
}

// patternSum is the SHA-256 of size bytes of the pattern.
func patternSum(tb testing.TB, size int) [sha256.Size]byte {
	tb.Helper()
	hash := sha256.New()
	_, err := io.Copy(hash, newPatternReader(size))
	require.NoError(tb, err)
	return [sha256.Size]byte(hash.Sum(nil))
}

// BenchmarkGmailSendAttachmentMemory measures the peak heap of sending a
// message with a 25 MiB attachment through a Manager, the attachment read
// from a stream as from a file, with the fakes in a child process.
// x-of-attachment is the peak heap growth over the attachment's size.
func BenchmarkGmailSendAttachmentMemory(b *testing.B) {
	const size = 25 * mib
	f := startBenchFakes(b)
	h := newBenchHost(b, gmail.Config{QuotaUnits: -1,
		Endpoint: f.Endpoint, APIURL: f.APIURL, RevokeURL: f.RevokeURL})
	f.do(b, benchFakesCmd{Op: "mailbox", Address: alice})
	id := h.connect(b, alice)
	ctx := context.Background()
	want := patternSum(b, size)

	var peak float64
	for b.Loop() {
		s := startHeapSampler()
		sent, err := h.m.Send(ctx, id, &mailmanager.Outgoing{
			To:      []mailmanager.Address{{Email: "bob@example.org"}},
			Subject: "The measurements",
			Text:    "Attached.",
			Attachments: []mailmanager.OutgoingAttachment{{
				Filename: "data.bin", ContentType: "application/octet-stream",
				Content: newPatternReader(size),
			}},
		})
		peak = max(peak, s.stopAt())
		require.NoError(b, err)

		b.StopTimer()
		checkSentAttachment(b, h, id, sent.ID, size, want)
		b.StartTimer()
	}
	b.ReportMetric(peak/mib, "peak-heap-MiB")
	b.ReportMetric(peak/size, "x-of-attachment")
}

// checkSentAttachment reads the sent message back and checks that its one
// attachment arrived whole.
func checkSentAttachment(b *testing.B, h *benchHost, id, msgID string, size int,
	want [sha256.Size]byte) {
	b.Helper()
	ctx := context.Background()
	mb, err := h.m.Mailbox(ctx, id)
	require.NoError(b, err)
	msg, err := mb.Message(ctx, msgID)
	require.NoError(b, err)
	require.Len(b, msg.Attachments, 1)
	require.EqualValues(b, size, msg.Attachments[0].Size)
	rc, err := mb.Attachment(ctx, msgID, msg.Attachments[0].ID)
	require.NoError(b, err)
	defer rc.Close()
	hash := sha256.New()
	_, err = io.Copy(hash, rc)
	require.NoError(b, err)
	require.Equal(b, want, [sha256.Size]byte(hash.Sum(nil)), "the attachment arrived intact")
}
