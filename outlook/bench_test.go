package outlook_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/outlook"
)

// BenchmarkMailbox_SyncPageSize measures a first sync of 1,000 messages
// at several delta page sizes, reporting the requests and the pages the
// host receives.
func BenchmarkMailbox_SyncPageSize(b *testing.B) {
	for _, size := range []int{10, 50, 100, 250} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			e := newEnv(b, outlook.Config{PageSize: size})
			for i := range 1000 {
				_, err := e.fake.Deliver(ada, "inbox", rawMail(fmt.Sprintf("message %d", i)))
				require.NoError(b, err)
			}
			e.fake.ResetStats()
			pages := 0
			b.ResetTimer()
			for b.Loop() {
				err := e.mb.Sync(context.Background(), "", mailmanager.SyncOptions{},
					func(context.Context, *mailmanager.Changes) error {
						pages++
						return nil
					})
				require.NoError(b, err)
			}
			b.StopTimer()
			b.ReportMetric(float64(e.fake.Stats().Requests)/float64(b.N), "requests/op")
			b.ReportMetric(float64(pages)/float64(b.N), "pages/op")
		})
	}
}
