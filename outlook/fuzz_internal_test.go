package outlook

import (
	"errors"
	"net/url"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/microsoft/kiota-abstractions-go/store"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/mailmanager/mailmanager"
)

// FuzzDecodeCursor feeds corrupted stored cursors to the cursor decoder: it
// may refuse one, always as an expired cursor, but never panics, and what
// it accepts encodes back to an equal state and never points the
// mailbox's requests at another host.
func FuzzDecodeCursor(f *testing.F) {
	for _, st := range []*syncState{
		{V: cursorVersion, Links: map[string]string{}},
		{V: cursorVersion, Links: map[string]string{
			"AAMkAGFkAA==": "/me/mailFolders/AAMkAGFkAA%3D%3D/messages/delta?$deltatoken=x1",
			"AAMkAGFkAB==": "",
		}},
		{V: cursorVersion, Links: map[string]string{"f": "/me/x?$skiptoken=2"},
			Pending: []string{"AAkALgAA1", "AAkALgAA2"}, Run: true, Full: true},
		{V: 2, Links: map[string]string{"f": "https://evil.example/v1.0/me"}},
	} {
		f.Add(st.encode())
	}
	f.Add("")
	f.Add("e30")
	f.Add("not base64!")
	f.Add(`eyJ2IjoxLCJsIjpudWxsLCJwIjpbbnVsbF19`) // {"v":1,"l":null,"p":[null]}
	m := &Mailbox{cfg: Config{APIURL: "http://127.0.0.1:9/v1.0"}}
	f.Fuzz(func(t *testing.T, cursor string) {
		st, err := decodeCursor(cursor)
		if err != nil {
			if !errors.Is(err, mailmanager.ErrCursorExpired) {
				t.Fatalf("refused without ErrCursorExpired: %v", err)
			}
			return
		}
		if st.V != cursorVersion || st.Links == nil {
			t.Fatalf("accepted state %+v", st)
		}
		for folder, link := range st.Links {
			if link == "" {
				continue
			}
			u, err := url.Parse(m.absLink(link))
			if err == nil && (u.Scheme != "http" || u.Host != "127.0.0.1:9") {
				t.Fatalf("link of folder %q leads to %s://%s", folder, u.Scheme, u.Host)
			}
		}
		again, err := decodeCursor(st.encode())
		if err != nil {
			t.Fatalf("re-encoded state refused: %v", err)
		}
		if cursor != "" && !reflect.DeepEqual(st, again) {
			t.Fatalf("round trip changed the state: %+v became %+v", st, again)
		}
	})
}

// FuzzToMessage feeds hostile Graph message JSON, parsed as the Mailbox's
// request adapter parses it (the SDK's JSON parse node, behind the
// package's guard against null answers and the backing store's proxy), to
// the conversion into a mailmanager.Message: it never panics, and every
// string it returns is valid UTF-8.
func FuzzToMessage(f *testing.F) {
	f.Add(`{"id":"AAkALgAA1","conversationId":"AAQkAGE1","internetMessageId":"<a@example.com>",` +
		`"subject":"Grüße","bodyPreview":"hi","body":{"contentType":"html",` +
		`"content":"<img src=\"cid:logo\">"},"from":{"emailAddress":{"name":"Bob",` +
		`"address":"bob@example.com"}},"toRecipients":[{"emailAddress":{"address":"a@x"}}],` +
		`"receivedDateTime":"2024-05-01T10:00:00Z","sentDateTime":"2024-05-01T09:59:00Z",` +
		`"isRead":true,"flag":{"flagStatus":"flagged"},"categories":["Blue"],` +
		`"parentFolderId":"AAMkAGFk","hasAttachments":false,"internetMessageHeaders":` +
		`[{"name":"In-Reply-To","value":"<p@example.com>"},` +
		`{"name":"References","value":"<o@example.com> <p@example.com>"}]}`)
	f.Add(`{"@odata.type":"#microsoft.graph.eventMessageRequest","id":"e","body":` +
		`{"contentType":"text","content":"\ud800 lone"},"flag":{"flagStatus":"bogus"}}`)
	f.Add(`{"toRecipients":[null,{},{"emailAddress":null}],"from":{},"replyTo":[{"emailAddress":` +
		`{"address":7}}],"receivedDateTime":"yesterday","isRead":"yes","categories":[1,null]}`)
	f.Add(`{"internetMessageHeaders":[{"name":"references","value":"<<<>>> <\u00ff@\u0000>"},` +
		`null,{"name":null}],"flag":"flagged","body":[]}`)
	f.Add(`{"id":"x","@removed":{"reason":"deleted"}}`)
	f.Add(`[]`)
	f.Add(" null\n")
	factory := store.NewBackingStoreParseNodeFactory(
		nullAnswers{jsonserialization.NewJsonParseNodeFactory()})
	f.Fuzz(func(t *testing.T, doc string) {
		node, err := factory.GetRootParseNode("application/json", []byte(doc))
		if err != nil {
			return
		}
		v, err := node.GetObjectValue(models.CreateMessageFromDiscriminatorValue)
		if err != nil || v == nil {
			return
		}
		gm, ok := v.(models.Messageable)
		if !ok {
			t.Fatalf("parsed a %T", v)
		}
		msg := toMessage(gm)
		needsAttachments(gm, msg)
		for _, s := range messageStrings(msg) {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in %q", s)
			}
		}
	})
}

// messageStrings returns every string of a message.
func messageStrings(m *mailmanager.Message) []string {
	out := []string{m.ID, m.ThreadID, m.MessageID, m.InReplyTo, m.Subject, m.Snippet,
		m.Text, m.HTML, m.Folder}
	out = append(out, m.References...)
	out = append(out, m.Labels...)
	addrs := append([]mailmanager.Address(nil), m.To...)
	addrs = append(addrs, m.Cc...)
	addrs = append(addrs, m.Bcc...)
	addrs = append(addrs, m.ReplyTo...)
	if m.From != nil {
		addrs = append(addrs, *m.From)
	}
	for _, a := range addrs {
		out = append(out, a.Name, a.Email)
	}
	return out
}
