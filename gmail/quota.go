package gmail

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/mailmanager/mailmanager"
)

// DefaultQuotaUnits is the budget of quota units per mailbox per minute the
// provider keeps below: 80% of the 6,000 units per user per minute that
// Gmail grants most projects, leaving room for other clients of the same
// project. Older projects with 15,000 units set Config.QuotaUnits.
//
// See https://developers.google.com/workspace/gmail/api/reference/quota
const DefaultQuotaUnits = 4800

// costs are Gmail's published quota units per method, keyed by HTTP method
// and a pattern of the path below /gmail/v1/users/{userId}/.
var costs = []struct {
	method string
	path   *regexp.Regexp
	units  int
}{
	{"GET", regexp.MustCompile(`^profile$`), 1},
	{"GET", regexp.MustCompile(`^messages$`), 5},
	{"GET", regexp.MustCompile(`^messages/[^/]+$`), 5},
	{"GET", regexp.MustCompile(`^messages/[^/]+/attachments/[^/]+$`), 5},
	{"POST", regexp.MustCompile(`^messages/send$`), 100},
	{"POST", regexp.MustCompile(`^messages/import$`), 25},
	{"POST", regexp.MustCompile(`^messages/batchModify$`), 50},
	{"POST", regexp.MustCompile(`^messages/batchDelete$`), 50},
	{"POST", regexp.MustCompile(`^messages/[^/]+/modify$`), 5},
	{"POST", regexp.MustCompile(`^messages/[^/]+/(trash|untrash)$`), 5},
	{"DELETE", regexp.MustCompile(`^messages/[^/]+$`), 10},
	{"GET", regexp.MustCompile(`^history$`), 2},
	{"GET", regexp.MustCompile(`^labels(/[^/]+)?$`), 1},
	{"POST", regexp.MustCompile(`^labels$`), 5},
	{"GET", regexp.MustCompile(`^drafts(/[^/]+)?$`), 5},
	{"POST", regexp.MustCompile(`^drafts$`), 10},
	{"PUT", regexp.MustCompile(`^drafts/[^/]+$`), 15},
	{"POST", regexp.MustCompile(`^drafts/send$`), 100},
	{"DELETE", regexp.MustCompile(`^drafts/[^/]+$`), 10},
	{"GET", regexp.MustCompile(`^settings/sendAs$`), 1},
	{"GET", regexp.MustCompile(`^threads/[^/]+$`), 10},
	{"POST", regexp.MustCompile(`^watch$`), 100},
	{"POST", regexp.MustCompile(`^stop$`), 50},
}

// userPath matches the part of an API path after the user ID.
var userPath = regexp.MustCompile(`/gmail/v1/users/[^/]+/(.*)$`)

// methodCost returns the quota units of one call, or 5 for a call the table
// does not know.
func methodCost(method, path string) int {
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	m := userPath.FindStringSubmatch(path)
	if m == nil {
		return 5
	}
	for _, c := range costs {
		if c.method == method && c.path.MatchString(m[1]) {
			return c.units
		}
	}
	return 5
}

// batchCostKey carries the summed cost of a batch request's calls from the
// code that builds it to the cost function.
type batchCostKey struct{}

func withBatchCost(ctx context.Context, units int) context.Context {
	return context.WithValue(ctx, batchCostKey{}, units)
}

// requestCost returns the quota units an HTTP request costs: its method's,
// or for a batch the sum of its calls'.
func requestCost(r *http.Request) int {
	if units, ok := r.Context().Value(batchCostKey{}).(int); ok {
		return units
	}
	return methodCost(r.Method, r.URL.Path)
}

// Limits implements [mailmanager.RateLimited]: the Manager keeps each
// mailbox's requests within Config.QuotaUnits per minute.
func (p *Provider) Limits() mailmanager.Limits {
	if p.quotaUnits <= 0 {
		return mailmanager.Limits{}
	}
	return mailmanager.Limits{Units: p.quotaUnits, Window: p.quotaWindow, Cost: requestCost}
}

var _ mailmanager.RateLimited = (*Provider)(nil)

// quotaWindow is Gmail's accounting window.
const quotaWindow = time.Minute
