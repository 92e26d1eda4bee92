package graphfake

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServer_ListMessagesPaging(t *testing.T) {
	f := newFixture(t)
	want := f.deliver(ada, "", 23)
	var got []string
	next := "/me/mailFolders/inbox/messages?$top=10&$select=subject"
	for next != "" {
		res := f.call("GET", next, nil, imm...)
		require.Equal(t, http.StatusOK, res.status, string(res.raw))
		for _, it := range res.value() {
			assert.Contains(t, it, "subject")
			assert.NotContains(t, it, "body", "$select carries over to nextLink")
		}
		got = append(got, idsOf(res.value())...)
		next = res.str("@odata.nextLink")
	}
	assert.ElementsMatch(t, want, got)
	assert.Equal(t, want[len(want)-1], got[0], "newest first")

	skip := f.call("GET", "/me/messages?$top=5&$skip=20", nil, imm...)
	assert.Len(t, skip.value(), 3)
	assert.Empty(t, skip.str("@odata.nextLink"))
}

func TestServer_GetMessage(t *testing.T) {
	f := newFixture(t)
	raw := []byte("From: Carol <carol@example.org>\r\nTo: Ada <" + ada + ">\r\n" +
		"Cc: dan@example.org\r\nReply-To: list@example.org\r\nSubject: Plans\r\n" +
		"Message-ID: <plans-1@example.org>\r\nDate: Tue, 03 Jan 2006 10:00:00 +0000\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
		"<p>Hello <b>Ada</b></p>")
	id, err := f.s.Deliver(ada, "", raw)
	require.NoError(t, err)
	path := "/me/messages/" + url.PathEscape(id)

	res := f.call("GET", path, nil, imm...)
	require.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, id, res.str("id"))
	assert.Equal(t, "Plans", res.str("subject"))
	assert.Equal(t, "<plans-1@example.org>", res.str("internetMessageId"))
	assert.Equal(t, "2006-01-03T10:00:00Z", res.str("sentDateTime"))
	assert.Equal(t, false, res.body["isRead"])
	assert.Equal(t, false, res.body["isDraft"])
	assert.Equal(t, "Hello Ada", res.str("bodyPreview"))
	assert.Equal(t, map[string]any{"contentType": "html", "content": "<p>Hello <b>Ada</b></p>"},
		res.body["body"])
	assert.Equal(t, map[string]any{"emailAddress": map[string]any{
		"name": "Carol", "address": "carol@example.org"}}, res.body["from"])
	assert.Equal(t, res.body["from"], res.body["sender"])
	assert.Len(t, res.body["ccRecipients"], 1)
	assert.Len(t, res.body["replyTo"], 1)
	assert.Equal(t, map[string]any{"flagStatus": "notFlagged"}, res.body["flag"])
	assert.Equal(t, []any{}, res.body["categories"])
	assert.NotContains(t, res.body, "internetMessageHeaders", "only when selected")
	assert.NotContains(t, res.body, "uniqueBody", "only when selected")
	assert.Equal(t, `IdType="ImmutableId"`, res.header.Get("Preference-Applied"))

	hdrs := f.call("GET", path+"?$select=internetMessageHeaders,uniqueBody", nil, imm...)
	require.Equal(t, http.StatusOK, hdrs.status)
	assert.Contains(t, hdrs.body["internetMessageHeaders"], map[string]any{
		"name": "Message-ID", "value": "<plans-1@example.org>"})
	assert.Contains(t, hdrs.body, "uniqueBody")
	assert.NotContains(t, hdrs.body, "subject")

	text := f.call("GET", path, nil, "Prefer", `IdType="ImmutableId"`,
		"Prefer", `outlook.body-content-type="text"`)
	assert.Equal(t, map[string]any{"contentType": "text", "content": "Hello Ada"},
		text.body["body"])
	assert.Contains(t, text.header.Get("Preference-Applied"), `outlook.body-content-type="text"`)

	bad := f.call("GET", path+"?$select=colour", nil, imm...)
	assert.Equal(t, http.StatusBadRequest, bad.status)
	wrongFolder := f.call("GET", "/me/mailFolders/archive/messages/"+url.PathEscape(id), nil)
	assert.Equal(t, http.StatusNotFound, wrongFolder.status)
	inFolder := f.call("GET", "/me/mailFolders/inbox/messages/"+url.PathEscape(id), nil)
	assert.Equal(t, http.StatusOK, inFolder.status)
}

