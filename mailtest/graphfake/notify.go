package graphfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// validationTimeout is how long Graph waits for the endpoint to echo a
// validation token.
const validationTimeout = 10 * time.Second

// folderResource matches a per-folder messages resource.
var folderResource = regexp.MustCompile(`^(?i:me|users/[^/]+)/mailfolders(?:\('([^')]+)'\)|/([^/]+))/messages$`)

func (c *call) createSubscription() reply {
	var in struct {
		ChangeType               string `json:"changeType"`
		NotificationURL          string `json:"notificationUrl"`
		LifecycleNotificationURL string `json:"lifecycleNotificationUrl"`
		Resource                 string `json:"resource"`
		ExpirationDateTime       string `json:"expirationDateTime"`
		ClientState              string `json:"clientState"`
	}
	if rep, ok := c.decode(&in); !ok {
		return rep
	}
	if rep, ok := checkChangeType(c, in.ChangeType); !ok {
		return rep
	}
	if len(in.ClientState) > maxClientState {
		return c.fail(http.StatusBadRequest, "InvalidRequest",
			"clientState may hold at most 128 characters.")
	}
	for _, u := range []string{in.NotificationURL, in.LifecycleNotificationURL} {
		if u != "" && !loopbackURL(u) {
			return c.fail(http.StatusBadRequest, "InvalidRequest",
				"The fake only notifies http(s) URLs on loopback.")
		}
	}
	if in.NotificationURL == "" {
		return c.fail(http.StatusBadRequest, "InvalidRequest", "notificationUrl is required.")
	}

	c.s.mu.Lock()
	folder, rep, ok := c.subscriptionScope(in.Resource)
	if ok {
		_, rep, ok = c.expiration(in.ExpirationDateTime)
	}
	client := c.s.subs.client
	if client == nil {
		client = &http.Client{Timeout: validationTimeout}
		c.s.subs.client = client
	}
	c.s.mu.Unlock()
	if !ok {
		return rep
	}

	for _, u := range []string{in.NotificationURL, in.LifecycleNotificationURL} {
		if u != "" && !c.s.validate(client, u) {
			return c.fail(http.StatusBadRequest, "ValidationError",
				"Subscription validation request failed. Notification endpoint must "+
					"respond with 200 OK to validation request.")
		}
	}

	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	exp, rep, ok := c.expiration(in.ExpirationDateTime)
	if !ok {
		return rep
	}
	sub := &subscription{
		Subscription: Subscription{
			ID: newUUID(), Address: c.mb.address, Resource: in.Resource,
			ChangeType: in.ChangeType, ClientState: in.ClientState,
			NotificationURL: in.NotificationURL, LifecycleURL: in.LifecycleNotificationURL,
			Expires: exp,
		},
		mb: c.mb, folder: folder, seen: map[string]uint64{},
	}
	for id, m := range c.mb.messages {
		if sub.covers(m) {
			sub.seen[id] = m.changed
		}
	}
	if c.s.subs.byID == nil {
		c.s.subs.byID = map[string]*subscription{}
	}
	c.s.subs.byID[sub.ID] = sub
	s := c.s
	c.mb.onChange = func(mb *mailbox) { go s.flush(mb) }
	return c.json(http.StatusCreated, sub.wire(c))
}

func checkChangeType(c *call, v string) (reply, bool) {
	if v == "" {
		return c.fail(http.StatusBadRequest, "InvalidRequest", "changeType is required."), false
	}
	for _, t := range strings.Split(v, ",") {
		switch strings.TrimSpace(t) {
		case "created", "updated", "deleted":
		default:
			return c.fail(http.StatusBadRequest, "InvalidRequest",
				fmt.Sprintf("Invalid changeType %q.", t)), false
		}
	}
	return reply{}, true
}

// subscriptionScope resolves a resource to a folder ID ("" for every
// message); s.mu is held.
func (c *call) subscriptionScope(resource string) (string, reply, bool) {
	r := strings.Trim(resource, "/")
	lower := strings.ToLower(r)
	if lower == "me/messages" || lower == "users/"+c.mb.address+"/messages" ||
		lower == "users/"+strings.ToLower(c.mb.userID)+"/messages" {
		return "", reply{}, true
	}
	if m := folderResource.FindStringSubmatch(r); m != nil {
		ref := m[1] + m[2]
		if f := c.mb.folder(ref); f != nil {
			return f.id, reply{}, true
		}
	}
	return "", c.fail(http.StatusBadRequest, "ExtensionError",
		"Resource '"+resource+"' is not supported by the fake."), false
}

func (sub *subscription) covers(m *message) bool {
	return sub.folder == "" || m.ParentFolderID == sub.folder
}

func loopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// validate performs Graph's validation handshake against raw.
func (s *Server) validate(client *http.Client, raw string) bool {
	token := "Validation: Testing client application reachability for subscription Request-Id: " +
		newUUID()
	u, _ := url.Parse(raw)
	q := u.Query()
	q.Set("validationToken", token)
	u.RawQuery = q.Encode()
	req, err := http.NewRequest(http.MethodPost, u.String(), nil)
	ok := false
	if err == nil {
		req.Header.Set("Content-Type", "text/plain; charset=utf-8")
		if resp, err := client.Do(req); err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			ok = resp.StatusCode == http.StatusOK && string(body) == token &&
				strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain")
		}
	}
	s.mu.Lock()
	s.subs.stats.Validations++
	if !ok {
		s.subs.stats.ValidationsRefused++
	}
	s.mu.Unlock()
	return ok
}

// flush compares every subscription of mb with the mailbox and posts what
// changed.
func (s *Server) flush(mb *mailbox) {
	type batch struct {
		url  string
		body []byte
	}
	var out []batch
	s.mu.Lock()
	for _, sub := range s.subs.byID {
		if sub.mb != mb || !s.subLive(sub) {
			continue
		}
		var value []map[string]any
		for _, n := range sub.diff() {
			s.subs.stats.Sent++
			if s.subs.drop > 0 {
				s.subs.drop--
				s.subs.stats.Dropped++
				continue
			}
			value = append(value, sub.notification(n[0], n[1]))
		}
		if len(value) > 0 {
			body, _ := json.Marshal(map[string]any{"value": value})
			out = append(out, batch{sub.NotificationURL, body})
		}
	}
	client := s.subs.client
	s.mu.Unlock()
	for _, b := range out {
		status := post(client, b.url, b.body)
		s.mu.Lock()
		if status/100 == 2 {
			s.subs.stats.Delivered++
		}
		s.mu.Unlock()
	}
}

// diff returns the [changeType, message ID] pairs since the last diff and
// remembers the mailbox's state; s.mu is held.
func (sub *subscription) diff() [][2]string {
	var out [][2]string
	want := func(t string) bool { return strings.Contains(sub.ChangeType, t) }
	for id, m := range sub.mb.messages {
		if !sub.covers(m) {
			continue
		}
		seq, ok := sub.seen[id]
		switch {
		case !ok && want("created"):
			out = append(out, [2]string{"created", id})
		case ok && seq != m.changed && want("updated"):
			out = append(out, [2]string{"updated", id})
		}
		sub.seen[id] = m.changed
	}
	for id := range sub.seen {
		if m := sub.mb.messages[id]; m == nil || !sub.covers(m) {
			delete(sub.seen, id)
			if want("deleted") {
				out = append(out, [2]string{"deleted", id})
			}
		}
	}
	return out
}

// notification is one change notification in Graph's shape.
func (sub *subscription) notification(changeType, id string) map[string]any {
	res := "Users/" + sub.mb.userID + "/Messages/" + id
	return map[string]any{
		"subscriptionId":                 sub.ID,
		"subscriptionExpirationDateTime": sub.Expires.UTC().Format(time.RFC3339Nano),
		"clientState":                    sub.ClientState,
		"changeType":                     changeType,
		"resource":                       res,
		"tenantId":                       tenantID,
		"resourceData": map[string]any{
			"@odata.type": "#Microsoft.Graph.Message",
			"@odata.id":   res,
			"@odata.etag": `W/"` + id[len(id)/2:] + `"`,
			"id":          id,
		},
	}
}

// Lifecycle posts a lifecycle notification (subscriptionRemoved, missed
// or reauthorizationRequired) of the subscription to its lifecycle URL and
// returns the status the endpoint answered. subscriptionRemoved also ends
// the subscription.
func (s *Server) Lifecycle(subscriptionID, event string) (int, error) {
	switch event {
	case "subscriptionRemoved", "missed", "reauthorizationRequired":
	default:
		return 0, fmt.Errorf("graphfake: unknown lifecycle event %q", event)
	}
	s.mu.Lock()
	sub := s.subs.byID[subscriptionID]
	if sub == nil || sub.LifecycleURL == "" {
		s.mu.Unlock()
		return 0, errors.New("graphfake: no such subscription with a lifecycle URL")
	}
	body, _ := json.Marshal(map[string]any{"value": []map[string]any{{
		"subscriptionId":                 sub.ID,
		"subscriptionExpirationDateTime": sub.Expires.UTC().Format(time.RFC3339Nano),
		"tenantId":                       tenantID,
		"clientState":                    sub.ClientState,
		"lifecycleEvent":                 event,
	}}})
	if event == "subscriptionRemoved" {
		s.dropSubscription(sub)
	}
	s.subs.stats.Lifecycle++
	client, u := s.subs.client, sub.LifecycleURL
	s.mu.Unlock()
	status := post(client, u, body)
	if status == 0 {
		return 0, errors.New("graphfake: lifecycle notification not answered")
	}
	return status, nil
}

// post sends a notification body and returns the answer's status, or 0.
func post(client *http.Client, u string, body []byte) int {
	if client == nil {
		client = &http.Client{Timeout: validationTimeout}
	}
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	return resp.StatusCode
}
