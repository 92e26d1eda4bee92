package graphfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func named(name, address string) map[string]any {
	return map[string]any{"emailAddress": map[string]any{"name": name, "address": address}}
}

func TestServer_SendMail(t *testing.T) {
	f := newFixture(t)
	// The Graph SDK writes action parameters in PascalCase and gzips.
	body, err := json.Marshal(map[string]any{
		"Message": map[string]any{
			"subject":       "Lunch?",
			"body":          map[string]any{"contentType": "html", "content": "<p>At noon</p>"},
			"toRecipients":  []any{named("Bob", bob)},
			"ccRecipients":  []any{named("Eve", "eve@example.org")},
			"bccRecipients": []any{named("", "secret@example.org")},
			"internetMessageHeaders": []any{
				map[string]any{"name": "x-app-ref", "value": "42"}},
			"attachments": []any{map[string]any{
				"@odata.type": "#microsoft.graph.fileAttachment", "name": "menu.txt",
				"contentType": "text/plain", "contentBytes": []byte("soup")}},
		},
		"SaveToSentItems": true,
	})
	require.NoError(t, err)
	res := f.call("POST", "/me/sendMail", gz(t, body), "Content-Encoding", "gzip")
	require.Equal(t, http.StatusAccepted, res.status, string(res.raw))
	assert.Empty(t, res.raw)

	sent := f.s.Sent(ada)
	require.Len(t, sent, 1)
	s := sent[0]
	assert.Equal(t, "Lunch?", s.Subject)
	assert.Equal(t, []Recipient{{Address: "secret@example.org"}}, s.BccRecipients)
	require.Len(t, s.Attachments, 1)
	assert.Equal(t, []byte("soup"), s.Attachments[0].Content)
	assert.Equal(t, ada, s.From.Address)
	assert.NotEmpty(t, s.InternetMessageID)
	assert.Contains(t, s.Headers, Header{"x-app-ref", "42"})

	copyInSent, ok := f.s.Message(ada, s.ID)
	require.True(t, ok)
	sentItems := f.call("GET", "/me/mailFolders/sentitems", nil)
	assert.Equal(t, sentItems.str("id"), copyInSent.ParentFolderID)
	assert.True(t, copyInSent.IsRead)

	inbox := f.s.Messages(bob)
	require.Len(t, inbox, 1, "Bob's mailbox is on this server")
	got := inbox[0]
	assert.Equal(t, "Lunch?", got.Subject)
	assert.False(t, got.IsRead)
	assert.Empty(t, got.BccRecipients, "recipients do not see Bcc")
	assert.Equal(t, s.InternetMessageID, got.InternetMessageID)
	assert.Equal(t, s.ConversationID, got.ConversationID)
	assert.Equal(t, []byte("soup"), got.Attachments[0].Content)
	assert.NotEqual(t, s.Attachments[0].ID, got.Attachments[0].ID)
}

func TestServer_SendMailRejects(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		msg  map[string]any
		code string
	}{
		{"no recipients", map[string]any{"subject": "x"}, "ErrorInvalidRecipients"},
		{"bad address", map[string]any{"toRecipients": []any{rcpt("bob")}},
			"ErrorInvalidRecipients"},
		{"standard header", map[string]any{"toRecipients": []any{rcpt(bob)},
			"internetMessageHeaders": []any{map[string]any{"name": "In-Reply-To",
				"value": "<x@y>"}}}, "ErrorInvalidRequest"},
		{"item attachment", map[string]any{"toRecipients": []any{rcpt(bob)},
			"attachments": []any{map[string]any{"@odata.type": "#microsoft.graph.itemAttachment",
				"name": "m"}}}, "ErrorInvalidRequest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := f.call("POST", "/me/sendMail", map[string]any{"message": tt.msg})
			assert.Equal(t, http.StatusBadRequest, res.status)
			assert.Equal(t, tt.code, res.errorCode())
		})
	}
	assert.Empty(t, f.s.Sent(ada))
	assert.Empty(t, f.s.Messages(bob))
}

func TestServer_SendMailWithoutSaving(t *testing.T) {
	f := newFixture(t)
	res := f.call("POST", "/me/sendMail", map[string]any{
		"message":         map[string]any{"subject": "quiet", "toRecipients": []any{rcpt(bob)}},
		"saveToSentItems": false,
	})
	require.Equal(t, http.StatusAccepted, res.status)
	assert.Len(t, f.s.Sent(ada), 1)
	assert.Empty(t, f.s.Sent(ada)[0].ID)
	assert.Empty(t, f.s.Messages(ada), "nothing filed in Sent Items")
	assert.Len(t, f.s.Messages(bob), 1)
}

