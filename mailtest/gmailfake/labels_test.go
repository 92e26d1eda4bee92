package gmailfake_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/gmail/v1"
)

func TestServer_LabelsListAndCreate(t *testing.T) {
	fake, _ := newFake(t)
	svc := service(t, fake, annToken)

	created, err := svc.Users.Labels.Create("me", &gmail.Label{Name: "Receipts"}).Do()
	require.NoError(t, err)
	assert.Equal(t, "user", created.Type)
	assert.Regexp(t, `^Label_\d+$`, created.Id)

	list, err := svc.Users.Labels.List("me").Do()
	require.NoError(t, err)
	byID := map[string]*gmail.Label{}
	for _, l := range list.Labels {
		byID[l.Id] = l
		assert.Zero(t, l.MessagesTotal, "labels.list carries no counts")
	}
	for _, id := range []string{"INBOX", "SENT", "TRASH", "SPAM", "DRAFT", "UNREAD",
		"STARRED", "IMPORTANT", "CATEGORY_PERSONAL", "CATEGORY_SOCIAL"} {
		require.Contains(t, byID, id)
		assert.Equal(t, "system", byID[id].Type)
	}
	require.Contains(t, byID, created.Id)
	assert.Equal(t, "Receipts", byID[created.Id].Name)

	cases := []struct {
		name   string
		label  string
		status int
	}{
		{"duplicate name", "receipts", http.StatusConflict},
		{"system name", "Inbox", http.StatusBadRequest},
		{"empty name", " ", http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Users.Labels.Create("me", &gmail.Label{Name: tc.label}).Do()
			assert.Equal(t, tc.status, apiError(t, err).Code)
		})
	}
}

func TestServer_LabelCounts(t *testing.T) {
	fake, _ := newFake(t)
	svc := service(t, fake, annToken)
	work, err := fake.AddLabel(ann, "Work")
	require.NoError(t, err)
	_, err = fake.Deliver(ann, textMessage("c@example.com", ann, "A", "a",
		"Message-ID: <a@example.com>"), "INBOX", "UNREAD", work)
	require.NoError(t, err)
	_, err = fake.Deliver(ann, textMessage("c@example.com", ann, "Re: A", "b",
		"References: <a@example.com>"), "INBOX", work)
	require.NoError(t, err)
	_, err = fake.Deliver(ann, textMessage("d@example.com", ann, "B", "c"))
	require.NoError(t, err)

	cases := []struct {
		id                                    string
		total, unread, threads, unreadThreads int64
	}{
		{"INBOX", 3, 2, 2, 2},
		{work, 2, 1, 1, 1},
		{"UNREAD", 2, 2, 2, 2},
		{"TRASH", 0, 0, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			l, err := svc.Users.Labels.Get("me", tc.id).Do()
			require.NoError(t, err)
			assert.Equal(t, tc.total, l.MessagesTotal)
			assert.Equal(t, tc.unread, l.MessagesUnread)
			assert.Equal(t, tc.threads, l.ThreadsTotal)
			assert.Equal(t, tc.unreadThreads, l.ThreadsUnread)
		})
	}
	_, err = svc.Users.Labels.Get("me", "Label_999").Do()
	assert.Equal(t, http.StatusNotFound, apiError(t, err).Code)
}

func TestServer_SendAsList(t *testing.T) {
	fake, _ := newFake(t)
	fake.AddSendAs(ann, "ann@work.example", true)
	fake.AddSendAs(ann, "ann@pending.example", false)
	svc := service(t, fake, annToken)

	resp, err := svc.Users.Settings.SendAs.List("me").Do()
	require.NoError(t, err)
	require.Len(t, resp.SendAs, 3)
	assert.Equal(t, ann, resp.SendAs[0].SendAsEmail)
	assert.True(t, resp.SendAs[0].IsPrimary)
	assert.True(t, resp.SendAs[0].IsDefault)
	assert.Equal(t, "ann@work.example", resp.SendAs[1].SendAsEmail)
	assert.Equal(t, "accepted", resp.SendAs[1].VerificationStatus)
	assert.False(t, resp.SendAs[1].IsPrimary)
	assert.Equal(t, "pending", resp.SendAs[2].VerificationStatus)
}
