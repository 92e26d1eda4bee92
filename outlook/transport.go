package outlook

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	khttp "github.com/microsoft/kiota-http-go"
)

// limiter keeps at most cap(slots) requests of one mailbox in flight. A
// slot is held from the start of a request until its response body is
// closed, so a response still streaming counts as in flight.
type limiter struct {
	slots chan struct{}
}

func newLimiter(n int) *limiter {
	return &limiter{slots: make(chan struct{}, n)}
}

func (l *limiter) acquire(r *http.Request) error {
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-r.Context().Done():
		return r.Context().Err()
	}
}

func (l *limiter) release() { <-l.slots }

// hold ties the slot taken for a request to the response's body.
func (l *limiter) hold(resp *http.Response, err error) (*http.Response, error) {
	if err != nil || resp == nil || resp.Body == nil {
		l.release()
		return resp, err
	}
	resp.Body = &slotBody{ReadCloser: resp.Body, release: l.release}
	return resp, nil
}

// Intercept implements khttp.Middleware. It runs first in the pipeline, so
// retries and redirects happen within one slot.
func (l *limiter) Intercept(p khttp.Pipeline, i int, r *http.Request) (*http.Response, error) {
	if err := l.acquire(r); err != nil {
		return nil, err
	}
	return l.hold(p.Next(r, i))
}

// limitTransport applies a limiter to requests outside the Graph pipeline,
// such as attachment upload chunks.
type limitTransport struct {
	lim  *limiter
	next http.RoundTripper
}

func (t limitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := t.lim.acquire(r); err != nil {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, err
	}
	return t.lim.hold(t.next.RoundTrip(r))
}

// slotBody releases its slot once, when closed.
type slotBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

func (b *slotBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}

// preferImmutableIDs asks Graph for IDs that survive moves between folders,
// so a moved message keeps its ID and a sync sees a move as a change.
// QUIRK: without this preference Graph changes a message's ID when it
// moves; see
// https://learn.microsoft.com/graph/outlook-immutable-id
type preferImmutableIDs struct{}

const immutableIDPreference = `IdType="ImmutableId"`

// Intercept implements khttp.Middleware. It merges the preference into
// any Prefer header the request already has, as one list.
func (preferImmutableIDs) Intercept(p khttp.Pipeline, i int, r *http.Request) (
	*http.Response, error) {
	prefs := r.Header.Values("Prefer")
	for _, v := range prefs {
		if strings.Contains(v, "IdType=") {
			return p.Next(r, i)
		}
	}
	r.Header.Set("Prefer", strings.Join(append(prefs, immutableIDPreference), ", "))
	return p.Next(r, i)
}

// replayable makes a request's body, as the compression middleware left
// it, readable again through GetBody. The SDK sets no GetBody, so without
// it the retry layer under the pipeline (mailmanager's retry policy)
// could not retry a POST or PATCH that Graph throttled.
type replayable struct{}

// Intercept implements khttp.Middleware.
func (replayable) Intercept(p khttp.Pipeline, i int, r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody || r.GetBody != nil {
		return p.Next(r, i)
	}
	b, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	r.GetBody = func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}
	r.Body, _ = r.GetBody()
	r.ContentLength = int64(len(b))
	return p.Next(r, i)
}

// errorBodies turns an error response without a JSON body (a proxy's HTML
// page, an empty 502) into a Graph error body, so that the SDK reports it
// with its status instead of failing to parse it. It also drops the claims
// challenge of a 401: the client given to Open owns authentication, and
// the SDK's answer to a challenge, sending the request again while it
// holds the first response, would take a second slot of the limiter.
type errorBodies struct{}

// Intercept implements khttp.Middleware.
func (errorBodies) Intercept(p khttp.Pipeline, i int, r *http.Request) (*http.Response, error) {
	resp, err := p.Next(r, i)
	if err != nil || resp.StatusCode < 400 {
		return resp, err
	}
	if resp.StatusCode == http.StatusUnauthorized &&
		strings.Contains(resp.Header.Get("WWW-Authenticate"), "claims=") {
		resp.Header.Del("WWW-Authenticate")
	}
	if isJSON(resp.Header.Get("Content-Type")) {
		return resp, nil
	}
	drain(resp.Body)
	msg := strconv.Quote(http.StatusText(resp.StatusCode))
	body := `{"error":{"code":"","message":` + msg + `}}`
	resp.Body = io.NopCloser(strings.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Type", "application/json")
	resp.Header.Del("Content-Length")
	return resp, nil
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// drain reads a little of a discarded body, so the connection can be
// reused, and closes it.
func drain(body io.ReadCloser) {
	if body == nil {
		return
	}
	io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	body.Close()
}

// each calls fn(i) for every i below n on at most maxInFlight goroutines:
// more would only wait for the limiter.
func each(n int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(n, maxInFlight) {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// nullAnswers refuses an answer whose body is JSON null before the SDK
// parses it, and passes every other to next, the SDK's own parse node
// factory. QUIRK: kiota's JSON parse node for a null document is a nil
// pointer, on which the backing store's factory, which Graph's adapter
// wraps around every parse node factory, calls a method and panics.
// Graph sends no null where an object is due; a broken proxy may.
type nullAnswers struct {
	next absser.ParseNodeFactory
}

var errNullAnswer = errors.New("outlook: answer is JSON null")

// GetValidContentType implements absser.ParseNodeFactory.
func (f nullAnswers) GetValidContentType() (string, error) {
	return f.next.GetValidContentType()
}

// GetRootParseNode implements absser.ParseNodeFactory.
func (f nullAnswers) GetRootParseNode(contentType string, content []byte) (
	absser.ParseNode, error) {
	if string(bytes.Trim(content, " \t\r\n")) == "null" {
		return nil, errNullAnswer
	}
	return f.next.GetRootParseNode(contentType, content)
}
