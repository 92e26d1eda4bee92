package mailmanager

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// ErrPushUnauthorized reports a push request that does not prove it comes
// from the provider: a missing or wrong URL token, or an identity token
// that is missing, badly signed, expired or made for someone else.
var ErrPushUnauthorized = errors.New("mailmanager: push request not authenticated")

// Watcher is implemented by a [Mailbox] that can subscribe to push
// notifications of its changes (a Graph subscription, a Gmail
// users.watch). The [Scheduler] creates, renews and recreates
// subscriptions through it; [Manager.Disconnect] ends them.
type Watcher interface {
	// Watch creates a subscription, or renews req.Previous when it is set.
	// A provider that cannot renew a subscription it no longer knows
	// creates a new one instead. It fails with an error wrapping
	// [ErrNotConfigured] when the provider is not set up for push.
	Watch(ctx context.Context, req WatchRequest) (*Subscription, error)

	// Unwatch ends a subscription. One the provider no longer knows counts
	// as ended.
	Unwatch(ctx context.Context, sub *Subscription) error
}

// WatchRequest is what [Watcher.Watch] needs to know.
type WatchRequest struct {
	// Previous is the subscription to renew, or nil to create one.
	Previous *Subscription
	// NotificationURL receives change notifications, where the provider
	// posts them to a URL of the subscription's own (Graph).
	NotificationURL string
	// LifecycleURL receives lifecycle notifications (Graph).
	LifecycleURL string
	// ClientState is a secret the provider repeats in every notification,
	// so the receiver can tell them from forgeries (Graph).
	ClientState string
	// Now is the current time by the Manager's clock.
	Now time.Time
}

// Subscription is a push subscription of one mailbox, as the provider
// answered it.
type Subscription struct {
	// ID is the provider's subscription ID, or "" where a mailbox has one
	// watch without an ID (Gmail).
	ID string
	// Resource is what the subscription watches, such as "me/messages".
	Resource string
	// Expires is when the provider ends the subscription unless renewed.
	Expires time.Time
	// RenewAt is when the Manager renews it.
	RenewAt time.Time
	// Cursor is a provider position the subscription started at, such as
	// Gmail's history ID, or "".
	Cursor string
}

// PushDecoder is implemented by a [Provider] whose push notifications the
// handler of [Scheduler.PushHandler] receives. It authenticates and decodes
// one request; the Manager maps the notifications to accounts.
type PushDecoder interface {
	// DecodePush reads r, whose body is at most 1 MiB. now is the
	// Manager's clock. An unauthenticated request yields an error wrapping
	// [ErrPushUnauthorized]; a malformed one any other error.
	DecodePush(r *http.Request, now time.Time) (*Push, error)
}

// Push is one decoded push request.
type Push struct {
	// Validation, when set, is a validation token the provider sends to a
	// new subscription's URL; the receiver echoes it and nothing else
	// happens.
	Validation string
	// Notifications are the notifications the request carries.
	Notifications []Notification
}

// PushEvent is the kind of a [Notification].
type PushEvent string

// Push events.
const (
	// PushChanged reports that the mailbox changed.
	PushChanged PushEvent = ""
	// PushRemoved reports that the provider removed the subscription; it
	// must be created again.
	PushRemoved PushEvent = "subscriptionRemoved"
	// PushMissed reports that the provider dropped notifications; the
	// mailbox should be synced.
	PushMissed PushEvent = "missed"
	// PushReauthorize reports that the subscription must be renewed soon
	// or it ends.
	PushReauthorize PushEvent = "reauthorizationRequired"
)

// Notification is one notification of a push request.
type Notification struct {
	// Event is what happened.
	Event PushEvent
	// SubscriptionID names the subscription (Graph), or "".
	SubscriptionID string
	// ClientState is the secret the subscription was created with, as the
	// request carried it (Graph). The Manager compares it in constant time.
	ClientState string
	// Address is the mailbox's address when the notification names the
	// mailbox rather than a subscription (Gmail), lower case.
	Address string
	// Cursor is the provider's position the change reached, such as a
	// Gmail history ID, or "".
	Cursor string
}
