package gmail_test

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/mailmanager/mailmanager/mailtest"
	"github.com/mailmanager/mailmanager/mailtest/gmailfake"
)

// The memory benchmarks run the fake OAuth and Gmail servers in a child
// process, this test binary started again to run TestBenchFakesChild with
// benchFakesEnv set, so that the heap they measure holds only the library
// and the host: a fake in the same process keeps every message it serves,
// and every upload, on the same heap, and its garbage would pace the
// collector.
const benchFakesEnv = "MAILMANAGER_BENCH_FAKES"

// TestBenchFakesChild is not a test: it is the body of the child process
// that the memory benchmarks start, and returns at once in any other run.
// It serves the fakes and answers the parent's commands on stdin and
// stdout until the parent closes stdin.
func TestBenchFakesChild(t *testing.T) {
	if os.Getenv(benchFakesEnv) == "" {
		t.Skip("runs only as the child process of a memory benchmark")
	}
	require.NoError(t, serveBenchFakes(os.Stdin, os.Stdout))
}

// benchFakesHello is the child's first line: where its servers listen.
type benchFakesHello struct {
	Endpoint  oauth2.Endpoint
	RevokeURL string
	APIURL    string
}

// benchFakesCmd is one request to the child. Op "mailbox" creates the
// mailbox Address with N messages from benchMail and makes the OAuth
// server consent as it; op "stats" asks for the Gmail fake's counters.
type benchFakesCmd struct {
	Op      string
	Address string
	N       int
}

// benchFakesReply answers a benchFakesCmd.
type benchFakesReply struct {
	Err   string
	Stats gmailfake.Stats
}

// serveBenchFakes runs the fakes, with benchLatency and the quota off,
// and answers commands read from in until in ends.
func serveBenchFakes(in io.Reader, out io.Writer) error {
	oauth := mailtest.NewOAuthServer()
	defer oauth.Close()
	oauth.RegisterClient(benchClientID, benchClientSecret)
	fake := gmailfake.New(oauth)
	defer fake.Close()
	fake.SetQuota(0)
	fake.SetLatency(benchLatency)

	enc := json.NewEncoder(out)
	hello := benchFakesHello{
		Endpoint:  oauth.GoogleEndpoint(),
		RevokeURL: oauth.GoogleRevokeURL(),
		APIURL:    fake.URL() + "/",
	}
	if err := enc.Encode(hello); err != nil {
		return err
	}
	dec := json.NewDecoder(in)
	for {
		var c benchFakesCmd
		if err := dec.Decode(&c); err == io.EOF {
			return nil // the parent is done with us
		} else if err != nil {
			return err
		}
		var r benchFakesReply
		switch c.Op {
		case "mailbox":
			fake.AddMailbox(c.Address)
			oauth.SetDefaultAddress(c.Address)
			if err := benchSeed(fake, c.Address, c.N); err != nil {
				r.Err = err.Error()
			}
		case "stats":
			r.Stats = fake.Stats()
		default:
			r.Err = "unknown op " + c.Op
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
}

// benchFakes is the parent's handle on the child process.
type benchFakes struct {
	benchFakesHello
	enc *json.Encoder
	dec *json.Decoder
}

// startBenchFakes starts the child process and stops it when tb ends.
func startBenchFakes(tb testing.TB) *benchFakes {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchFakesChild$")
	cmd.Env = append(os.Environ(), benchFakesEnv+"=1")
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

	f := &benchFakes{enc: json.NewEncoder(stdin), dec: json.NewDecoder(stdout)}
	require.NoError(tb, f.dec.Decode(&f.benchFakesHello), "the child reports its servers")
	return f
}

// do sends one command to the child and returns its answer.
func (f *benchFakes) do(tb testing.TB, c benchFakesCmd) benchFakesReply {
	tb.Helper()
	require.NoError(tb, f.enc.Encode(c))
	var r benchFakesReply
	require.NoError(tb, f.dec.Decode(&r))
	if r.Err != "" {
		require.NoError(tb, errors.New(r.Err), "child: %s", c.Op)
	}
	return r
}
