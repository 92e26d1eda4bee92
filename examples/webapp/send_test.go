package main

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// postMultipart sends a multipart form with files, with the CSRF token of
// the last page.
func (b *browser) postMultipart(p string, fields url.Values, files map[string]string) (*http.Response, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fields.Set("csrf", b.csrf())
	for k, vs := range fields {
		for _, v := range vs {
			require.NoError(b.t, mw.WriteField(k, v))
		}
	}
	for name, content := range files {
		fw, err := mw.CreateFormFile("attachments", name)
		require.NoError(b.t, err)
		_, err = io.WriteString(fw, content)
		require.NoError(b.t, err)
	}
	require.NoError(b.t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, b.abs(p), &buf)
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func TestApp_ReplyReachesProvider(t *testing.T) {
	ts, b, accounts := connected(t)
	for _, provider := range []string{"gmail", "outlook"} {
		t.Run(provider, func(t *testing.T) {
			acc := accounts[provider]
			orig := find(t, ts, acc, "Lunch on Friday?")
			thread := ts.app.index.thread(acc.ID, orig.ThreadID)
			require.Len(t, thread, 3, "the seeded lunch conversation")
			last := thread[2]

			_, body := b.get("/compose?mode=reply&account=" + acc.ID + "&id=" + url.QueryEscape(last.ID))
			assert.Contains(t, body, `value="Re: Lunch on Friday?"`)
			assert.Contains(t, body, "Alan Turing &lt;alan@bletchley.example&gt;")
			assert.Contains(t, body, "&gt; Half past twelve it is.")

			res, body := b.postMultipart("/compose", url.Values{
				"mode": {"reply"}, "account": {acc.ID}, "original": {last.ID},
				"to": {"Alan Turing <alan@bletchley.example>"}, "subject": {"Re: Lunch on Friday?"},
				"body": {"See you there, " + provider + "."},
			}, map[string]string{"menu.txt": "soup of the day"})
			require.Equal(t, http.StatusOK, res.StatusCode, body)
			assert.Contains(t, body, "Message sent.")
			assert.Contains(t, body, "See you there, "+provider+".", "the reply is in the conversation")
			assert.Equal(t, messageURL(acc.ID, last.ID), res.Request.URL.Path)

			thread = ts.app.index.thread(acc.ID, orig.ThreadID)
			require.Len(t, thread, 4)
			reply := thread[3]
			assert.Equal(t, "Re: Lunch on Friday?", reply.Subject)
			assert.Contains(t, reply.Text, "See you there")
			require.Len(t, reply.Attachments, 1)
			assert.Equal(t, "menu.txt", reply.Attachments[0].Filename)
			assert.Equal(t, last.MessageID, reply.InReplyTo)

			assert.Contains(t, sentRaw(t, ts, provider), "See you there, "+provider+".")
		})
	}
}

// sentRaw returns what the fake of provider saw ada send last, as text.
func sentRaw(t *testing.T, ts *testServer, provider string) string {
	t.Helper()
	if provider == "gmail" {
		sent := ts.app.demo.gmail.Sent("ada@demo.example")
		require.NotEmpty(t, sent)
		return string(sent[len(sent)-1].Raw)
	}
	sent := ts.app.demo.graph.Sent("ada@demo.example")
	require.NotEmpty(t, sent)
	m := sent[len(sent)-1]
	return m.Subject + "\n" + m.Body.Content
}

func TestApp_ForwardKeepsAttachments(t *testing.T) {
	ts, b, accounts := connected(t)
	acc := accounts["gmail"]
	m := find(t, ts, acc, "Quarterly report")

	_, body := b.get("/compose?mode=forward&account=" + acc.ID + "&id=" + m.ID)
	assert.Contains(t, body, `value="Fwd: Quarterly report"`)
	assert.Contains(t, body, "The original's attachments go along: report-q3.csv.")

	res, body := b.postMultipart("/compose", url.Values{
		"mode": {"forward"}, "account": {acc.ID}, "original": {m.ID},
		"to": {"grace@demo.example"}, "subject": {"Fwd: Quarterly report"}, "body": {"FYI"},
	}, nil)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "Message sent.")
	raw := sentRaw(t, ts, "gmail")
	assert.Contains(t, raw, "Subject: Fwd: Quarterly report")
	assert.Contains(t, raw, "report-q3.csv")

	_, body = b.postMultipart("/compose", url.Values{
		"mode": {"forward"}, "account": {acc.ID}, "original": {m.ID}, "body": {"FYI"},
	}, nil)
	assert.Contains(t, body, "Add at least one recipient.", "a forward needs a recipient")
}

func TestApp_ComposeNewMessage(t *testing.T) {
	ts, b, accounts := connected(t)
	_, body := b.get("/compose")
	assert.Contains(t, body, `<option value="`+accounts["gmail"].ID+`"`)
	assert.Contains(t, body, `<option value="`+accounts["outlook"].ID+`"`)

	res, body := b.postMultipart("/compose", url.Values{
		"mode": {"new"}, "account": {accounts["gmail"].ID},
		"to": {"Grace <grace@demo.example>"}, "subject": {"Hello from the test"},
		"body": {"Just checking."},
	}, nil)
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "Message sent.")
	assert.Contains(t, sentRaw(t, ts, "gmail"), "Subject: Hello from the test")

	_, body = b.postMultipart("/compose", url.Values{
		"mode": {"new"}, "account": {accounts["gmail"].ID}, "to": {"not an address"},
	}, nil)
	assert.Contains(t, body, "The To field holds an address that is not valid.")
	_, body = b.postMultipart("/compose", url.Values{"mode": {"new"}, "account": {accounts["gmail"].ID}}, nil)
	assert.Contains(t, body, "Add at least one recipient.")
	_, body = b.postMultipart("/compose", url.Values{
		"mode": {"new"}, "account": {accounts["gmail"].ID}, "to": {"grace@demo.example"},
		"subject": {"Hi\r\nBcc: everyone@example.com"},
	}, nil)
	assert.Contains(t, body, "The subject may not contain line breaks.")
}