func TestServer_Drafts(t *testing.T) {
	f := newFixture(t)
	created := f.call("POST", "/me/messages", map[string]any{
		"subject": "Draft", "toRecipients": []any{rcpt(bob)},
		"body": map[string]any{"contentType": "text", "content": "v1"},
	}, imm...)
	require.Equal(t, http.StatusCreated, created.status, string(created.raw))
	id := created.str("id")
	assert.Equal(t, true, created.body["isDraft"])
	drafts := f.call("GET", "/me/mailFolders/drafts", nil)
	assert.Equal(t, drafts.str("id"), created.str("parentFolderId"))

	path := "/me/messages/" + url.PathEscape(id)
	upd := f.call("PATCH", path, map[string]any{"subject": "Final",
		"body": map[string]any{"contentType": "text", "content": "v2"}}, imm...)
	require.Equal(t, http.StatusOK, upd.status, string(upd.raw))
	assert.Equal(t, "Final", upd.str("subject"))

	require.Equal(t, http.StatusAccepted, f.call("POST", path+"/send", nil, imm...).status)
	m, ok := f.s.Message(ada, id)
	require.True(t, ok, "the sent draft keeps its immutable ID in Sent Items")
	assert.False(t, m.IsDraft)
	sentItems := f.call("GET", "/me/mailFolders/sentitems", nil)
	assert.Equal(t, sentItems.str("id"), m.ParentFolderID)
	require.Len(t, f.s.Messages(bob), 1)
	assert.Equal(t, "v2", f.s.Messages(bob)[0].Body.Content)

	again := f.call("POST", path+"/send", nil, imm...)
	assert.Equal(t, http.StatusBadRequest, again.status, "only drafts can be sent")

	other := f.call("POST", "/me/messages", map[string]any{"subject": "bin me"}, imm...)
	assert.Equal(t, http.StatusNoContent,
		f.call("DELETE", "/me/messages/"+url.PathEscape(other.str("id")), nil).status)
}

func TestServer_ResponseDrafts(t *testing.T) {
	f := newFixture(t)
	raw := []byte("From: Carol <carol@example.org>\r\nTo: " + ada + ", Dan <dan@example.org>\r\n" +
		"Cc: eve@example.org, " + ada + "\r\nSubject: Budget\r\n" +
		"Message-ID: <budget-2@example.org>\r\nReferences: <budget-1@example.org>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nNumbers attached\r\n" +
		"--b\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=q.csv\r\n\r\n" +
		"a,b\r\n--b--\r\n")
	orig, err := f.s.Deliver(ada, "", raw)
	require.NoError(t, err)
	om, _ := f.s.Message(ada, orig)

	addrs := func(v any) []string {
		var out []string
		for _, r := range v.([]any) {
			out = append(out, r.(map[string]any)["emailAddress"].(map[string]any)["address"].(string))
		}
		return out
	}
	tests := []struct {
		action  string
		body    any
		subject string
		to, cc  []string
		atts    int
	}{
		{"createReply", nil, "RE: Budget", []string{"carol@example.org"}, nil, 0},
		{"createReplyAll", map[string]any{"Comment": "Agreed"}, "RE: Budget",
			[]string{"carol@example.org", "dan@example.org"}, []string{"eve@example.org"}, 0},
		{"createForward", map[string]any{"Comment": "FYI",
			"ToRecipients": []any{rcpt("frank@example.org")}}, "FW: Budget",
			[]string{"frank@example.org"}, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			res := f.call("POST", "/me/messages/"+url.PathEscape(orig)+"/"+tt.action, tt.body,
				imm...)
			require.Equal(t, http.StatusCreated, res.status, string(res.raw))
			assert.Equal(t, true, res.body["isDraft"])
			assert.Equal(t, tt.subject, res.str("subject"))
			assert.Equal(t, om.ConversationID, res.str("conversationId"))
			assert.Equal(t, tt.to, addrs(res.body["toRecipients"]))
			if tt.cc == nil {
				assert.Empty(t, res.body["ccRecipients"])
			} else {
				assert.Equal(t, tt.cc, addrs(res.body["ccRecipients"]))
			}
			d, ok := f.s.Message(ada, res.str("id"))
			require.True(t, ok)
			assert.Equal(t, "<budget-2@example.org>", d.InReplyTo)
			assert.Equal(t, []string{"<budget-1@example.org>", "<budget-2@example.org>"},
				d.References)
			assert.Len(t, d.Attachments, tt.atts)
			assert.Contains(t, d.Body.Content, "Numbers attached", "the original is quoted")
		})
	}
}

