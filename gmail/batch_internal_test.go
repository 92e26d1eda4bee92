package gmail

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// batchAnswer builds a multipart/mixed batch answer from parts given as
// Content-ID and inner HTTP response.
func batchAnswer(parts ...[2]string) *http.Response {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString("--xyz\r\nContent-Type: application/http\r\n")
		if p[0] != "" {
			b.WriteString("Content-ID: " + p[0] + "\r\n")
		}
		b.WriteString("\r\n" + p[1] + "\r\n")
	}
	b.WriteString("--xyz--\r\n")
	return &http.Response{
		Header: http.Header{"Content-Type": {"multipart/mixed; boundary=xyz"}},
		Body:   io.NopCloser(strings.NewReader(b.String())),
	}
}

const (
	ok1 = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"id\":\"a\"}"
	ok2 = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"id\":\"b\"}"
	nf  = "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n" +
		`{"error":{"code":404,"message":"gone","errors":[{"reason":"notFound"}]}}`
)

func TestReadBatch_MatchesByContentID(t *testing.T) {
	res := batchAnswer(
		[2]string{"<response-item2>", nf},
		[2]string{"<response-item0>", ok1},
		[2]string{"<response-item1>", ok2},
	)
	got, err := readBatch("messages.get", res, 3)
	require.NoError(t, err)
	assert.Equal(t, 200, got[0].status)
	assert.JSONEq(t, `{"id":"a"}`, strings.TrimSpace(string(got[0].body)))
	assert.JSONEq(t, `{"id":"b"}`, strings.TrimSpace(string(got[1].body)))
	assert.Equal(t, 404, got[2].status)
	assert.ErrorContains(t, got[2].err("messages.get"), "notFound")
}

func TestReadBatch_PositionWithoutContentID(t *testing.T) {
	got, err := readBatch("messages.get", batchAnswer([2]string{"", ok1}, [2]string{"", ok2}), 2)
	require.NoError(t, err)
	assert.Contains(t, string(got[1].body), `"b"`)
}

func TestReadBatch_Refuses(t *testing.T) {
	tests := []struct {
		name string
		res  *http.Response
		n    int
	}{
		{"missing answer", batchAnswer([2]string{"<response-item0>", ok1}), 2},
		{"duplicate answer", batchAnswer(
			[2]string{"<response-item0>", ok1}, [2]string{"<response-item0>", ok2}), 2},
		{"unknown content id", batchAnswer([2]string{"<response-other>", ok1}), 1},
		{"index out of range", batchAnswer([2]string{"<response-item5>", ok1}), 1},
		{"not multipart", &http.Response{
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   io.NopCloser(strings.NewReader("{}")),
		}, 1},
		{"garbled inner answer", batchAnswer([2]string{"<response-item0>", "nonsense"}), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readBatch("messages.get", tt.res, tt.n)
			assert.ErrorContains(t, err, "gmail: messages.get: batch answer")
		})
	}
}

func TestCursor_RoundTripAndRefusal(t *testing.T) {
	c := cursor{History: 1234, Full: true, Page: "tok", Query: "after:5"}
	got, err := parseCursor(c.String())
	require.NoError(t, err)
	c.V = 1
	assert.Equal(t, c, got)

	for _, bad := range []string{"%%%", "e30", cursor{}.String()} {
		_, err := parseCursor(bad)
		assert.ErrorContains(t, err, "unreadable cursor", bad)
	}
}
