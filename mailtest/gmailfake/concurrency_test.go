package gmailfake_test

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/gmail/v1"
	"google.golang.org/api/googleapi"
)

// TestServer_ConcurrentClients hammers one mailbox from several clients
// while the test changes it behind their backs; run with -race.
func TestServer_ConcurrentClients(t *testing.T) {
	fake, clock := newFake(t)
	fake.SetQuota(0)
	ids := deliverN(t, fake, clock, 20)
	start := fake.HistoryID(ann)
	const workers = 6

	var wg sync.WaitGroup
	errs := make(chan error, workers*40)
	for w := range workers {
		wg.Go(func() {
			svc := service(t, fake, annToken)
			for i := range 10 {
				id := ids[(w*7+i)%len(ids)]
				if _, err := svc.Users.Messages.Get("me", id).Do(); !gone(err) {
					errs <- err
				}
				_, err := svc.Users.Messages.Modify("me", id, &gmail.ModifyMessageRequest{
					AddLabelIds: []string{"STARRED"}}).Do()
				if !gone(err) {
					errs <- err
				}
				if _, err := svc.Users.Messages.List("me").MaxResults(5).Do(); err != nil {
					errs <- err
				}
				raw := textMessage(ann, "c@example.com", fmt.Sprint("w", w, i), "x")
				_, err = svc.Users.Messages.Send("me", &gmail.Message{Raw: encodeRaw(raw)}).Do()
				if err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range 10 {
		fake.Relabel(ann, ids[i], []string{"IMPORTANT"}, nil)
		fake.Delete(ann, ids[19-i])
		_, err := fake.Deliver(ann, textMessage("d@example.com", ann, "late", "x"))
		require.NoError(t, err)
		_ = fake.Stats()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}

	assert.Equal(t, workers*10, len(fake.Sent(ann)))
	svc := service(t, fake, annToken)
	resp, err := svc.Users.History.List("me").StartHistoryId(start).MaxResults(500).Do()
	require.NoError(t, err)
	var prev uint64
	for _, h := range resp.History {
		assert.Greater(t, h.Id, prev, "history IDs grow")
		prev = h.Id
	}
	assert.Equal(t, fake.HistoryID(ann), resp.HistoryId)
}

// gone reports a nil error or a 404 for a message deleted meanwhile.
func gone(err error) bool {
	var gerr *googleapi.Error
	return err == nil || (errors.As(err, &gerr) && gerr.Code == http.StatusNotFound)
}
