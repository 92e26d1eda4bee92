package gmailfake_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/gmail/v1"
	"google.golang.org/api/googleapi"
)

func encodeRaw(raw []byte) string { return base64.URLEncoding.EncodeToString(raw) }

func TestServer_SendSimple(t *testing.T) {
	fake, _ := newFake(t)
	svc := service(t, fake, annToken)
	raw := textMessage(ann, "carol@example.com", "Hello", "Hi Carol", "Bcc: boss@example.com")

	sent, err := svc.Users.Messages.Send("me", &gmail.Message{Raw: encodeRaw(raw)}).Do()
	require.NoError(t, err)
	assert.Equal(t, []string{"SENT"}, sent.LabelIds)
	assert.Equal(t, sent.Id, sent.ThreadId)

	out := fake.Sent(ann)
	require.Len(t, out, 1)
	assert.Equal(t, sent.Id, out[0].ID)
	assert.Equal(t, []string{"boss@example.com"}, out[0].Bcc)
	assert.NotContains(t, string(out[0].Raw), "Bcc:")
	assert.Contains(t, string(out[0].Raw), "Message-ID: <")
	assert.Contains(t, string(out[0].Raw), "Date: ")
	assert.Contains(t, string(out[0].Raw), "\r\n\r\nHi Carol\r\n", "body kept")

	stored, ok := fake.Message(ann, sent.Id)
	require.True(t, ok)
	assert.Equal(t, out[0].Raw, stored.Raw)
}

func TestServer_SendToSelfLandsInInbox(t *testing.T) {
	fake, _ := newFake(t)
	svc := service(t, fake, annToken)
	raw := textMessage(ann, ann, "Note to self", "milk")
	sent, err := svc.Users.Messages.Send("me", &gmail.Message{Raw: encodeRaw(raw)}).Do()
	require.NoError(t, err)
	assert.Equal(t, []string{"SENT", "INBOX", "UNREAD"}, sent.LabelIds)
}

func TestServer_SendFromAlias(t *testing.T) {
	fake, _ := newFake(t)
	fake.AddSendAs(ann, "ann@work.example", true)
	fake.AddSendAs(ann, "ann@pending.example", false)
	svc := service(t, fake, annToken)
	cases := []struct {
		name, from, wantFrom string
	}{
		{"verified alias kept", "Ann <ann@work.example>", "From: Ann <ann@work.example>"},
		{"pending alias replaced", "ann@pending.example", "From: " + ann},
		{"stranger replaced", "mallory@example.com", "From: " + ann},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := textMessage(tc.from, "carol@example.com", "Alias", "hi")
			_, err := svc.Users.Messages.Send("me", &gmail.Message{Raw: encodeRaw(raw)}).Do()
			require.NoError(t, err)
			out := fake.Sent(ann)
			require.Len(t, out, i+1)
			assert.Contains(t, string(out[i].Raw), tc.wantFrom+"\r\n")
		})
	}
}

func TestServer_SendKeepsThreadOnlyWhenGmailWould(t *testing.T) {
	fake, _ := newFake(t)
	orig, err := fake.Deliver(ann, textMessage("carol@example.com", ann, "Lunch?", "noon?",
		"Message-ID: <l1@example.com>"))
	require.NoError(t, err)
	svc := service(t, fake, annToken)
	reply := func(subject string, refs bool) []byte {
		var extra []string
		if refs {
			extra = []string{"In-Reply-To: <l1@example.com>", "References: <l1@example.com>"}
		}
		return textMessage(ann, "carol@example.com", subject, "sure", extra...)
	}
	cases := []struct {
		name       string
		raw        []byte
		threadID   string
		sameThread bool
	}{
		{"reply with threadId", reply("Re: Lunch?", true), orig, true},
		{"no threadId", reply("Re: Lunch?", true), "", false},
		{"no references", reply("Re: Lunch?", false), orig, false},
		{"other subject", reply("Dinner", true), orig, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sent, err := svc.Users.Messages.Send("me", &gmail.Message{
				Raw: encodeRaw(tc.raw), ThreadId: tc.threadID}).Do()
			require.NoError(t, err)
			assert.Equal(t, tc.sameThread, sent.ThreadId == orig)
		})
	}

	_, err = svc.Users.Messages.Send("me", &gmail.Message{
		Raw: encodeRaw(reply("Re: Lunch?", true)), ThreadId: "00000000000000aa"}).Do()
	assert.Equal(t, http.StatusNotFound, apiError(t, err).Code, "unknown thread")
}

