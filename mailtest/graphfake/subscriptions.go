package graphfake

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// Subscription limits, from Graph's documentation.
const (
	// MaxSubscriptionLifetime is the longest a subscription to messages
	// may last before it must be renewed.
	MaxSubscriptionLifetime = 4230 * time.Minute
	// maxClientState is the longest clientState Graph accepts.
	maxClientState = 128
	// tenantID is the tenant named in notifications.
	tenantID = "84bd8158-6d4d-4958-8b9f-9d6445542f95"
)

// Subscription is a snapshot of a change notification subscription.
type Subscription struct {
	ID              string
	Address         string // the mailbox it watches
	Resource        string
	ChangeType      string
	ClientState     string
	NotificationURL string
	LifecycleURL    string
	Expires         time.Time
}

// subscription is a live subscription; guarded by Server.mu.
type subscription struct {
	Subscription
	mb     *mailbox
	folder string            // folder ID it is limited to, or "" for all
	seen   map[string]uint64 // message ID -> change seq, in its scope
}

// subState is the Server's subscriptions and their controls.
type subState struct {
	byID   map[string]*subscription
	clock  func() time.Time
	drop   int
	stats  NotificationStats
	client *http.Client
}

// NotificationStats counts notifications the Server sent.
type NotificationStats struct {
	// Validations counts validation requests sent, Refused those the
	// endpoint did not answer correctly.
	Validations, ValidationsRefused int
	// Sent counts change notifications posted, Delivered those answered
	// with a 2xx status, Dropped those dropped on purpose.
	Sent, Delivered, Dropped int
	// Lifecycle counts lifecycle notifications posted.
	Lifecycle int
}

// SetSubscriptionClock sets the clock that judges subscription
// expirations; nil restores the wall clock. now must not call the Server.
func (s *Server) SetSubscriptionClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subs.clock = now
}

// DropNotifications drops the next n change notifications instead of
// posting them, as Graph may.
func (s *Server) DropNotifications(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subs.drop = max(n, 0)
}

// NotificationStats returns the notification counters.
func (s *Server) NotificationStats() NotificationStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.subs.stats
}

// Subscriptions returns the live subscriptions of the mailbox.
func (s *Server) Subscriptions(address string) []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Subscription
	for _, sub := range s.subs.byID {
		if sub.mb.address == strings.ToLower(address) && s.subLive(sub) {
			out = append(out, sub.Subscription)
		}
	}
	slices.SortFunc(out, func(a, b Subscription) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func (s *Server) subNow() time.Time {
	if s.subs.clock != nil {
		return s.subs.clock()
	}
	return time.Now()
}

// subLive reports whether sub has not expired; s.mu is held.
func (s *Server) subLive(sub *subscription) bool {
	return s.subNow().Before(sub.Expires)
}

// subscriptionRoutes registers /subscriptions.
func (s *Server) subscriptionRoutes(mux *http.ServeMux) {
	mux.Handle("POST /v1.0/subscriptions", s.subRoute("POST /subscriptions",
		(*call).createSubscription))
	mux.Handle("GET /v1.0/subscriptions/{sub}", s.subRoute("GET /subscriptions/{id}",
		(*call).getSubscription))
	mux.Handle("PATCH /v1.0/subscriptions/{sub}", s.subRoute("PATCH /subscriptions/{id}",
		(*call).updateSubscription))
	mux.Handle("DELETE /v1.0/subscriptions/{sub}", s.subRoute("DELETE /subscriptions/{id}",
		(*call).deleteSubscription))
}

// subRoute serves a subscription call. Unlike mail calls it runs without
// the Server's lock held, since a create calls the host back.
func (s *Server) subRoute(name string, h func(*call) reply) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := newCall(s, r)
		s.count(name)
		if rep, ok := c.authenticate(kindMail); !ok {
			c.write(w, rep)
			return
		}
		if rep, ok := s.injectFault(c); ok {
			c.write(w, rep)
			return
		}
		if rep, ok := c.readBody(kindMail); !ok {
			c.write(w, rep)
			return
		}
		c.write(w, h(c))
	})
}

// wire renders sub as Graph's subscription resource.
func (sub *subscription) wire(c *call) map[string]any {
	return map[string]any{
		"@odata.context":            c.context("subscriptions/$entity"),
		"id":                        sub.ID,
		"resource":                  sub.Resource,
		"applicationId":             "24d3b144-21ae-4080-943f-7067b395b913",
		"changeType":                sub.ChangeType,
		"clientState":               sub.ClientState,
		"notificationUrl":           sub.NotificationURL,
		"lifecycleNotificationUrl":  nilIfEmpty(sub.LifecycleURL),
		"expirationDateTime":        sub.Expires.UTC().Format("2006-01-02T15:04:05.0000000Z"),
		"creatorId":                 sub.mb.userID,
		"latestSupportedTlsVersion": "v1_2",
		"includeResourceData":       false,
	}
}

// lookupSubscription finds the caller's live subscription named in the
// path; s.mu is held.
func (c *call) lookupSubscription() (*subscription, reply, bool) {
	sub := c.s.subs.byID[c.r.PathValue("sub")]
	if sub == nil || sub.mb != c.mb || !c.s.subLive(sub) {
		return nil, c.fail(http.StatusNotFound, "ResourceNotFound",
			"The object was not found."), false
	}
	return sub, reply{}, true
}

func (c *call) getSubscription() reply {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	sub, rep, ok := c.lookupSubscription()
	if !ok {
		return rep
	}
	return c.json(http.StatusOK, sub.wire(c))
}

func (c *call) updateSubscription() reply {
	var in struct {
		ExpirationDateTime string `json:"expirationDateTime"`
	}
	if rep, ok := c.decode(&in); !ok {
		return rep
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	sub, rep, ok := c.lookupSubscription()
	if !ok {
		return rep
	}
	exp, rep, ok := c.expiration(in.ExpirationDateTime)
	if !ok {
		return rep
	}
	sub.Expires = exp
	return c.json(http.StatusOK, sub.wire(c))
}

func (c *call) deleteSubscription() reply {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	sub, rep, ok := c.lookupSubscription()
	if !ok {
		return rep
	}
	c.s.dropSubscription(sub)
	return c.empty(http.StatusNoContent)
}

// dropSubscription forgets sub; s.mu is held.
func (s *Server) dropSubscription(sub *subscription) {
	delete(s.subs.byID, sub.ID)
	for _, other := range s.subs.byID {
		if other.mb == sub.mb {
			return
		}
	}
	sub.mb.onChange = nil
}

// expiration parses and checks a requested expiration; s.mu is held.
func (c *call) expiration(v string) (time.Time, reply, bool) {
	exp, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, c.fail(http.StatusBadRequest, "InvalidRequest",
			"expirationDateTime is missing or not a date."), false
	}
	now := c.s.subNow()
	if !exp.After(now) {
		return time.Time{}, c.fail(http.StatusBadRequest, "ExtensionError",
			"Subscription expiration must be in the future."), false
	}
	if exp.After(now.Add(MaxSubscriptionLifetime)) {
		return time.Time{}, c.fail(http.StatusBadRequest, "ExtensionError",
			"Subscription expiration can only be 4230 minutes in the future."), false
	}
	return exp, reply{}, true
}