func TestServer_ImmutableAndRegularIDs(t *testing.T) {
	f := newFixture(t)
	id := f.deliver(ada, "", 1)[0]
	regular := f.call("GET", "/me/messages/"+url.PathEscape(id), nil).str("id")
	require.NotEqual(t, id, regular, "without the preference Graph returns regular IDs")
	assert.Empty(t, f.call("GET", "/me/messages/"+url.PathEscape(id), nil).
		header.Get("Preference-Applied"))

	moved := f.call("POST", "/me/messages/"+url.PathEscape(regular)+"/move",
		map[string]any{"DestinationId": "archive"})
	require.Equal(t, http.StatusCreated, moved.status, string(moved.raw))
	newRegular := moved.str("id")
	assert.NotEqual(t, regular, newRegular, "a move changes the regular ID")
	assert.Equal(t, http.StatusNotFound,
		f.call("GET", "/me/messages/"+url.PathEscape(regular), nil).status)
	assert.Equal(t, http.StatusOK,
		f.call("GET", "/me/messages/"+url.PathEscape(newRegular), nil).status)

	movedImm := f.call("POST", "/me/messages/"+url.PathEscape(id)+"/move",
		map[string]any{"destinationId": "inbox"}, imm...)
	require.Equal(t, http.StatusCreated, movedImm.status)
	assert.Equal(t, id, movedImm.str("id"), "a move keeps the immutable ID")
	m, ok := f.s.Message(ada, id)
	require.True(t, ok)
	inbox := f.call("GET", "/me/mailFolders/inbox", nil)
	assert.Equal(t, inbox.str("id"), m.ParentFolderID)

	missing := f.call("POST", "/me/messages/"+url.PathEscape(id)+"/move",
		map[string]any{"destinationId": "nowhere"}, imm...)
	assert.Equal(t, http.StatusNotFound, missing.status)
}

func TestServer_UpdateMessage(t *testing.T) {
	f := newFixture(t)
	id := f.deliver(ada, "", 1)[0]
	path := "/me/messages/" + url.PathEscape(id)
	tests := []struct {
		name   string
		body   map[string]any
		status int
		check  func(t *testing.T, m Message)
	}{
		{"read", map[string]any{"isRead": true}, 200,
			func(t *testing.T, m Message) { assert.True(t, m.IsRead) }},
		{"flag", map[string]any{"flag": map[string]any{"flagStatus": "flagged"}}, 200,
			func(t *testing.T, m Message) { assert.Equal(t, "flagged", m.FlagStatus) }},
		{"categories", map[string]any{"categories": []string{"Red", "Work"}}, 200,
			func(t *testing.T, m Message) { assert.Equal(t, []string{"Red", "Work"}, m.Categories) }},
		{"bad flag", map[string]any{"flag": map[string]any{"flagStatus": "starred"}}, 400, nil},
		{"subject of a received message", map[string]any{"subject": "edited"}, 400,
			func(t *testing.T, m Message) { assert.Equal(t, "note 0", m.Subject) }},
		{"recipients of a received message",
			map[string]any{"toRecipients": []any{rcpt(bob)}}, 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.call("PATCH", path, tt.body, imm...)
			assert.Equal(t, tt.status, res.status, string(res.raw))
			m, ok := f.s.Message(ada, id)
			require.True(t, ok)
			if tt.check != nil {
				tt.check(t, m)
			}
		})
	}
	m, _ := f.s.Message(ada, id)
	assert.True(t, m.IsRead && m.FlagStatus == "flagged", "failed updates changed nothing")
}

func TestServer_DeleteMessage(t *testing.T) {
	f := newFixture(t)
	id := f.deliver(ada, "", 1)[0]
	path := "/me/messages/" + url.PathEscape(id)

	require.Equal(t, http.StatusNoContent, f.call("DELETE", path, nil).status)
	m, ok := f.s.Message(ada, id)
	require.True(t, ok, "the first delete moves to Deleted Items")
	deleted := f.call("GET", "/me/mailFolders/deleteditems", nil)
	assert.Equal(t, deleted.str("id"), m.ParentFolderID)

	require.Equal(t, http.StatusNoContent, f.call("DELETE", path, nil).status)
	_, ok = f.s.Message(ada, id)
	assert.False(t, ok, "a delete from Deleted Items is permanent")
	assert.Equal(t, http.StatusNotFound, f.call("DELETE", path, nil).status)
}

