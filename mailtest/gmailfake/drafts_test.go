package gmailfake_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/gmail/v1"
	"google.golang.org/api/googleapi"
)

func TestServer_DraftLifecycle(t *testing.T) {
	fake, clock := newFake(t)
	svc := service(t, fake, annToken)
	first := textMessage(ann, "carol@example.com", "Draft", "first try", "Bcc: dave@example.com")

	created, err := svc.Users.Drafts.Create("me", &gmail.Draft{
		Message: &gmail.Message{Raw: encodeRaw(first)}}).Do()
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(created.Id, "r"), "draft IDs start with r")
	assert.Equal(t, []string{"DRAFT"}, created.Message.LabelIds)

	got, err := svc.Users.Drafts.Get("me", created.Id).Format("raw").Do()
	require.NoError(t, err)
	assert.Equal(t, first, decode(t, got.Message.Raw))

	clock.Advance(time.Minute)
	second := textMessage(ann, "carol@example.com", "Draft", "second try", "Bcc: dave@example.com")
	updated, err := svc.Users.Drafts.Update("me", created.Id, &gmail.Draft{
		Message: &gmail.Message{Raw: encodeRaw(second)}}).Do()
	require.NoError(t, err)
	assert.Equal(t, created.Id, updated.Id)
	assert.NotEqual(t, created.Message.Id, updated.Message.Id, "an update is a new message")
	_, ok := fake.Message(ann, created.Message.Id)
	assert.False(t, ok, "the old draft message is gone")

	list, err := svc.Users.Drafts.List("me").Do()
	require.NoError(t, err)
	require.Len(t, list.Drafts, 1)
	assert.Equal(t, created.Id, list.Drafts[0].Id)
	assert.Equal(t, updated.Message.Id, list.Drafts[0].Message.Id)

	sent, err := svc.Users.Drafts.Send("me", &gmail.Draft{Id: created.Id}).Do()
	require.NoError(t, err)
	assert.Equal(t, updated.Message.Id, sent.Id, "the sent message keeps the draft's ID")
	assert.Equal(t, []string{"SENT"}, sent.LabelIds)
	out := fake.Sent(ann)
	require.Len(t, out, 1)
	assert.Equal(t, []string{"dave@example.com"}, out[0].Bcc)
	assert.Contains(t, string(out[0].Raw), "second try")
	assert.NotContains(t, string(out[0].Raw), "Bcc:")

	_, err = svc.Users.Drafts.Get("me", created.Id).Do()
	assert.Equal(t, http.StatusNotFound, apiError(t, err).Code, "a sent draft is no draft")
}

func TestServer_DraftDeleteAndErrors(t *testing.T) {
	fake, _ := newFake(t)
	svc := service(t, fake, annToken)
	d, err := svc.Users.Drafts.Create("me", &gmail.Draft{Message: &gmail.Message{
		Raw: encodeRaw([]byte("Subject: no recipient yet\r\n\r\nwip"))}}).Do()
	require.NoError(t, err)

	_, err = svc.Users.Drafts.Send("me", &gmail.Draft{Id: d.Id}).Do()
	assert.Equal(t, http.StatusBadRequest, apiError(t, err).Code, "no recipient")

	require.NoError(t, svc.Users.Drafts.Delete("me", d.Id).Do())
	_, ok := fake.Message(ann, d.Message.Id)
	assert.False(t, ok)

	cases := []struct {
		name string
		do   func() error
	}{
		{"get", func() error { _, err := svc.Users.Drafts.Get("me", d.Id).Do(); return err }},
		{"delete", func() error { return svc.Users.Drafts.Delete("me", d.Id).Do() }},
		{"send", func() error {
			_, err := svc.Users.Drafts.Send("me", &gmail.Draft{Id: d.Id}).Do()
			return err
		}},
		{"update", func() error {
			_, err := svc.Users.Drafts.Update("me", d.Id, &gmail.Draft{
				Message: &gmail.Message{Raw: encodeRaw([]byte("To: a@b.c\r\n\r\nx"))}}).Do()
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, http.StatusNotFound, apiError(t, tc.do()).Code)
		})
	}
}

func TestServer_DraftMediaUpload(t *testing.T) {
	fake, _ := newFake(t)
	svc := service(t, fake, annToken)
	raw := bigMessage(64 << 10)
	d, err := svc.Users.Drafts.Create("me", &gmail.Draft{}).
		Media(bytes.NewReader(raw), googleapi.ContentType("message/rfc822")).Do()
	require.NoError(t, err)
	got, ok := fake.Message(ann, d.Message.Id)
	require.True(t, ok)
	assert.Equal(t, raw, got.Raw)
}
