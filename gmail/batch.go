package gmail

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	gmailapi "google.golang.org/api/gmail/v1"
	"google.golang.org/api/googleapi"

	"github.com/mailmanager/mailmanager"
)

// maxReplyBody caps one inner answer of a batch. Gmail messages are at
// most 35 MB in raw form; their format=full JSON stays below this.
const maxReplyBody = 64 << 20

// call is one request inside a batch.
type call struct {
	method string
	path   string // absolute, with query: "/gmail/v1/users/me/..."
	body   []byte // JSON, or nil
}

// reply is the answer to one call of a batch.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// ok reports a 2xx answer.
func (r *reply) ok() bool { return r.status/100 == 2 }

// temporary reports a throttle or server fault worth one more try.
func (r *reply) temporary() bool {
	return r.status == http.StatusTooManyRequests || r.status/100 == 5
}

// err converts a failed reply to the library's error for op.
func (r *reply) err(op string) error {
	res := &http.Response{
		StatusCode: r.status,
		Header:     r.header,
		Body:       io.NopCloser(bytes.NewReader(r.body)),
	}
	if err := googleapi.CheckResponse(res); err != nil {
		return apiError(op, err)
	}
	return nil
}

// messagePath is the batch path of messages.get for id.
func messagePath(id, format string) string {
	return "/gmail/v1/users/me/messages/" + url.PathEscape(id) + "?format=" + format
}

// fetchMessages gets the messages ids in format=full through the batch
// endpoint. The result is index-aligned with ids; a message that no
// longer exists is nil.
func (m *mailbox) fetchMessages(ctx context.Context, ids []string) ([]*gmailapi.Message, error) {
	calls := make([]call, len(ids))
	for i, id := range ids {
		calls[i] = call{method: http.MethodGet, path: messagePath(id, "full")}
	}
	replies, err := m.runBatch(ctx, "messages.get", calls)
	if err != nil {
		return nil, err
	}
	msgs := make([]*gmailapi.Message, len(ids))
	for i, r := range replies {
		if r.status == http.StatusNotFound {
			continue
		}
		if !r.ok() {
			return nil, r.err("messages.get")
		}
		var msg gmailapi.Message
		if err := json.Unmarshal(r.body, &msg); err != nil {
			return nil, fmt.Errorf("gmail: messages.get %s: decode: %w", ids[i], err)
		}
		msgs[i] = &msg
	}
	return msgs, nil
}

// Inner calls answered with 429 or 5xx are tried again in later batches,
// at most batchTries times in all, waiting between rounds. The Manager's
// retry layer sees only the outer request, so this is the retry of the
// calls inside it.
const (
	batchTries     = 5
	batchBaseDelay = 200 * time.Millisecond
	batchMaxDelay  = 10 * time.Second
)

// runBatch makes calls through as few batch requests as the batch size
// allows. A call answered with 429 or 5xx is queued for a later round,
// after the delay its answers asked for (or a growing backoff), up to
// batchTries in all; if it fails every time, so does runBatch. Other
// answers, failures included, are returned index-aligned with calls for
// the caller to judge.
func (m *mailbox) runBatch(ctx context.Context, op string, calls []call) ([]reply, error) {
	replies := make([]reply, len(calls))
	tries := make([]int, len(calls))
	queue := make([]int, len(calls))
	for i := range queue {
		queue[i] = i
	}
	for round := 0; len(queue) > 0; round++ {
		if round > 0 {
			if err := m.pause(ctx, queue, replies, round); err != nil {
				return nil, err
			}
		}
		var again []int
		for len(queue) > 0 {
			n := min(len(queue), m.batchSize)
			chunk := queue[:n]
			queue = queue[n:]
			batch := make([]call, n)
			for j, i := range chunk {
				batch[j] = calls[i]
			}
			got, err := m.batch(ctx, op, batch)
			if err != nil {
				return nil, err
			}
			for j, i := range chunk {
				replies[i] = got[j]
				tries[i]++
				if !got[j].temporary() {
					continue
				}
				if tries[i] >= batchTries {
					return nil, fmt.Errorf("gmail: %s: failed %d times: %w", op, tries[i], got[j].err(op))
				}
				again = append(again, i)
			}
		}
		queue = again
	}
	return replies, nil
}

