package gmail

import (
	"context"
	"crypto/rsa"
	"fmt"
	"strconv"
	"time"

	gmailapi "google.golang.org/api/gmail/v1"

	"github.com/mailmanager/mailmanager"
)

// Watch timing. Gmail ends a watch after seven days and asks for a renewal
// at least that often; the Manager renews daily.
// See https://developers.google.com/gmail/api/guides/push#renewing_mailbox_watch
const (
	watchLifetime = 7 * 24 * time.Hour
	watchRenewal  = 24 * time.Hour
)

// PushConfig configures Gmail push notifications: users.watch publishes
// a mailbox's changes to a Cloud Pub/Sub topic, and a push subscription of
// that topic posts them to the host's push handler (see
// [mailmanager.Scheduler.PushHandler]), which authenticates them with an
// identity token, a URL token, or both.
type PushConfig struct {
	// Topic is the full name of the Pub/Sub topic users.watch publishes
	// to, "projects/{project}/topics/{topic}". Empty means no watch.
	Topic string

	// LabelIDs, when set, limit notifications to changes of messages with
	// these labels. Empty means every change.
	LabelIDs []string

	// Keys, when set, makes the push handler require the OIDC identity
	// token Pub/Sub sends in the Authorization header, signed RS256 by
	// the key it returns for the token's key ID (Google's published
	// certificates, fetched and cached by the host). The provider fetches
	// nothing itself.
	Keys func(ctx context.Context, keyID string) (*rsa.PublicKey, error)

	// Audience is the audience the identity token must carry, as set on
	// the push subscription. Required with Keys.
	Audience string

	// ServiceAccount is the service account the identity token must name
	// with a verified email, as set on the push subscription. Required
	// with Keys.
	ServiceAccount string

	// Token, when set, makes the push handler require it in the "token"
	// query parameter of the push endpoint URL, compared in constant
	// time. When both Keys and Token are set, both are required; when
	// neither is, every push is refused.
	Token string
}

var _ mailmanager.Watcher = (*mailbox)(nil)

// Watch starts or renews the mailbox's watch on the configured topic
// (users.watch). Gmail keeps one watch per mailbox and application, so a
// renewal is a new watch. It fails with an error wrapping
// [mailmanager.ErrNotConfigured] when no topic is configured.
func (m *mailbox) Watch(ctx context.Context, req mailmanager.WatchRequest) (
	*mailmanager.Subscription, error) {
	if m.push.Topic == "" {
		return nil, fmt.Errorf("gmail: watch: no Pub/Sub topic: %w", mailmanager.ErrNotConfigured)
	}
	wr := &gmailapi.WatchRequest{TopicName: m.push.Topic, LabelIds: m.push.LabelIDs}
	if len(m.push.LabelIDs) > 0 {
		wr.LabelFilterBehavior = "include"
	}
	resp, err := m.svc.Users.Watch("me", wr).Context(ctx).Do()
	if err != nil {
		return nil, apiError("users.watch", err)
	}
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	exp := now.Add(watchLifetime)
	if resp.Expiration > 0 {
		exp = time.UnixMilli(resp.Expiration)
	}
	return &mailmanager.Subscription{
		Resource: m.push.Topic,
		Expires:  exp,
		RenewAt:  earlier(now.Add(watchRenewal), exp),
		Cursor:   strconv.FormatUint(resp.HistoryId, 10),
	}, nil
}

// Unwatch stops the mailbox's push notifications (users.stop).
func (m *mailbox) Unwatch(ctx context.Context, _ *mailmanager.Subscription) error {
	if err := m.svc.Users.Stop("me").Context(ctx).Do(); err != nil {
		return apiError("users.stop", err)
	}
	return nil
}

// earlier returns the earlier of two times.
func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
