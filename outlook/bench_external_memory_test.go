package outlook_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest"
	"github.com/mailmanager/mailmanager/mailtest/graphfake"
)

// The memory benchmark runs the fake OAuth and Graph servers in a child
// process, this test binary started again to run TestPerfFakesChild with
// perfFakesEnv set, so that the heap it measures holds only the library
// and the host: a fake in the same process keeps every upload on the same
// heap.
const perfFakesEnv = "MAILMANAGER_PERF_GRAPH_FAKES"

// TestPerfFakesChild is not a test: it is the body of the child process
// that the memory benchmark starts, and returns at once in any other run.
// It serves the fakes and answers the parent's commands on stdin and
// stdout until the parent closes stdin.
func TestPerfFakesChild(t *testing.T) {
	if os.Getenv(perfFakesEnv) == "" {
		t.Skip("runs only as the child process of a memory benchmark")
	}
	require.NoError(t, servePerfFakes(os.Stdin, os.Stdout))
}

// perfFakesHello is the child's first line: where its servers listen.
type perfFakesHello struct {
	Endpoint oauth2.Endpoint
	APIURL   string
}

// perfFakesCmd asks the child to create the mailbox Address and to make
// the OAuth server consent as it.
type perfFakesCmd struct {
	Address string
}

// perfFakesReply answers a perfFakesCmd.
type perfFakesReply struct {
	Err string
}

// servePerfFakes runs the fakes, with perfLatency, and answers commands
// read from in until in ends.
func servePerfFakes(in io.Reader, out io.Writer) error {
	oauth := mailtest.NewOAuthServer()
	defer oauth.Close()
	oauth.RegisterClient(perfClientID, perfClientSecret)
	fake := graphfake.New(oauth)
	defer fake.Close()
	fake.SetLatency(perfLatency)

	enc := json.NewEncoder(out)
	hello := perfFakesHello{
		Endpoint: oauth.MicrosoftEndpoint("common"),
		APIURL:   fake.URL() + "/v1.0",
	}
	if err := enc.Encode(hello); err != nil {
		return err
	}
	dec := json.NewDecoder(in)
	for {
		var c perfFakesCmd
		if err := dec.Decode(&c); err == io.EOF {
			return nil // the parent is done with us
		} else if err != nil {
			return err
		}
		var r perfFakesReply
		if c.Address == "" {
			r.Err = "no address"
		} else {
			fake.AddMailbox(c.Address, "Perf User")
			oauth.SetDefaultAddress(c.Address)
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
}

// perfFakes is the parent's handle on the child process.
type perfFakes struct {
	perfFakesHello
	enc *json.Encoder
	dec *json.Decoder
}

// startPerfFakes starts the child process and stops it when tb ends.
func startPerfFakes(tb testing.TB) *perfFakes {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestPerfFakesChild$")
	cmd.Env = append(os.Environ(), perfFakesEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(tb, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(tb, err)
	require.NoError(tb, cmd.Start())
	tb.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})

	f := &perfFakes{enc: json.NewEncoder(stdin), dec: json.NewDecoder(stdout)}
	require.NoError(tb, f.dec.Decode(&f.perfFakesHello), "the child reports its servers")
	return f
}

// mailbox asks the child to create the mailbox of address.
func (f *perfFakes) mailbox(tb testing.TB, address string) {
	tb.Helper()
	require.NoError(tb, f.enc.Encode(perfFakesCmd{Address: address}))
	var r perfFakesReply
	require.NoError(tb, f.dec.Decode(&r))
	if r.Err != "" {
		require.NoError(tb, errors.New(r.Err), "child")
	}
}

const mib = 1 << 20

// perfHeapSampler records the peak of HeapInuse above the live heap at
// its start, reading the runtime's statistics every millisecond.
type perfHeapSampler struct {
	base       uint64
	peak       uint64 // written by the sampling goroutine only
	stop, done chan struct{}
}

func startPerfHeapSampler() *perfHeapSampler {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := &perfHeapSampler{base: ms.HeapInuse, peak: ms.HeapInuse,
		stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			s.peak = max(s.peak, ms.HeapInuse)
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// stopAt ends sampling and returns the peak growth, in bytes.
func (s *perfHeapSampler) stopAt() float64 {
	close(s.stop)
	<-s.done
	return float64(s.peak - s.base)
}

// perfPattern streams size bytes of a fixed pseudo-random pattern, as a
// file would, without holding them.
type perfPattern struct {
	left  int
	state uint64
}

func newPerfPattern(size int) *perfPattern {
	return &perfPattern{left: size, state: 0x9e3779b97f4a7c15}
}

func (r *perfPattern) Read(p []byte) (int, error) {
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

// perfSum is the SHA-256 of what r yields.
func perfSum(tb testing.TB, r io.Reader) [sha256.Size]byte {
	tb.Helper()
	hash := sha256.New()
	_, err := io.Copy(hash, r)
	require.NoError(tb, err)
	return [sha256.Size]byte(hash.Sum(nil))
}

// BenchmarkOutlookSendAttachmentMemory measures the peak heap of sending
// a message with a 25 MiB attachment through a Manager, the attachment
// read from a stream as from a file, with the fakes in a child process.
// x-of-attachment is the peak heap growth over the attachment's size.
func BenchmarkOutlookSendAttachmentMemory(b *testing.B) {
	const size = 25 * mib
	f := startPerfFakes(b)
	h := newPerfHost(b, f.Endpoint, f.APIURL)
	f.mailbox(b, ada)
	id := h.connect(b, ada)
	ctx := context.Background()
	want := perfSum(b, newPerfPattern(size))

	var peak float64
	for b.Loop() {
		s := startPerfHeapSampler()
		sent, err := h.m.Send(ctx, id, &mailmanager.Outgoing{
			To:      []mailmanager.Address{{Email: "bob@example.org"}},
			Subject: "The measurements",
			Text:    "Attached.",
			Attachments: []mailmanager.OutgoingAttachment{{
				Filename: "data.bin", ContentType: "application/octet-stream",
				Content: newPerfPattern(size), Size: int64(size),
			}},
		})
		peak = max(peak, s.stopAt())
		require.NoError(b, err)

		b.StopTimer()
		mb, err := h.m.Mailbox(ctx, id)
		require.NoError(b, err)
		msg, err := mb.Message(ctx, sent.ID)
		require.NoError(b, err)
		require.Len(b, msg.Attachments, 1)
		require.EqualValues(b, size, msg.Attachments[0].Size)
		rc, err := mb.Attachment(ctx, sent.ID, msg.Attachments[0].ID)
		require.NoError(b, err)
		got := perfSum(b, rc)
		rc.Close()
		require.Equal(b, want, got, "the attachment arrived intact")
		b.StartTimer()
	}
	b.ReportMetric(peak/mib, "peak-heap-MiB")
	b.ReportMetric(peak/size, "x-of-attachment")
}
