package graphfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// session creates a draft and an upload session for a file of size bytes
// and returns the draft's ID and the upload URL.
func (f *fixture) session(size int) (string, string) {
	f.t.Helper()
	draft := f.call("POST", "/me/messages", map[string]any{"subject": "big"}, imm...)
	require.Equal(f.t, http.StatusCreated, draft.status)
	res := f.call("POST", "/me/messages/"+url.PathEscape(draft.str("id"))+
		"/attachments/createUploadSession", map[string]any{"AttachmentItem": map[string]any{
		"attachmentType": "file", "name": "data.bin", "size": size,
		"contentType": "application/octet-stream"}}, imm...)
	require.Equal(f.t, http.StatusCreated, res.status, string(res.raw))
	assert.Equal(f.t, []any{"0-"}, res.body["nextExpectedRanges"])
	assert.NotEmpty(f.t, res.str("expirationDateTime"))
	return draft.str("id"), res.str("uploadUrl")
}

// put uploads data[first:last+1] to an upload URL without authorization.
func put(t *testing.T, uploadURL string, data []byte, first, last int) response {
	t.Helper()
	req, err := http.NewRequest("PUT", uploadURL, bytes.NewReader(data[first:last+1]))
	require.NoError(t, err)
	req.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", first, last, len(data)))
	req.Header.Set("Content-Type", "application/octet-stream")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	out := response{status: res.StatusCode, header: res.Header, raw: raw}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &out.body)
	}
	return out
}

// random returns n pseudo-random bytes, the same on every run.
func random(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.NewChaCha8([32]byte{1, 2, 3}).Read(b)
	return b
}

func TestServer_UploadTenMegabytes(t *testing.T) {
	f := newFixture(t)
	data := random(10 << 20)
	draftID, uploadURL := f.session(len(data))

	const chunk = 12 * chunkUnit // 3.75 MiB: under 4 MB, a multiple of 320 KiB
	var last response
	for first := 0; first < len(data); first += chunk {
		end := min(first+chunk, len(data)) - 1
		last = put(t, uploadURL, data, first, end)
		if end+1 < len(data) {
			require.Equal(t, http.StatusOK, last.status, string(last.raw))
			assert.Equal(t, []any{fmt.Sprint(end + 1)}, last.body["nextExpectedRanges"])
		}
	}
	require.Equal(t, http.StatusCreated, last.status, string(last.raw))
	assert.Empty(t, last.raw)
	loc := last.header.Get("Location")
	m := regexp.MustCompile(`/Attachments\('([^']+)'\)$`).FindStringSubmatch(loc)
	require.Len(t, m, 2, loc)
	attID, err := url.PathUnescape(m[1])
	require.NoError(t, err)

	msg, ok := f.s.Message(ada, draftID)
	require.True(t, ok)
	require.Len(t, msg.Attachments, 1)
	assert.Equal(t, attID, msg.Attachments[0].ID)
	assert.Equal(t, "data.bin", msg.Attachments[0].Name)
	assert.True(t, bytes.Equal(data, msg.Attachments[0].Content), "bytes read back equal")

	value := f.call("GET", "/me/messages/"+url.PathEscape(draftID)+"/attachments/"+
		url.PathEscape(attID)+"/$value", nil)
	assert.True(t, bytes.Equal(data, value.raw), "bytes served back equal")
	assert.Equal(t, http.StatusNotFound, put(t, uploadURL, data, 0, chunk-1).status,
		"a completed session is gone")
}

func TestServer_UploadRangeChecks(t *testing.T) {
	size := 8 << 20
	data := random(size)
	tests := []struct {
		name        string
		first, last int
		status      int
		inner       string
	}{
		{"overlap", 0, chunkUnit - 1, http.StatusRequestedRangeNotSatisfiable, "fragmentOverlap"},
		{"gap", 2 * chunkUnit, 3*chunkUnit - 1, http.StatusBadRequest, "fragmentOutOfOrder"},
		{"not a multiple of 320 KiB", chunkUnit, 2*chunkUnit + 9, http.StatusBadRequest, ""},
		{"over 4 MB", chunkUnit, chunkUnit + 14*chunkUnit - 1, http.StatusBadRequest,
			"maxFragmentLengthExceeded"},
		{"in order", chunkUnit, 2*chunkUnit - 1, http.StatusOK, ""},
	}
	f := newFixture(t)
	_, uploadURL := f.session(size)
	require.Equal(t, http.StatusOK, put(t, uploadURL, data, 0, chunkUnit-1).status)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := put(t, uploadURL, data, tt.first, tt.last)
			assert.Equal(t, tt.status, res.status, string(res.raw))
			if tt.status != http.StatusOK {
				e := res.body["error"].(map[string]any)
				assert.Equal(t, "invalidRange", e["code"])
				if tt.inner != "" {
					assert.Equal(t, tt.inner, e["innerError"].(map[string]any)["code"])
				}
			}
		})
	}
}

func TestServer_UploadHeaderChecks(t *testing.T) {
	f := newFixture(t)
	size := 3 << 20
	_, uploadURL := f.session(size)
	tests := []struct {
		name, contentRange string
		body               []byte
	}{
		{"no range", "", make([]byte, 10)},
		{"wrong total", fmt.Sprintf("bytes 0-9/%d", size+1), make([]byte, 10)},
		{"length mismatch", "bytes 0-19/" + fmt.Sprint(size), make([]byte, 10)},
		{"garbage", "bytes ten-twenty/30", make([]byte, 10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest("PUT", uploadURL, bytes.NewReader(tt.body))
			require.NoError(t, err)
			if tt.contentRange != "" {
				req.Header.Set("Content-Range", tt.contentRange)
			}
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			res.Body.Close()
			assert.Equal(t, http.StatusBadRequest, res.StatusCode)
		})
	}
	status := f.call("GET", uploadURL, nil, "Authorization", "")
	assert.Equal(t, []any{"0-"}, status.body["nextExpectedRanges"], "nothing was taken")
	forged := f.call("GET", uploadURL+"x", nil, "Authorization", "")
	assert.Equal(t, http.StatusNotFound, forged.status, "the authtoken must match")
	assert.Equal(t, http.StatusNoContent, f.call("DELETE", uploadURL, nil).status)
	assert.Equal(t, http.StatusNotFound, f.call("GET", uploadURL, nil).status)
}

func TestServer_UploadSessionSizes(t *testing.T) {
	f := newFixture(t)
	draft := f.call("POST", "/me/messages", map[string]any{"subject": "x"}, imm...)
	path := "/me/messages/" + url.PathEscape(draft.str("id")) + "/attachments/createUploadSession"
	tests := []struct {
		size   int
		status int
		code   string
	}{
		{3<<20 - 1, http.StatusBadRequest, "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize"},
		{3 << 20, http.StatusCreated, ""},
		{150<<20 + 1, http.StatusBadRequest, "ErrorAttachmentSizeLimitExceeded"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.size), func(t *testing.T) {
			res := f.call("POST", path, map[string]any{"attachmentItem": map[string]any{
				"attachmentType": "file", "name": "f", "size": tt.size}})
			assert.Equal(t, tt.status, res.status)
			assert.Equal(t, tt.code, res.errorCode())
		})
	}
}
