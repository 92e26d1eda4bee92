package gmail_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/mailmanager/mailmanager/mailtest"
)

// hostLogs collects the log output of every Manager the package's tests
// build, and every token and secret they handled, so TestMain can prove no
// secret reached a log line.
var hostLogs mailtest.LogRecorder

func TestMain(m *testing.M) {
	hostLogs.Secret("csecret")
	code := m.Run()
	if leaked, _ := hostLogs.Leaks(); leaked > 0 {
		fmt.Fprintf(os.Stderr, "%d tokens or secrets appear in the Managers' logs\n", leaked)
		code = 1
	}
	os.Exit(code)
}