// pause waits before a retry round: the longest Retry-After among the
// failed answers, or an exponential backoff, capped.
func (m *mailbox) pause(ctx context.Context, failed []int, replies []reply, round int) error {
	wait := batchBaseDelay << min(round-1, 10)
	for _, i := range failed {
		if ra := mailmanager.RetryAfter(replies[i].header, time.Now()); ra > wait {
			wait = ra
		}
	}
	wait = min(wait, batchMaxDelay)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// batch sends calls (at most the batch size) in one HTTP request to
// Gmail's batch endpoint and returns the answers index-aligned with calls.
func (m *mailbox) batch(ctx context.Context, op string, calls []call) ([]reply, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for i, c := range calls {
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", "application/http")
		h.Set("Content-Transfer-Encoding", "binary")
		h.Set("Content-ID", "<item"+strconv.Itoa(i)+">")
		w, err := mw.CreatePart(h)
		if err != nil {
			return nil, fmt.Errorf("gmail: %s: batch: %w", op, err)
		}
		fmt.Fprintf(w, "%s %s HTTP/1.1\r\n", c.method, c.path)
		if c.body != nil {
			fmt.Fprintf(w, "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n",
				len(c.body))
			_, _ = w.Write(c.body)
		} else {
			_, _ = io.WriteString(w, "\r\n")
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("gmail: %s: batch: %w", op, err)
	}

	units, reads := 0, true
	for _, c := range calls {
		units += methodCost(c.method, c.path)
		reads = reads && c.method == http.MethodGet
	}
	req, err := http.NewRequestWithContext(withBatchCost(ctx, units), http.MethodPost,
		m.batchURL, bytes.NewReader(body.Bytes()))
	if err != nil {
		return nil, fmt.Errorf("gmail: %s: batch: %w", op, err)
	}
	req.Header.Set("Content-Type", "multipart/mixed; boundary="+mw.Boundary())
	if reads {
		// A batch of reads may be sent again after a failure.
		req.Header.Set("Idempotency-Key", mw.Boundary())
	}
	res, err := m.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("gmail: %s: batch: %w", op, err)
	}
	defer res.Body.Close()
	if err := googleapi.CheckResponse(res); err != nil {
		return nil, apiError(op, err)
	}

	return readBatch(op, res, len(calls))
}

// readBatch parses the multipart/mixed answer of a batch of n calls.
// Parts are matched to calls by Content-ID ("<response-itemN>"), or by
// position when a part has none.
func readBatch(op string, res *http.Response, n int) ([]reply, error) {
	mediaType, params, err := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mediaType, "multipart/") || params["boundary"] == "" {
		return nil, fmt.Errorf("gmail: %s: batch answer is not multipart", op)
	}
	replies := make([]reply, n)
	seen := make([]bool, n)
	mr := multipart.NewReader(res.Body, params["boundary"])
	for pos := 0; ; pos++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("gmail: %s: batch answer: %w", op, err)
		}
		i, ok := replyIndex(part.Header.Get("Content-ID"), pos)
		if !ok || i >= n || seen[i] {
			return nil, fmt.Errorf("gmail: %s: batch answer part %d is unexpected", op, pos)
		}
		r, err := readReply(part)
		if err != nil {
			return nil, fmt.Errorf("gmail: %s: batch answer part %d: %w", op, pos, err)
		}
		replies[i] = r
		seen[i] = true
	}
	for i, s := range seen {
		if !s {
			return nil, fmt.Errorf("gmail: %s: batch answer lacks call %d of %d", op, i+1, n)
		}
	}
	return replies, nil
}

// replyIndex reads the call index from a part's Content-ID, falling back to
// the part's position when it has none.
func replyIndex(contentID string, pos int) (int, bool) {
	id := strings.Trim(strings.TrimSpace(contentID), "<>")
	if id == "" {
		return pos, true
	}
	id = strings.TrimPrefix(id, "response-")
	digits, ok := strings.CutPrefix(id, "item")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(digits)
	return i, err == nil && i >= 0
}

// readReply parses one application/http part: a status line, headers and
// a body.
func readReply(part io.Reader) (reply, error) {
	res, err := http.ReadResponse(bufio.NewReader(part), nil)
	if err != nil {
		return reply{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxReplyBody+1))
	if err != nil {
		return reply{}, err
	}
	if len(body) > maxReplyBody {
		return reply{}, fmt.Errorf("answer larger than %d bytes", maxReplyBody)
	}
	return reply{status: res.StatusCode, header: res.Header, body: body}, nil
}
