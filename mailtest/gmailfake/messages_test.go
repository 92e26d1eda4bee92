package gmailfake_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/gmail/v1"
)

func TestServer_ListPagesNewestFirst(t *testing.T) {
	fake, clock := newFake(t)
	ids := deliverN(t, fake, clock, 25)
	svc := service(t, fake, annToken)

	var got []string
	var sizes []int
	token := ""
	for {
		resp, err := svc.Users.Messages.List("me").MaxResults(10).PageToken(token).Do()
		require.NoError(t, err)
		assert.EqualValues(t, 25, resp.ResultSizeEstimate)
		sizes = append(sizes, len(resp.Messages))
		for _, m := range resp.Messages {
			got = append(got, m.Id)
			assert.Equal(t, m.Id, m.ThreadId, "a lone message is its own thread")
		}
		if resp.NextPageToken == "" {
			break
		}
		token = resp.NextPageToken
	}

	want := slices.Clone(ids)
	slices.Reverse(want)
	assert.Equal(t, want, got)
	assert.Equal(t, []int{10, 10, 5}, sizes)
}

func TestServer_IDsLookLikeGmail(t *testing.T) {
	fake, clock := newFake(t)
	ids := deliverN(t, fake, clock, 3)
	shape := regexp.MustCompile(`^[0-9a-f]{16}$`)
	for i, id := range ids {
		assert.Regexp(t, shape, id)
		if i > 0 {
			assert.Greater(t, id, ids[i-1], "IDs grow with time")
		}
	}
}

func TestServer_ListPageTokenSurvivesDeletes(t *testing.T) {
	fake, clock := newFake(t)
	ids := deliverN(t, fake, clock, 6) // listed as ids[5] .. ids[0]
	svc := service(t, fake, annToken)

	first, err := svc.Users.Messages.List("me").MaxResults(3).Do()
	require.NoError(t, err)
	require.Len(t, first.Messages, 3)
	fake.Delete(ann, ids[3]) // last of the first page
	fake.Delete(ann, ids[2]) // first of the second page

	second, err := svc.Users.Messages.List("me").MaxResults(3).PageToken(first.NextPageToken).Do()
	require.NoError(t, err)
	var got []string
	for _, m := range second.Messages {
		got = append(got, m.Id)
	}
	assert.Equal(t, []string{ids[1], ids[0]}, got)
	assert.Empty(t, second.NextPageToken)
}

func TestServer_ListFilters(t *testing.T) {
	fake, clock := newFake(t)
	svc := service(t, fake, annToken)
	work, err := svc.Users.Labels.Create("me", &gmail.Label{Name: "Work Stuff"}).Do()
	require.NoError(t, err)

	old, err := fake.Deliver(ann, textMessage("dave@example.com", ann, "Old lunch", "pizza"))
	require.NoError(t, err)
	clock.Advance(time.Hour)
	cut := clock.Now().Unix()
	read, err := fake.Deliver(ann, textMessage("erin@example.com", ann, "Budget", "numbers"),
		"INBOX", work.Id)
	require.NoError(t, err)
	withFile, err := fake.Deliver(ann, reportMessage([]byte("%PDF-1.4")))
	require.NoError(t, err)
	spam, err := fake.Deliver(ann, textMessage("spam@example.net", ann, "Win", "money"), "SPAM")
	require.NoError(t, err)
	trashed, err := fake.Deliver(ann, textMessage("dave@example.com", ann, "Gone", "bye"))
	require.NoError(t, err)
	_, err = svc.Users.Messages.Trash("me", trashed).Do()
	require.NoError(t, err)

	cases := []struct {
		name     string
		q        string
		labelIDs []string
		withST   bool
		want     []string
	}{
		{name: "all but spam and trash", want: []string{withFile, read, old}},
		{name: "after", q: fmt.Sprintf("after:%d", cut), want: []string{withFile, read}},
		{name: "before", q: fmt.Sprintf("before:%d", cut), want: []string{old}},
		{name: "label by name", q: "label:work-stuff", want: []string{read}},
		{name: "label ids", labelIDs: []string{"UNREAD"}, want: []string{withFile, old}},
		{name: "is unread", q: "is:unread", want: []string{withFile, old}},
		{name: "from", q: "from:dave", want: []string{old}},
		{name: "subject", q: `subject:"old lunch"`, want: []string{old}},
		{name: "negation", q: "-from:dave", want: []string{withFile, read}},
		{name: "has attachment", q: "has:attachment", want: []string{withFile}},
		{name: "free text in body", q: "pizza", want: []string{old}},
		{name: "in trash", q: "in:trash", want: []string{trashed}},
		{name: "spam label id", labelIDs: []string{"SPAM"}, want: []string{spam}},
		{name: "include spam and trash", withST: true,
			want: []string{trashed, spam, withFile, read, old}},
		{name: "anywhere from dave", q: "in:anywhere from:dave", want: []string{trashed, old}},
	}
	require.NoError(t, svc.Users.Messages.BatchModify("me", &gmail.BatchModifyMessagesRequest{
		Ids: []string{read}, RemoveLabelIds: []string{"UNREAD"},
	}).Do())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			call := svc.Users.Messages.List("me").Q(tc.q).IncludeSpamTrash(tc.withST)
			if len(tc.labelIDs) > 0 {
				call = call.LabelIds(tc.labelIDs...)
			}
			resp, err := call.Do()
			require.NoError(t, err)
			var got []string
			for _, m := range resp.Messages {
				got = append(got, m.Id)
			}
			assert.Equal(t, tc.want, got)
			assert.EqualValues(t, len(tc.want), resp.ResultSizeEstimate)
		})
	}
}

