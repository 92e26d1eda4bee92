package outlook_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/mailmanager/mailmanager/mailtest"
)

// Every Manager the package's tests build logs into managerLogs, which
// also holds every token and secret they handled, so that TestMain can
// prove that no secret reached a log line.
var managerLogs mailtest.LogRecorder

func TestMain(m *testing.M) {
	managerLogs.Secret("csecret")
	code := m.Run()
	leaked, recorded := managerLogs.Leaks()
	if leaked > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d tokens or secrets appear in the Managers' logs\n", leaked)
		code = 1
	} else if testing.Verbose() {
		fmt.Printf("no secret of %d in %d lines of the Managers' logs\n", recorded,
			strings.Count(managerLogs.String(), "\n"))
	}
	os.Exit(code)
}