// TestServer_ReplyThreadsAcrossMailboxes sends Bob's reply to Ada's message
// and checks the threading headers and conversations on both sides.
func TestServer_ReplyThreadsAcrossMailboxes(t *testing.T) {
	f := newFixture(t)
	res := f.call("POST", "/me/sendMail", map[string]any{"message": map[string]any{
		"subject": "Plan", "toRecipients": []any{rcpt(bob)}}})
	require.Equal(t, http.StatusAccepted, res.status)
	first := f.s.Sent(ada)[0]
	bobCopy := f.s.Messages(bob)[0]

	bobCall := []string{"Authorization", "", "Authorization", "Bearer tok-bob", "Prefer",
		`IdType="ImmutableId"`}
	draft := f.call("POST", "/me/messages/"+url.PathEscape(bobCopy.ID)+"/createReply",
		map[string]any{"comment": "Sounds good"}, bobCall...)
	require.Equal(t, http.StatusCreated, draft.status, string(draft.raw))
	send := f.call("POST", "/me/messages/"+url.PathEscape(draft.str("id"))+"/send", nil,
		bobCall...)
	require.Equal(t, http.StatusAccepted, send.status)

	reply := f.s.Sent(bob)[0]
	assert.Equal(t, first.InternetMessageID, reply.InReplyTo)
	assert.Contains(t, reply.Headers, Header{"In-Reply-To", first.InternetMessageID})
	assert.Equal(t, bobCopy.ConversationID, reply.ConversationID)
	var inAda []Message
	for _, m := range f.s.Messages(ada) {
		if m.ConversationID == first.ConversationID {
			inAda = append(inAda, m)
		}
	}
	assert.Len(t, inAda, 2, "Ada's sent original and Bob's reply share a conversation")

	direct := f.call("POST", "/me/messages/"+url.PathEscape(bobCopy.ID)+"/replyAll",
		map[string]any{"comment": "One more"}, bobCall...)
	assert.Equal(t, http.StatusAccepted, direct.status)
	assert.Len(t, f.s.Sent(bob), 2)
	forward := f.call("POST", "/me/messages/"+url.PathEscape(bobCopy.ID)+"/forward",
		map[string]any{"comment": "to nobody"}, bobCall...)
	assert.Equal(t, http.StatusBadRequest, forward.status, "a forward needs recipients")
}

func TestServer_MessageMIME(t *testing.T) {
	f := newFixture(t)
	raw := eml("carol@example.org", ada, "Source", "as delivered", "Message-ID", "<src@x>")
	id, err := f.s.Deliver(ada, "", raw)
	require.NoError(t, err)
	res := f.call("GET", "/me/messages/"+url.PathEscape(id)+"/$value", nil)
	require.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, "text/plain", res.header.Get("Content-Type"))
	assert.Equal(t, raw, res.raw)

	draft := f.call("POST", "/me/messages/"+url.PathEscape(id)+"/createReply",
		map[string]any{"comment": "noted"}, imm...)
	require.Equal(t, http.StatusCreated, draft.status)
	att := f.call("POST", "/me/messages/"+url.PathEscape(draft.str("id"))+"/attachments",
		map[string]any{"name": "n.txt", "contentType": "text/plain",
			"contentBytes": []byte("note")})
	require.Equal(t, http.StatusCreated, att.status)
	mime := f.call("GET", "/me/messages/"+url.PathEscape(draft.str("id"))+"/$value", nil)
	require.Equal(t, http.StatusOK, mime.status)

	parsed, err := parseMIME(mime.raw, time.Now())
	require.NoError(t, err)
	assert.Equal(t, "RE: Source", parsed.Subject)
	assert.Equal(t, "<src@x>", parsed.InReplyTo)
	assert.Equal(t, []string{"<src@x>"}, parsed.References)
	assert.Equal(t, "html", parsed.Body.ContentType)
	assert.Contains(t, parsed.Body.Content, "noted")
	require.Len(t, parsed.Attachments, 1)
	assert.Equal(t, "n.txt", parsed.Attachments[0].Name)
	assert.Equal(t, []byte("note"), parsed.Attachments[0].Content)
}