func TestServer_GetFormats(t *testing.T) {
	fake, _ := newFake(t)
	pdf := randomBytes(3000, 1)
	raw := reportMessage(pdf)
	id, err := fake.Deliver(ann, raw)
	require.NoError(t, err)
	svc := service(t, fake, annToken)

	full, err := svc.Users.Messages.Get("me", id).Format("full").Do()
	require.NoError(t, err)
	assert.Equal(t, id, full.Id)
	assert.Equal(t, []string{"INBOX", "UNREAD"}, full.LabelIds)
	assert.Equal(t, "Hello Ann, the réport is attached.", full.Snippet)
	assert.Equal(t, time.Unix(startTime, 0).UnixMilli(), full.InternalDate)
	assert.EqualValues(t, len(raw), full.SizeEstimate)
	assert.Equal(t, fake.HistoryID(ann), full.HistoryId)
	assert.Empty(t, full.Raw)

	p := full.Payload
	require.NotNil(t, p)
	assert.Equal(t, "", p.PartId)
	assert.Equal(t, "multipart/mixed", p.MimeType)
	assert.Contains(t, p.Headers, &gmail.MessagePartHeader{
		Name: "Subject", Value: "=?UTF-8?Q?Quarterly_r=C3=A9port?="})
	assert.Contains(t, p.Headers, &gmail.MessagePartHeader{Name: "Message-ID",
		Value: "<q1@example.com>"})
	assert.Contains(t, p.Headers, &gmail.MessagePartHeader{Name: "X-Folded",
		Value: "first part second part"})
	require.Len(t, p.Parts, 2)
	alt := p.Parts[0]
	assert.Equal(t, "0", alt.PartId)
	assert.Equal(t, "multipart/alternative", alt.MimeType)
	require.Len(t, alt.Parts, 2)
	assert.Equal(t, "0.0", alt.Parts[0].PartId)
	assert.Equal(t, "text/plain", alt.Parts[0].MimeType)
	assert.Equal(t, "Hello Ann, the réport is attached.",
		string(decode(t, alt.Parts[0].Body.Data)))
	assert.Equal(t, "0.1", alt.Parts[1].PartId)
	assert.Equal(t, "text/html", alt.Parts[1].MimeType)
	att := p.Parts[1]
	assert.Equal(t, "1", att.PartId)
	assert.Equal(t, "report.pdf", att.Filename)
	assert.Equal(t, "application/pdf", att.MimeType)
	assert.EqualValues(t, len(pdf), att.Body.Size)
	assert.Empty(t, att.Body.Data)
	require.NotEmpty(t, att.Body.AttachmentId)

	body, err := svc.Users.Messages.Attachments.Get("me", id, att.Body.AttachmentId).Do()
	require.NoError(t, err)
	assert.Equal(t, pdf, decode(t, body.Data), "attachment fetched byte-equal")
	assert.EqualValues(t, len(pdf), body.Size)

	rawMsg, err := svc.Users.Messages.Get("me", id).Format("raw").Do()
	require.NoError(t, err)
	assert.Equal(t, raw, decode(t, rawMsg.Raw))
	assert.Nil(t, rawMsg.Payload)

	minimal, err := svc.Users.Messages.Get("me", id).Format("minimal").Do()
	require.NoError(t, err)
	assert.Nil(t, minimal.Payload)
	assert.Equal(t, full.LabelIds, minimal.LabelIds)
	assert.Equal(t, full.Snippet, minimal.Snippet)

	meta, err := svc.Users.Messages.Get("me", id).Format("metadata").
		MetadataHeaders("subject", "From").Do()
	require.NoError(t, err)
	require.NotNil(t, meta.Payload)
	assert.Equal(t, []*gmail.MessagePartHeader{
		{Name: "From", Value: "Carol <carol@example.com>"},
		{Name: "Subject", Value: "=?UTF-8?Q?Quarterly_r=C3=A9port?="},
	}, meta.Payload.Headers)
	assert.Empty(t, meta.Payload.Parts)
}

