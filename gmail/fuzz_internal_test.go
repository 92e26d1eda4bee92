package gmail

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"unicode/utf8"

	gmailapi "google.golang.org/api/gmail/v1"
	"google.golang.org/api/option"
)

// FuzzReadBatch feeds hostile batch answers to the batch parser: it may
// fail, but never panic, and never return more replies than calls.
func FuzzReadBatch(f *testing.F) {
	f.Add("multipart/mixed; boundary=b", "--b\r\nContent-Type: application/http\r\nContent-ID: <response-item0>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"id\":\"1\"}\r\n--b--\r\n", 1)
	f.Add("multipart/mixed; boundary=b", "--b\r\n\r\nHTTP/1.1 404 Not Found\r\n\r\n--b--", 2)
	f.Add("multipart/mixed; boundary=", "", 1)
	f.Add("text/plain", "HTTP/1.1 200 OK", 1)
	f.Add("multipart/mixed; boundary=x", "--x\r\nContent-ID: <response-item99>\r\n\r\nHTTP/1.1 200 OK\r\n\r\n--x--", 3)
	f.Fuzz(func(t *testing.T, contentType, body string, n int) {
		if n < 0 || n > 100 {
			return
		}
		res := &http.Response{
			Header: http.Header{"Content-Type": {contentType}},
			Body:   io.NopCloser(bytes.NewBufferString(body)),
		}
		replies, err := readBatch("messages.get", res, n)
		if err == nil && len(replies) != n {
			t.Fatalf("%d replies for %d calls", len(replies), n)
		}
	})
}

// FuzzConvertMessage feeds hostile messages.get JSON to the conversion into
// a mailmanager.Message: it may fail, but never panic, and what it returns
// is valid UTF-8.
func FuzzConvertMessage(f *testing.F) {
	f.Add(`{"id":"1","threadId":"t","labelIds":["INBOX","UNREAD"],"snippet":"hi &amp; bye","internalDate":"1700000000000","payload":{"mimeType":"text/plain","headers":[{"name":"Subject","value":"=?utf-8?B?w5xiZXI=?="},{"name":"From","value":"\"Doe, J\" <j@example.com>"}],"body":{"size":2,"data":"aGk"}}}`)
	f.Add(`{"id":"2","payload":{"mimeType":"multipart/mixed","parts":[{"partId":"0","mimeType":"text/html","headers":[{"name":"Content-Type","value":"text/html; charset=shift_jis"}],"body":{"data":"gqCCoiA"}},{"partId":"1","mimeType":"application/pdf","filename":"a.pdf","body":{"attachmentId":"att","size":9}}]}}`)
	f.Add(`{"payload":{"parts":[{"parts":[{"parts":[]}]}]}}`)
	f.Add(`{"internalDate":"-1","payload":{"headers":[{"name":"Date","value":"yesterday"}],"body":{"data":"!!!"}}}`)
	// Any call the conversion makes (a large body stored aside) gets 404.
	srv := httptest.NewServer(http.NotFoundHandler())
	f.Cleanup(srv.Close)
	svc, err := gmailapi.NewService(context.Background(),
		option.WithHTTPClient(srv.Client()), option.WithEndpoint(srv.URL+"/"))
	if err != nil {
		f.Fatal(err)
	}
	mb := &mailbox{svc: svc, client: srv.Client(), batchURL: srv.URL + "/batch/gmail/v1", batchSize: 50}
	f.Fuzz(func(t *testing.T, doc string) {
		var gm gmailapi.Message
		if json.Unmarshal([]byte(doc), &gm) != nil {
			return
		}
		m, err := mb.convert(context.Background(), &gm)
		if err != nil {
			return
		}
		for _, s := range []string{m.Subject, m.Text, m.HTML, m.Snippet, m.MessageID} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in %q", s)
			}
		}
		for _, a := range m.Attachments {
			if !utf8.ValidString(a.Filename) {
				t.Fatalf("invalid UTF-8 file name %q", a.Filename)
			}
		}
	})
}
