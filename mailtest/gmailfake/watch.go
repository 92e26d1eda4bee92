package gmailfake

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// watchLifetime is how long a watch lasts, as at Gmail.
const watchLifetime = 7 * 24 * time.Hour

// topicName is the form users.watch accepts for a topic.
var topicName = regexp.MustCompile(`^projects/[a-z][a-z0-9-]{1,62}/topics/[A-Za-z][\w.~+%-]{2,254}$`)

// PushConfig says where a [Server] posts the Pub/Sub push deliveries of
// watched mailboxes.
type PushConfig struct {
	// URL is the push endpoint. It must be on loopback; a "token" query
	// parameter in it is sent as is.
	URL string
	// Subscription is the Pub/Sub subscription name put in each delivery.
	// Zero means "projects/fake/subscriptions/gmail-push".
	Subscription string
	// Token, when set, is called for each delivery and its result sent as
	// a bearer token, as Pub/Sub sends its OIDC identity token (see
	// [SignIDToken]).
	Token func() string
}

// PushStats counts push deliveries.
type PushStats struct {
	// Published counts notifications of watched mailboxes.
	Published int
	// Delivered counts those the endpoint answered with a 2xx status.
	Delivered int
	// Dropped counts those dropped on purpose ([Server.DropPushes]).
	Dropped int
	// Failed counts those the endpoint refused or did not answer.
	Failed int
	// Last is the status of the last answered delivery.
	Last int
}

// pushState is the Server's push configuration and counters, guarded by
// Server.mu.
type pushState struct {
	cfg    PushConfig
	drop   int
	seq    int
	stats  PushStats
	client *http.Client
}

// watch is a mailbox's users.watch.
type watch struct {
	s       *Server
	address string
	topic   string
	labels  []string
	expires time.Time
}

// SetPush makes the Server post push deliveries as c says. It fails if
// c.URL is not an http(s) URL on loopback.
func (s *Server) SetPush(c PushConfig) error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return errors.New("gmailfake: push URL is not an http(s) URL")
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return errors.New("gmailfake: push URL is not on loopback")
	}
	if c.Subscription == "" {
		c.Subscription = "projects/fake/subscriptions/gmail-push"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.push.cfg = c
	s.push.client = &http.Client{Timeout: 10 * time.Second}
	return nil
}

// DropPushes drops the next n notifications instead of delivering them,
// as Pub/Sub and Gmail sometimes do.
func (s *Server) DropPushes(n int) {
	s.mu.Lock()
	s.push.drop = max(n, 0)
	s.mu.Unlock()
}

// PushStats returns the push counters.
func (s *Server) PushStats() PushStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.push.stats
}

// Watching reports whether the mailbox has a watch that has not expired by
// the Server's clock, and when it expires.
func (s *Server) Watching(address string) (bool, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mailboxes[address]
	if mb == nil || mb.watch == nil {
		return false, time.Time{}
	}
	return s.clock().Before(mb.watch.expires), mb.watch.expires
}

// watchMailbox serves users.watch.
func (s *Server) watchMailbox(c *call) (any, *apiError) {
	var in struct {
		TopicName           string   `json:"topicName"`
		LabelIDs            []string `json:"labelIds"`
		LabelFilterBehavior string   `json:"labelFilterBehavior"`
		LabelFilterAction   string   `json:"labelFilterAction"`
	}
	if err := json.Unmarshal(c.body, &in); err != nil {
		return nil, badRequest("Invalid JSON payload received.")
	}
	if !topicName.MatchString(in.TopicName) {
		return nil, badRequest("Invalid topicName does not match projects/*/topics/*")
	}
	if in.LabelFilterBehavior == "exclude" || in.LabelFilterAction == "exclude" {
		return nil, badRequest("labelFilterBehavior exclude is not supported by the fake")
	}
	w := &watch{s: s, address: c.mb.address, topic: in.TopicName,
		labels: slices.Clone(in.LabelIDs), expires: c.now.Add(watchLifetime)}
	c.mb.watch = w
	return map[string]string{
		"historyId":  strconv.FormatUint(c.mb.historyID, 10),
		"expiration": strconv.FormatInt(w.expires.UnixMilli(), 10),
	}, nil
}

// stopWatch serves users.stop.
func (s *Server) stopWatch(c *call) (any, *apiError) {
	c.mb.watch = nil
	return nil, nil
}

// changed publishes a notification of rec, unless the watch expired,
// filters rec out or a drop is due. It runs with Server.mu held.
func (w *watch) changed(mb *mailbox, rec record) {
	s := w.s
	if !s.clock().Before(w.expires) || s.push.cfg.URL == "" {
		return
	}
	if len(w.labels) > 0 && !touches(rec, w.labels) {
		return
	}
	s.push.stats.Published++
	if s.push.drop > 0 {
		s.push.drop--
		s.push.stats.Dropped++
		return
	}
	s.push.seq++
	data, _ := json.Marshal(map[string]any{"emailAddress": mb.address, "historyId": rec.id})
	env := map[string]any{
		"message": map[string]any{
			"data":         base64.StdEncoding.EncodeToString(data),
			"messageId":    strconv.Itoa(s.push.seq),
			"message_id":   strconv.Itoa(s.push.seq),
			"publishTime":  s.clock().UTC().Format(time.RFC3339Nano),
			"publish_time": s.clock().UTC().Format(time.RFC3339Nano),
		},
		"subscription": s.push.cfg.Subscription,
	}
	body, _ := json.Marshal(env)
	go s.deliverPush(s.push.cfg, s.push.client, body)
}

func touches(rec record, labels []string) bool {
	for _, l := range labels {
		if slices.Contains(rec.labels, l) || slices.Contains(rec.labelsAdded, l) ||
			slices.Contains(rec.labelsRemoved, l) {
			return true
		}
	}
	return false
}

// deliverPush posts one delivery and counts the outcome.
func (s *Server) deliverPush(cfg PushConfig, client *http.Client, body []byte) {
	req, err := http.NewRequest(http.MethodPost, cfg.URL, bytes.NewReader(body))
	if err != nil {
		s.countPush(0)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)")
	if cfg.Token != nil {
		req.Header.Set("Authorization", "Bearer "+cfg.Token())
	}
	resp, err := client.Do(req)
	if err != nil {
		s.countPush(0)
		return
	}
	resp.Body.Close()
	s.countPush(resp.StatusCode)
}

func (s *Server) countPush(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status/100 == 2 {
		s.push.stats.Delivered++
	} else {
		s.push.stats.Failed++
	}
	if status != 0 {
		s.push.stats.Last = status
	}
}