func TestServer_GetErrors(t *testing.T) {
	fake, clock := newFake(t)
	ids := deliverN(t, fake, clock, 1)
	svc := service(t, fake, annToken)
	cases := []struct {
		name, id, format string
		status           int
		reason           string
	}{
		{"unknown id", "00000000000000ff", "full", http.StatusNotFound, "notFound"},
		{"malformed id", "r-123", "full", http.StatusBadRequest, "invalidArgument"},
		{"bad format", ids[0], "html", http.StatusBadRequest, "invalidArgument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Users.Messages.Get("me", tc.id).Format(tc.format).Do()
			require.Error(t, err)
			assert.Equal(t, tc.status, apiError(t, err).Code)
			assert.Equal(t, tc.reason, reason(t, err))
		})
	}
	_, err := svc.Users.Messages.Attachments.Get("me", ids[0], "bogus").Do()
	require.Error(t, err)
	assert.Equal(t, http.StatusBadRequest, apiError(t, err).Code)
}

func TestServer_ModifyTrashDelete(t *testing.T) {
	fake, clock := newFake(t)
	ids := deliverN(t, fake, clock, 4)
	svc := service(t, fake, annToken)
	ctx := context.Background()

	m, err := svc.Users.Messages.Modify("me", ids[0], &gmail.ModifyMessageRequest{
		AddLabelIds: []string{"STARRED"}, RemoveLabelIds: []string{"UNREAD"},
	}).Context(ctx).Do()
	require.NoError(t, err)
	assert.Equal(t, []string{"INBOX", "STARRED"}, m.LabelIds)

	_, err = svc.Users.Messages.Modify("me", ids[0], &gmail.ModifyMessageRequest{
		AddLabelIds: []string{"Label_404"}}).Do()
	assert.Equal(t, http.StatusBadRequest, apiError(t, err).Code, "unknown label")
	_, err = svc.Users.Messages.Modify("me", ids[0], &gmail.ModifyMessageRequest{
		AddLabelIds: []string{"SENT"}}).Do()
	assert.Equal(t, http.StatusBadRequest, apiError(t, err).Code, "SENT is not settable")

	require.NoError(t, svc.Users.Messages.BatchModify("me", &gmail.BatchModifyMessagesRequest{
		Ids: []string{ids[1], ids[2]}, AddLabelIds: []string{"IMPORTANT"},
	}).Do())
	for _, id := range ids[1:3] {
		got, ok := fake.Message(ann, id)
		require.True(t, ok)
		assert.Equal(t, []string{"INBOX", "UNREAD", "IMPORTANT"}, got.LabelIDs)
	}

	tr, err := svc.Users.Messages.Trash("me", ids[1]).Do()
	require.NoError(t, err)
	assert.Equal(t, []string{"UNREAD", "IMPORTANT", "TRASH"}, tr.LabelIds)
	un, err := svc.Users.Messages.Untrash("me", ids[1]).Do()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"UNREAD", "IMPORTANT", "INBOX"}, un.LabelIds)

	require.NoError(t, svc.Users.Messages.Delete("me", ids[2]).Do())
	_, ok := fake.Message(ann, ids[2])
	assert.False(t, ok)
	_, err = svc.Users.Messages.Get("me", ids[2]).Do()
	assert.Equal(t, http.StatusNotFound, apiError(t, err).Code)

	require.NoError(t, svc.Users.Messages.BatchDelete("me", &gmail.BatchDeleteMessagesRequest{
		Ids: []string{ids[0], ids[3]},
	}).Do())
	assert.Len(t, fake.Messages(ann), 1)
}

