package gmail

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	gmailapi "google.golang.org/api/gmail/v1"
)

// quirkyServer answers messages.get with payload and attachments.get from
// bodies, as Gmail does for parts it stores aside. The fake Gmail server
// inlines every text body, so these shapes are served by hand.
func quirkyServer(t *testing.T, payload *gmailapi.MessagePart,
	bodies map[string][]byte) *mailbox {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		const prefix = "/gmail/v1/users/me/messages/m1"
		switch {
		case r.URL.Path == prefix:
			_ = json.NewEncoder(w).Encode(&gmailapi.Message{
				Id: "m1", ThreadId: "t1", Payload: payload, LabelIds: []string{"INBOX"},
			})
		case strings.HasPrefix(r.URL.Path, prefix+"/attachments/"):
			b, ok := bodies[strings.TrimPrefix(r.URL.Path, prefix+"/attachments/")]
			if !ok {
				w.WriteHeader(http.StatusNotFound)
				_, _ = io.WriteString(w, `{"error":{"code":404,"message":"gone"}}`)
				return
			}
			_ = json.NewEncoder(w).Encode(&gmailapi.MessagePartBody{
				Size: int64(len(b)), Data: base64.URLEncoding.EncodeToString(b),
			})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	mb, err := New(Config{APIURL: srv.URL + "/"}).Open(context.Background(), srv.Client())
	require.NoError(t, err)
	return mb.(*mailbox)
}

func hdr(kv ...string) []*gmailapi.MessagePartHeader {
	var out []*gmailapi.MessagePartHeader
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, &gmailapi.MessagePartHeader{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

func TestMessage_PayloadQuirks(t *testing.T) {
	latin1 := []byte("Gr\xfc\xdfe aus M\xfcnchen") // ISO-8859-1
	inline := []byte("tiny inline attachment")
	payload := &gmailapi.MessagePart{
		PartId: "", MimeType: "multipart/mixed",
		Headers: hdr("Subject", "=?utf-8?q?Gr=C3=BC=C3=9Fe?=", "From", "a@example.org"),
		Parts: []*gmailapi.MessagePart{
			{
				PartId: "0", MimeType: "text/plain",
				Headers: hdr("Content-Type", "text/plain; charset=ISO-8859-1; format=flowed"),
				Body:    &gmailapi.MessagePartBody{AttachmentId: "big-text", Size: int64(len(latin1))},
			},
			{
				PartId: "1", MimeType: "text/plain", Filename: "notes.txt",
				Headers: hdr("Content-Type", `text/plain; charset="us-ascii"`,
					"Content-Disposition", "attachment"),
				Body: &gmailapi.MessagePartBody{
					Data: base64.RawURLEncoding.EncodeToString(inline), Size: int64(len(inline)),
				},
			},
			{
				PartId: "2", MimeType: "message/rfc822", Filename: "",
				Body: &gmailapi.MessagePartBody{AttachmentId: "fwd", Size: 99},
				Parts: []*gmailapi.MessagePart{{
					PartId: "2.0", MimeType: "text/plain",
					Body: &gmailapi.MessagePartBody{
						Data: base64.RawURLEncoding.EncodeToString([]byte("inner body")),
					},
				}},
			},
		},
	}
	mb := quirkyServer(t, payload, map[string][]byte{"big-text": latin1})

	m, err := mb.Message(context.Background(), "m1")
	require.NoError(t, err)
	assert.Equal(t, "Grüße", m.Subject)
	assert.Equal(t, "Grüße aus München", m.Text, "text body fetched and decoded")
	require.Len(t, m.Attachments, 2)
	assert.Equal(t, "notes.txt", m.Attachments[0].Filename)
	assert.Equal(t, "part:1", m.Attachments[0].ID, "inlined data is reached by part")
	assert.Equal(t, "message/rfc822", m.Attachments[1].ContentType)
	assert.Equal(t, "fwd", m.Attachments[1].ID)
	assert.NotContains(t, m.Text, "inner body", "an attached message's body is not ours")

	rc, err := mb.Attachment(context.Background(), "m1", m.Attachments[0].ID)
	require.NoError(t, err)
	got, err := io.ReadAll(rc)
	require.NoError(t, err)
	assert.Equal(t, inline, got)

	_, err = mb.Attachment(context.Background(), "m1", "part:9")
	assert.Error(t, err)
}

func TestCharset_Tolerant(t *testing.T) {
	tests := map[string]string{
		"text/plain; charset=UTF-8":               "UTF-8",
		`text/plain; charset="koi8-r"`:            "koi8-r",
		"text/plain; charset=iso-8859-2; broken=": "iso-8859-2",
		"text/plain;; charset=windows-1252 ;x":    "windows-1252",
		"text/plain":                              "",
	}
	for ct, want := range tests {
		p := &gmailapi.MessagePart{Headers: hdr("Content-Type", ct)}
		assert.Equal(t, want, charset(p), ct)
	}
}