func TestServer_SendRejects(t *testing.T) {
	fake, _ := newFake(t)
	svc := service(t, fake, annToken)
	cases := []struct {
		name string
		msg  *gmail.Message
	}{
		{"no raw", &gmail.Message{}},
		{"no recipient", &gmail.Message{Raw: encodeRaw([]byte("Subject: x\r\n\r\nbody"))}},
		{"bad base64", &gmail.Message{Raw: "!!!"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Users.Messages.Send("me", tc.msg).Do()
			require.Error(t, err)
			assert.Equal(t, http.StatusBadRequest, apiError(t, err).Code)
		})
	}
	assert.Empty(t, fake.Sent(ann))
}

// bigMessage is a message with an attachment of n random bytes.
func bigMessage(n int) []byte {
	return []byte("From: " + ann + "\r\nTo: carol@example.com\r\nSubject: Big\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--b\r\nContent-Type: application/octet-stream; name=blob.bin\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + wrap64(randomBytes(n, 7)) +
		"\r\n--b--\r\n")
}

func TestServer_SendMediaUpload(t *testing.T) {
	fake, _ := newFake(t)
	svc := service(t, fake, annToken)
	cases := []struct {
		name       string
		size       int
		opts       []googleapi.MediaOption
		roundTrips int
	}{
		{"multipart over 5 MB", 4 << 20,
			[]googleapi.MediaOption{googleapi.ContentType("message/rfc822")}, 1},
		{"resumable in chunks", 600 << 10, []googleapi.MediaOption{
			googleapi.ContentType("message/rfc822"), googleapi.ChunkSize(256 << 10)}, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := bigMessage(tc.size)
			fake.ResetStats()
			sent, err := svc.Users.Messages.Send("me", &gmail.Message{}).
				Media(bytes.NewReader(raw), tc.opts...).Do()
			require.NoError(t, err)
			assert.Equal(t, []string{"SENT"}, sent.LabelIds)

			got, ok := fake.Message(ann, sent.Id)
			require.True(t, ok)
			assert.True(t, bytes.HasSuffix(got.Raw, bodyOf(raw)), "body stored byte-equal")
			st := fake.Stats()
			assert.Equal(t, tc.roundTrips, st.RoundTrips)
			assert.Equal(t, map[string]int{"messages.send": 1}, st.Calls)
			assert.Equal(t, 100, st.QuotaUnits)
		})
	}
	assert.Greater(t, len(bigMessage(4<<20)), 5<<20, "the first case is over 5 MB")
}

func TestServer_ResumableUploadRetriesAChunk(t *testing.T) {
	fake, _ := newFake(t)
	svc := service(t, fake, annToken)
	var failed atomic.Bool
	fake.SetFault(func(r *http.Request) (int, time.Duration) {
		if r.URL.Query().Get("upload_id") != "" && failed.CompareAndSwap(false, true) {
			return http.StatusServiceUnavailable, 0
		}
		return 0, 0
	})
	raw := bigMessage(300 << 10) // two chunks
	sent, err := svc.Users.Messages.Send("me", &gmail.Message{}).Media(bytes.NewReader(raw),
		googleapi.ContentType("message/rfc822"), googleapi.ChunkSize(256<<10)).Do()
	require.NoError(t, err)

	got, ok := fake.Message(ann, sent.Id)
	require.True(t, ok)
	assert.True(t, bytes.HasSuffix(got.Raw, bodyOf(raw)), "body stored byte-equal")
	st := fake.Stats()
	assert.Equal(t, 1, st.Faults)
	assert.Equal(t, 4, st.RoundTrips, "start, two chunks and one retry")
}

// bodyOf returns the blank line ending the header and the body after it.
func bodyOf(raw []byte) []byte { return raw[bytes.Index(raw, []byte("\r\n\r\n")):] }
