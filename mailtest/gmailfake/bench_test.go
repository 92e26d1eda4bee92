package gmailfake_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkServer_GetFull measures one messages.get in full format through
// the real client, a multipart message with a 3 kB attachment.
func BenchmarkServer_GetFull(b *testing.B) {
	fake, _ := newFake(b)
	fake.SetQuota(0)
	id, err := fake.Deliver(ann, reportMessage(randomBytes(3000, 1)))
	require.NoError(b, err)
	svc := service(b, fake, annToken)
	b.ResetTimer()
	for b.Loop() {
		if _, err := svc.Users.Messages.Get("me", id).Format("full").Do(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServer_Batch50Gets measures one batch request of 50
// messages.get calls in metadata format.
func BenchmarkServer_Batch50Gets(b *testing.B) {
	fake, clock := newFake(b)
	fake.SetQuota(0)
	ids := deliverN(b, fake, clock, 50)
	calls := make([]innerCall, len(ids))
	for i, id := range ids {
		calls[i] = getCall(id)
	}
	b.ResetTimer()
	for b.Loop() {
		if status, answers := postBatch(b, fake, annToken, calls); status != 200 ||
			len(answers) != 50 {
			b.Fatalf("status %d, %d answers", status, len(answers))
		}
	}
}
