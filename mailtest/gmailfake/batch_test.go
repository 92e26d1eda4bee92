package gmailfake_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager/mailtest/gmailfake"
)

// innerCall is one call of a hand-written batch request.
type innerCall struct {
	contentID string
	request   string // request line, headers, blank line and body
}

// batchAnswer is one inner response of a batch.
type batchAnswer struct {
	contentID string
	status    int
	header    http.Header
	body      []byte
}

// postBatch sends calls to the batch endpoint with token as the outer
// authorization and splits the answer.
func postBatch(t testing.TB, fake *gmailfake.Server, token string,
	calls []innerCall) (int, []batchAnswer) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, c := range calls {
		h := textproto.MIMEHeader{"Content-Type": {"application/http"}}
		if c.contentID != "" {
			h["Content-ID"] = []string{"<" + c.contentID + ">"}
		}
		pw, err := mw.CreatePart(h)
		require.NoError(t, err)
		_, _ = io.WriteString(pw, c.request)
	}
	require.NoError(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, fake.URL()+"/batch/gmail/v1", &body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "multipart/mixed; boundary="+mw.Boundary())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}

	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/mixed", mt)
	mr := multipart.NewReader(resp.Body, params["boundary"])
	var answers []batchAnswer
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		require.Equal(t, "application/http", p.Header.Get("Content-Type"))
		inner, err := http.ReadResponse(bufio.NewReader(p), nil)
		require.NoError(t, err)
		b, err := io.ReadAll(inner.Body)
		require.NoError(t, err)
		answers = append(answers, batchAnswer{
			contentID: p.Header.Get("Content-ID"),
			status:    inner.StatusCode,
			header:    inner.Header,
			body:      b,
		})
	}
	return resp.StatusCode, answers
}

func getCall(id string) innerCall {
	return innerCall{
		contentID: "item-" + id,
		request:   "GET /gmail/v1/users/me/messages/" + id + "?format=metadata HTTP/1.1\r\n\r\n",
	}
}

func TestServer_BatchTenGets(t *testing.T) {
	fake, clock := newFake(t)
	ids := deliverN(t, fake, clock, 10)
	var calls []innerCall
	for _, id := range ids {
		calls = append(calls, getCall(id))
	}
	fake.ResetStats()

	status, answers := postBatch(t, fake, annToken, calls)
	require.Equal(t, http.StatusOK, status)
	require.Len(t, answers, 10)
	for i, a := range answers {
		assert.Equal(t, http.StatusOK, a.status)
		assert.Equal(t, "<response-item-"+ids[i]+">", a.contentID)
		var m struct {
			ID      string `json:"id"`
			Payload struct {
				Headers []struct{ Name, Value string } `json:"headers"`
			} `json:"payload"`
		}
		require.NoError(t, json.Unmarshal(a.body, &m))
		assert.Equal(t, ids[i], m.ID)
		assert.NotEmpty(t, m.Payload.Headers)
	}

	st := fake.Stats()
	assert.Equal(t, 1, st.RoundTrips)
	assert.Equal(t, 1, st.BatchRequests)
	assert.Equal(t, 10, st.BatchCalls)
	assert.Equal(t, map[string]int{"messages.get": 10}, st.Calls)
	assert.Equal(t, 50, st.QuotaUnits, "each inner call pays its own units")
}

func TestServer_BatchInnerCallsStandAlone(t *testing.T) {
	fake, clock := newFake(t)
	ids := deliverN(t, fake, clock, 3)
	fake.SetFault(func(r *http.Request) (int, time.Duration) {
		if strings.HasSuffix(r.URL.Path, ids[2]) {
			return http.StatusServiceUnavailable, 2 * time.Second
		}
		return 0, 0
	})
	modify := innerCall{request: "POST /gmail/v1/users/me/messages/" + ids[1] + "/modify\r\n" +
		"Content-Type: application/json\r\n\r\n" + `{"removeLabelIds":["UNREAD"]}`}
	badAuth := getCall(ids[0])
	badAuth.request = "GET /gmail/v1/users/me/messages/" + ids[0] + "\r\n" +
		"Authorization: Bearer stolen\r\n\r\n"
	calls := []innerCall{
		getCall(ids[0]),
		modify,
		getCall(ids[2]),
		badAuth,
		getCall("00000000000000ff"),
		{request: "GET /gmail/v1/users/me/nowhere\r\n\r\n"},
	}

	status, answers := postBatch(t, fake, annToken, calls)
	require.Equal(t, http.StatusOK, status)
	require.Len(t, answers, len(calls))
	got := make([]int, len(answers))
	for i, a := range answers {
		got[i] = a.status
	}
	assert.Equal(t, []int{200, 200, 503, 401, 404, 404}, got)
	assert.Equal(t, "<response-2>", answers[1].contentID, "position without a Content-ID")
	assert.Equal(t, "2", answers[2].header.Get("Retry-After"))
	m, _ := fake.Message(ann, ids[1])
	assert.Equal(t, []string{"INBOX"}, m.LabelIDs, "the inner modify took effect")
}

func TestServer_BatchQuotaPerInnerCall(t *testing.T) {
	fake, clock := newFake(t)
	ids := deliverN(t, fake, clock, 3)
	fake.SetQuota(12)
	status, answers := postBatch(t, fake, annToken,
		[]innerCall{getCall(ids[0]), getCall(ids[1]), getCall(ids[2])})
	require.Equal(t, http.StatusOK, status)
	require.Len(t, answers, 3)
	assert.Equal(t, 200, answers[0].status)
	assert.Equal(t, 200, answers[1].status)
	assert.Equal(t, 429, answers[2].status)
	assert.NotEmpty(t, answers[2].header.Get("Retry-After"))
	assert.Equal(t, 1, fake.Stats().Throttled)
}

func TestServer_BatchLimits(t *testing.T) {
	fake, clock := newFake(t)
	ids := deliverN(t, fake, clock, 1)
	cases := []struct {
		name   string
		n      int
		status int
	}{
		{"one hundred", 100, http.StatusOK},
		{"one hundred and one", 101, http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake.ResetStats()
			calls := make([]innerCall, tc.n)
			for i := range calls {
				calls[i] = getCall(ids[0])
				calls[i].contentID = fmt.Sprint(i)
			}
			status, answers := postBatch(t, fake, annToken, calls)
			assert.Equal(t, tc.status, status)
			if tc.status == http.StatusOK {
				assert.Len(t, answers, tc.n)
			} else {
				assert.Zero(t, fake.Stats().Calls["messages.get"], "nothing ran")
			}
		})
	}
}
