package outlook_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/outlook"
)

// hostileGraph opens a Mailbox on a server that answers every request with
// 200 and the body answer returns for it, in which "{api}" stands for the
// API URL.
func hostileGraph(t *testing.T, answer func(*http.Request) string) mailmanager.Mailbox {
	t.Helper()
	var api string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, strings.ReplaceAll(answer(r), "{api}", api))
	}))
	t.Cleanup(srv.Close)
	api = srv.URL + "/v1.0"
	mb, err := outlook.New(outlook.Config{APIURL: api}).Open(context.Background(), srv.Client())
	require.NoError(t, err)
	return mb
}

// mailboxCalls are calls of every kind on a mailbox, each returning its
// error.
func mailboxCalls() map[string]func(context.Context, mailmanager.Mailbox) error {
	yes := true
	return map[string]func(context.Context, mailmanager.Mailbox) error{
		"Profile": func(ctx context.Context, mb mailmanager.Mailbox) error {
			_, err := mb.Profile(ctx)
			return err
		},
		"Message": func(ctx context.Context, mb mailmanager.Mailbox) error {
			_, err := mb.Message(ctx, "m1")
			return err
		},
		"Folders": func(ctx context.Context, mb mailmanager.Mailbox) error {
			_, err := mb.Folders(ctx)
			return err
		},
		"Sync": func(ctx context.Context, mb mailmanager.Mailbox) error {
			return mb.Sync(ctx, "", mailmanager.SyncOptions{},
				func(context.Context, *mailmanager.Changes) error { return nil })
		},
		"FindByMessageID": func(ctx context.Context, mb mailmanager.Mailbox) error {
			_, err := mb.(mailmanager.MessageFinder).FindByMessageID(ctx, "a@example.com")
			return err
		},
		"Modify": func(ctx context.Context, mb mailmanager.Mailbox) error {
			return mb.Modify(ctx, []string{"m1"}, mailmanager.Modification{
				AddLabels: []string{"Blue"}, Trash: new(bool)})
		},
		"Reply": func(ctx context.Context, mb mailmanager.Mailbox) error {
			_, err := mb.Send(ctx, &mailmanager.Outgoing{Mode: mailmanager.SendReply,
				From: &mailmanager.Address{Email: ada}, Original: "m1", Text: "Yes."})
			return err
		},
		"SendLarge": func(ctx context.Context, mb mailmanager.Mailbox) error {
			_, err := mb.Send(ctx, &mailmanager.Outgoing{From: &mailmanager.Address{Email: ada},
				To: []mailmanager.Address{{Email: bob}}, Subject: "big",
				Attachments: []mailmanager.OutgoingAttachment{{Filename: "big.bin",
					Content: bytes.NewReader(make([]byte, 4<<20))}}})
			return err
		},
		"SendDraft": func(ctx context.Context, mb mailmanager.Mailbox) error {
			_, err := mb.(mailmanager.Drafter).SendDraft(ctx, "d1")
			return err
		},
		"Untrash": func(ctx context.Context, mb mailmanager.Mailbox) error {
			return mb.Modify(ctx, []string{"m1"}, mailmanager.Modification{Read: &yes,
				Trash: new(bool)})
		},
	}
}

// Graph never answers null or nothing where an object is due, but a broken
// proxy may; the SDK returns an empty answer as no object and no error,
// and panics on a null one. Every call fails instead, whether the first
// answer or one after a folder listing is empty.
func TestMailbox_NullAnswersFail(t *testing.T) {
	for _, body := range []string{"null", " null\n", ""} {
		for _, listed := range []bool{false, true} {
			answer := func(r *http.Request) string {
				if listed && strings.HasSuffix(r.URL.Path, "/mailFolders") {
					return `{"value":[{"id":"f1"}]}`
				}
				return body
			}
			for name, call := range mailboxCalls() {
				t.Run(fmt.Sprintf("%s/%q/listed=%v", name, body, listed), func(t *testing.T) {
					mb := hostileGraph(t, answer)

					err := call(context.Background(), mb)

					assert.Error(t, err)
				})
			}
		}
	}
}

// Nulls inside lists (folders, messages of a delta page, attachments,
// headers) are skipped.
func TestMailbox_NullEntriesAreSkipped(t *testing.T) {
	body := `{"id":"m1","hasAttachments":true,"internetMessageHeaders":[null],` +
		`"value":[null,{"id":"m1","hasAttachments":true,"internetMessageHeaders":[null]}],` +
		`"@odata.deltaLink":"{api}/me/mailFolders/m1/messages/delta?$deltatoken=1"}`
	mb := hostileGraph(t, func(*http.Request) string { return body })
	ctx := context.Background()

	msg, err := mb.Message(ctx, "m1")
	require.NoError(t, err)
	assert.Equal(t, "m1", msg.ID)
	require.Len(t, msg.Attachments, 1, "the null attachment is skipped")
	var got []string
	err = mb.Sync(ctx, "", mailmanager.SyncOptions{},
		func(_ context.Context, c *mailmanager.Changes) error {
			for _, m := range c.Messages {
				got = append(got, m.ID)
			}
			return nil
		})
	require.NoError(t, err)
	assert.Equal(t, []string{"m1"}, got)
	folders, err := mb.Folders(ctx)
	require.NoError(t, err)
	assert.Len(t, folders, 1)
}
