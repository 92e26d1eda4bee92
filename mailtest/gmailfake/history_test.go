package gmailfake_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/gmail/v1"
)

// change is one history entry reduced for comparison.
type change struct {
	kind   string
	msgID  string
	labels []string
}

func flatten(hs []*gmail.History) []change {
	var out []change
	for _, h := range hs {
		for _, a := range h.MessagesAdded {
			out = append(out, change{"added", a.Message.Id, a.Message.LabelIds})
		}
		for _, d := range h.MessagesDeleted {
			out = append(out, change{"deleted", d.Message.Id, nil})
		}
		for _, l := range h.LabelsAdded {
			out = append(out, change{"labelAdded", l.Message.Id, l.LabelIds})
		}
		for _, l := range h.LabelsRemoved {
			out = append(out, change{"labelRemoved", l.Message.Id, l.LabelIds})
		}
	}
	return out
}

func TestServer_HistoryRecordsChangesInPages(t *testing.T) {
	fake, clock := newFake(t)
	svc := service(t, fake, annToken)
	profile, err := svc.Users.GetProfile("me").Do()
	require.NoError(t, err)
	start := profile.HistoryId

	ids := deliverN(t, fake, clock, 2)
	_, err = svc.Users.Messages.Modify("me", ids[0], &gmail.ModifyMessageRequest{
		RemoveLabelIds: []string{"UNREAD"}}).Do()
	require.NoError(t, err)
	fake.Relabel(ann, ids[1], []string{"STARRED"}, nil)
	fake.Delete(ann, ids[1])

	var all []*gmail.History
	var lastIDs []uint64
	pages := 0
	token := ""
	for {
		resp, err := svc.Users.History.List("me").StartHistoryId(start).MaxResults(2).
			PageToken(token).Do()
		require.NoError(t, err)
		pages++
		assert.Equal(t, fake.HistoryID(ann), resp.HistoryId)
		all = append(all, resp.History...)
		for _, h := range resp.History {
			lastIDs = append(lastIDs, h.Id)
			require.Len(t, h.Messages, 1, "every record names its message")
		}
		if resp.NextPageToken == "" {
			break
		}
		token = resp.NextPageToken
	}

	assert.Equal(t, 3, pages)
	assert.IsIncreasing(t, lastIDs)
	assert.Greater(t, lastIDs[0], start)
	assert.Equal(t, []change{
		{"added", ids[0], []string{"INBOX", "UNREAD"}},
		{"added", ids[1], []string{"INBOX", "UNREAD"}},
		{"labelRemoved", ids[0], []string{"UNREAD"}},
		{"labelAdded", ids[1], []string{"STARRED"}},
		{"deleted", ids[1], nil},
	}, flatten(all))

	again, err := svc.Users.History.List("me").StartHistoryId(fake.HistoryID(ann)).Do()
	require.NoError(t, err)
	assert.Empty(t, again.History, "nothing after the current history ID")
}

func TestServer_HistoryFilters(t *testing.T) {
	fake, clock := newFake(t)
	svc := service(t, fake, annToken)
	start := fake.HistoryID(ann)
	ids := deliverN(t, fake, clock, 2)
	fake.Relabel(ann, ids[0], []string{"STARRED"}, []string{"UNREAD"})
	fake.Delete(ann, ids[1])

	cases := []struct {
		name    string
		types   []string
		labelID string
		want    []change
	}{
		{name: "added only", types: []string{"messageAdded"}, want: []change{
			{"added", ids[0], []string{"INBOX", "UNREAD"}},
			{"added", ids[1], []string{"INBOX", "UNREAD"}},
		}},
		{name: "label changes", types: []string{"labelAdded", "labelRemoved"}, want: []change{
			{"labelAdded", ids[0], []string{"STARRED"}},
			{"labelRemoved", ids[0], []string{"UNREAD"}},
		}},
		{name: "records touching STARRED", labelID: "STARRED", want: []change{
			{"labelAdded", ids[0], []string{"STARRED"}},
			{"labelRemoved", ids[0], []string{"UNREAD"}},
		}},
		{name: "records touching INBOX", labelID: "INBOX", types: []string{"messageDeleted"},
			want: []change{{"deleted", ids[1], nil}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			call := svc.Users.History.List("me").StartHistoryId(start).HistoryTypes(tc.types...)
			if tc.labelID != "" {
				call = call.LabelId(tc.labelID)
			}
			resp, err := call.Do()
			require.NoError(t, err)
			assert.Equal(t, tc.want, flatten(resp.History))
		})
	}
}

func TestServer_HistoryExpires(t *testing.T) {
	fake, clock := newFake(t)
	svc := service(t, fake, annToken)
	start := fake.HistoryID(ann)
	deliverN(t, fake, clock, 1)

	fake.ExpireHistory(ann)
	_, err := svc.Users.History.List("me").StartHistoryId(start).Do()
	require.Error(t, err)
	assert.Equal(t, http.StatusNotFound, apiError(t, err).Code)
	assert.Equal(t, "notFound", reason(t, err))

	now := fake.HistoryID(ann)
	resp, err := svc.Users.History.List("me").StartHistoryId(now).Do()
	require.NoError(t, err, "a start at the current history ID is still good")
	assert.Empty(t, resp.History)

	deliverN(t, fake, clock, 1)
	resp, err = svc.Users.History.List("me").StartHistoryId(now).Do()
	require.NoError(t, err)
	assert.Len(t, flatten(resp.History), 1)
}

func TestServer_HistoryLimitDropsOldRecords(t *testing.T) {
	fake, clock := newFake(t)
	fake.SetHistoryLimit(3)
	svc := service(t, fake, annToken)
	start := fake.HistoryID(ann)
	deliverN(t, fake, clock, 5)

	_, err := svc.Users.History.List("me").StartHistoryId(start).Do()
	assert.Equal(t, http.StatusNotFound, apiError(t, err).Code, "start older than kept")

	resp, err := svc.Users.History.List("me").StartHistoryId(start + 2).Do()
	require.NoError(t, err, "start at the oldest dropped record")
	assert.Len(t, resp.History, 3)
}

func TestServer_HistoryBadRequests(t *testing.T) {
	fake, _ := newFake(t)
	svc := service(t, fake, annToken)
	_, err := svc.Users.History.List("me").Do()
	assert.Equal(t, http.StatusBadRequest, apiError(t, err).Code, "missing start")
	_, err = svc.Users.History.List("me").StartHistoryId(fake.HistoryID(ann)).
		HistoryTypes("everything").Do()
	assert.Equal(t, http.StatusBadRequest, apiError(t, err).Code, "bad history type")
}