func TestServer_FilterAndSearch(t *testing.T) {
	f := newFixture(t)
	got := f.deliver(ada, "", 4)
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	f.s.Update(ada, got[0], func(m *Message) { m.ReceivedDateTime = old; m.IsRead = true })
	f.s.Update(ada, got[1], func(m *Message) { m.Subject = "Invoice O'Brien" })
	tests := []struct {
		query string
		want  []string
	}{
		{"$filter=receivedDateTime ge 2021-01-01T00:00:00Z", got[1:]},
		{"$filter=receivedDateTime lt 2021-01-01T00:00:00Z", got[:1]},
		{"$filter=isRead eq false and receivedDateTime gt 2019-01-01T00:00:00Z", got[1:]},
		{"$filter=subject eq 'Invoice O''Brien'", got[1:2]},
		{`$search="invoice"`, got[1:2]},
		{"$orderby=receivedDateTime asc&$top=1", got[:1]},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res := f.call("GET", "/me/messages?"+escapeQuery(tt.query), nil, imm...)
			require.Equal(t, http.StatusOK, res.status, string(res.raw))
			assert.ElementsMatch(t, tt.want, idsOf(res.value()))
		})
	}
	bad := f.call("GET", "/me/messages?"+escapeQuery("$filter=importance eq 'high'"), nil)
	assert.Equal(t, http.StatusBadRequest, bad.status)
}

// escapeQuery escapes the values of a raw query string.
func escapeQuery(q string) string {
	v, err := url.ParseQuery(q)
	if err != nil {
		panic(err)
	}
	return v.Encode()
}

func TestServer_Attachments(t *testing.T) {
	f := newFixture(t)
	raw := []byte("From: carol@example.org\r\nTo: " + ada + "\r\nSubject: files\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; " +
		"filename=\"report.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n" +
		"--b\r\nContent-Type: image/png\r\nContent-Disposition: inline\r\n" +
		"Content-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0K\r\n" +
		"--b\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n" +
		"From: x@example.org\r\nSubject: forwarded\r\n\r\ninner\r\n--b--\r\n")
	id, err := f.s.Deliver(ada, "", raw)
	require.NoError(t, err)
	base := "/me/messages/" + url.PathEscape(id)

	list := f.call("GET", base+"/attachments", nil, imm...)
	require.Equal(t, http.StatusOK, list.status)
	atts := list.value()
	require.Len(t, atts, 3)
	assert.Equal(t, "#microsoft.graph.fileAttachment", atts[0]["@odata.type"])
	assert.Equal(t, "report.pdf", atts[0]["name"])
	assert.Equal(t, "JVBERi0xLjQK", atts[0]["contentBytes"])
	assert.EqualValues(t, 9, atts[0]["size"])
	assert.Equal(t, true, atts[1]["isInline"])
	assert.Equal(t, "logo@x", atts[1]["contentId"])
	assert.Equal(t, "#microsoft.graph.itemAttachment", atts[2]["@odata.type"])
	assert.Equal(t, "forwarded", atts[2]["name"])
	assert.NotContains(t, atts[2], "contentBytes")

	one := f.call("GET", base+"/attachments/"+url.PathEscape(atts[0]["id"].(string)), nil)
	assert.Equal(t, "report.pdf", one.str("name"))
	value := f.call("GET", base+"/attachments/"+url.PathEscape(atts[0]["id"].(string))+
		"/$value", nil)
	assert.Equal(t, []byte("%PDF-1.4\n"), value.raw)
	assert.Equal(t, "application/pdf", value.header.Get("Content-Type"))

	meta := f.call("GET", base+"?$expand=attachments&$select=hasAttachments", nil, imm...)
	assert.Equal(t, true, meta.body["hasAttachments"])
	assert.Len(t, meta.body["attachments"], 3)

	sel := f.call("GET", base+"/attachments?$select=name,size", nil)
	assert.NotContains(t, sel.value()[0], "contentBytes")
}

func TestServer_HasAttachmentsIgnoresInline(t *testing.T) {
	f := newFixture(t)
	draft := f.call("POST", "/me/messages", map[string]any{"subject": "logo"}, imm...)
	require.Equal(t, http.StatusCreated, draft.status)
	base := "/me/messages/" + url.PathEscape(draft.str("id"))
	add := f.call("POST", base+"/attachments", map[string]any{
		"@odata.type": "#microsoft.graph.fileAttachment", "name": "logo.png",
		"contentType": "image/png", "isInline": true, "contentId": "logo",
		"contentBytes": []byte{1, 2, 3}})
	require.Equal(t, http.StatusCreated, add.status, string(add.raw))
	assert.Equal(t, false, f.call("GET", base, nil, imm...).body["hasAttachments"])

	f.call("POST", base+"/attachments", map[string]any{"name": "a.txt",
		"contentBytes": []byte("x")})
	assert.Equal(t, true, f.call("GET", base, nil, imm...).body["hasAttachments"])

	del := f.call("DELETE", base+"/attachments/"+url.PathEscape(add.str("id")), nil)
	assert.Equal(t, http.StatusNoContent, del.status)
	m, _ := f.s.Message(ada, draft.str("id"))
	assert.Len(t, m.Attachments, 1)
}