func TestServer_ThreadsByReferences(t *testing.T) {
	fake, clock := newFake(t)
	first, err := fake.Deliver(ann, textMessage("carol@example.com", ann, "Plans", "hi",
		"Message-ID: <p1@example.com>"))
	require.NoError(t, err)
	clock.Advance(time.Minute)
	reply, err := fake.Deliver(ann, textMessage("dave@example.com", ann, "Re: Plans", "yes",
		"Message-ID: <p2@example.com>", "In-Reply-To: <p1@example.com>",
		"References: <p1@example.com>"))
	require.NoError(t, err)
	other, err := fake.Deliver(ann, textMessage("dave@example.com", ann, "Other topic", "no",
		"References: <p1@example.com>"))
	require.NoError(t, err)

	svc := service(t, fake, annToken)
	th, err := svc.Users.Threads.Get("me", first).Format("minimal").Do()
	require.NoError(t, err)
	require.Len(t, th.Messages, 2)
	assert.Equal(t, first, th.Messages[0].Id, "oldest first")
	assert.Equal(t, reply, th.Messages[1].Id)
	assert.Equal(t, first, th.Messages[1].ThreadId)
	got, _ := fake.Message(ann, other)
	assert.Equal(t, other, got.ThreadID, "a different subject starts a thread")
}

func TestServer_Profile(t *testing.T) {
	fake, clock := newFake(t)
	deliverN(t, fake, clock, 3)
	svc := service(t, fake, annToken)
	p, err := svc.Users.GetProfile("me").Do()
	require.NoError(t, err)
	assert.Equal(t, ann, p.EmailAddress)
	assert.EqualValues(t, 3, p.MessagesTotal)
	assert.EqualValues(t, 3, p.ThreadsTotal)
	assert.Equal(t, fake.HistoryID(ann), p.HistoryId)
}

func TestServer_ListQueryOperators(t *testing.T) {
	fake, clock := newFake(t)
	svc := service(t, fake, annToken)
	at := func(s string) time.Time {
		v, err := time.Parse(time.DateOnly, s)
		require.NoError(t, err)
		return v
	}
	march, err := fake.DeliverAt(ann, at("2025-03-10"), textMessage("a@example.com", ann,
		"March", "m", "Message-ID: <march@example.com>"))
	require.NoError(t, err)
	june, err := fake.DeliverAt(ann, at("2025-06-10"), reportMessage([]byte("pdf")),
		"INBOX", "STARRED", "CATEGORY_UPDATES")
	require.NoError(t, err)
	recent, err := fake.DeliverAt(ann, clock.Now().Add(-time.Hour),
		textMessage("b@example.com", ann, "Recent", "r"), "INBOX")
	require.NoError(t, err)
	_, err = fake.DeliverAt(ann, time.Time{}, []byte("x"))
	assert.Error(t, err, "a zero time is refused")

	cases := []struct {
		q    string
		want []string
	}{
		{"after:2025/04/01", []string{recent, june}},
		{"before:2025-04-01", []string{march}},
		{"after:2025/03/01 before:2025/07/01", []string{june, march}},
		{"newer_than:2d", []string{recent}},
		{"older_than:6m", []string{june, march}},
		{"older_than:1y", nil},
		{"is:starred", []string{june}},
		{"is:read", []string{recent, june}},
		{"category:updates", []string{june}},
		{"filename:pdf", []string{june}},
		{"rfc822msgid:<march@example.com>", []string{march}},
		{"to:me", []string{recent, june, march}},
	}
	for _, tc := range cases {
		t.Run(tc.q, func(t *testing.T) {
			resp, err := svc.Users.Messages.List("me").Q(tc.q).Do()
			require.NoError(t, err)
			var got []string
			for _, m := range resp.Messages {
				got = append(got, m.Id)
			}
			assert.Equal(t, tc.want, got)
		})
	}
}
