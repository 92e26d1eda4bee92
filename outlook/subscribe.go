package outlook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mailmanager/mailmanager"
)

// Subscription timing. Graph ends a subscription to messages after at
// most 4230 minutes (just under three days); the Manager asks for a little
// less and renews it half a day before it ends.
// See https://learn.microsoft.com/graph/api/resources/subscription#subscription-lifetime
const (
	subscriptionLifetime = 4230*time.Minute - 5*time.Minute
	subscriptionRenewal  = 12 * time.Hour
	// subscriptionResource is what a subscription watches: every message
	// of the mailbox, in every folder.
	subscriptionResource = "me/messages"
	subscriptionChanges  = "created,updated,deleted"
)

var (
	_ mailmanager.Watcher     = (*Mailbox)(nil)
	_ mailmanager.PushDecoder = (*Provider)(nil)
)

// wireSubscription is Graph's subscription resource, as far as it is used.
type wireSubscription struct {
	ID                 string `json:"id,omitempty"`
	ChangeType         string `json:"changeType,omitempty"`
	NotificationURL    string `json:"notificationUrl,omitempty"`
	LifecycleURL       string `json:"lifecycleNotificationUrl,omitempty"`
	Resource           string `json:"resource,omitempty"`
	ExpirationDateTime string `json:"expirationDateTime,omitempty"`
	ClientState        string `json:"clientState,omitempty"`
}

// Watch creates a Graph subscription to the mailbox's messages, or renews
// req.Previous by moving its expiration (PATCH). A subscription Graph no
// longer knows is created again. Graph checks the notification URLs with
// a validation request before it answers, so the push handler must be
// reachable.
func (m *Mailbox) Watch(ctx context.Context, req mailmanager.WatchRequest) (
	*mailmanager.Subscription, error) {
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	exp := now.Add(subscriptionLifetime).UTC()
	if req.Previous != nil && req.Previous.ID != "" {
		sub, err := m.subscriptionCall(ctx, "subscriptions.update", http.MethodPatch,
			"/subscriptions/"+url.PathEscape(req.Previous.ID),
			&wireSubscription{ExpirationDateTime: exp.Format(time.RFC3339)})
		if err == nil {
			return toSubscription(sub, now), nil
		}
		if !errors.Is(err, mailmanager.ErrNotFound) {
			return nil, err
		}
	}
	if req.NotificationURL == "" {
		return nil, fmt.Errorf("outlook: subscribe: no notification URL: %w",
			mailmanager.ErrNotConfigured)
	}
	sub, err := m.subscriptionCall(ctx, "subscriptions.create", http.MethodPost, "/subscriptions",
		&wireSubscription{
			ChangeType:         subscriptionChanges,
			NotificationURL:    req.NotificationURL,
			LifecycleURL:       req.LifecycleURL,
			Resource:           subscriptionResource,
			ExpirationDateTime: exp.Format(time.RFC3339),
			ClientState:        req.ClientState,
		})
	if err != nil {
		return nil, err
	}
	return toSubscription(sub, now), nil
}

// Unwatch deletes the subscription. One Graph no longer knows counts as
// deleted.
func (m *Mailbox) Unwatch(ctx context.Context, sub *mailmanager.Subscription) error {
	if sub == nil || sub.ID == "" {
		return nil
	}
	_, err := m.subscriptionCall(ctx, "subscriptions.delete", http.MethodDelete,
		"/subscriptions/"+url.PathEscape(sub.ID), nil)
	if errors.Is(err, mailmanager.ErrNotFound) {
		return nil
	}
	return err
}

func toSubscription(w *wireSubscription, now time.Time) *mailmanager.Subscription {
	exp, err := time.Parse(time.RFC3339Nano, w.ExpirationDateTime)
	if err != nil {
		exp = now.Add(subscriptionLifetime)
	}
	renew := exp.Add(-subscriptionRenewal)
	if half := now.Add(exp.Sub(now) / 2); renew.Before(half) {
		renew = half
	}
	return &mailmanager.Subscription{ID: w.ID, Resource: w.Resource, Expires: exp, RenewAt: renew}
}

// subscriptionCall sends one /subscriptions request through the Graph
// pipeline. The body carries the client state; errors never quote it.
func (m *Mailbox) subscriptionCall(ctx context.Context, op, method, path string,
	in *wireSubscription) (*wireSubscription, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("outlook: %s: encode: %w", op, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, m.cfg.APIURL+path, body)
	if err != nil {
		return nil, fmt.Errorf("outlook: %s: %w", op, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return nil, wrapf(op, err)
	}
	if resp.StatusCode >= 400 {
		return nil, responseError(op, resp)
	}
	defer resp.Body.Close()
	var out wireSubscription
	if resp.StatusCode != http.StatusNoContent {
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil &&
			method != http.MethodDelete {
			return nil, fmt.Errorf("outlook: %s: decode answer: %w", op, err)
		}
	}
	return &out, nil
}

// wireNotification is one change or lifecycle notification.
// See https://learn.microsoft.com/graph/change-notifications-delivery-webhooks
type wireNotification struct {
	SubscriptionID string `json:"subscriptionId"`
	ClientState    string `json:"clientState"`
	ChangeType     string `json:"changeType"`
	Resource       string `json:"resource"`
	LifecycleEvent string `json:"lifecycleEvent"`
}

// DecodePush decodes a request Graph sends to a notification or lifecycle
// URL: a validation request (the token in the validationToken query
// parameter) or a collection of notifications. It implements
// [mailmanager.PushDecoder]. Graph signs nothing in basic notifications;
// the Manager checks each notification's client state.
func (p *Provider) DecodePush(r *http.Request, _ time.Time) (*mailmanager.Push, error) {
	if tok := r.URL.Query().Get("validationToken"); tok != "" {
		if len(tok) > 1024 {
			return nil, errors.New("outlook: push: validation token too long")
		}
		return &mailmanager.Push{Validation: tok}, nil
	}
	var in struct {
		Value []wireNotification `json:"value"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		return nil, errors.New("outlook: push: body is not a notification collection")
	}
	if len(in.Value) == 0 {
		return nil, errors.New("outlook: push: no notifications")
	}
	out := &mailmanager.Push{}
	for _, n := range in.Value {
		if n.SubscriptionID == "" {
			return nil, errors.New("outlook: push: notification without a subscription ID")
		}
		ev := mailmanager.PushChanged
		switch strings.TrimSpace(n.LifecycleEvent) {
		case "":
		case "subscriptionRemoved":
			ev = mailmanager.PushRemoved
		case "missed":
			ev = mailmanager.PushMissed
		case "reauthorizationRequired":
			ev = mailmanager.PushReauthorize
		default:
			// An event this version does not know: a sync is always safe.
			ev = mailmanager.PushMissed
		}
		out.Notifications = append(out.Notifications, mailmanager.Notification{
			Event: ev, SubscriptionID: n.SubscriptionID, ClientState: n.ClientState,
		})
	}
	return out, nil
}
