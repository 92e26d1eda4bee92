package mailmanager

import (
	"context"
	"errors"
	"io"
	"net/http"
)

// maxPushBody bounds the body of a push request.
const maxPushBody = 1 << 20

// PushHandler returns the handler that receives the providers' push
// requests. Mount it as a prefix at SchedulerConfig.PushPath; the
// provider's name is the last element of the path, so Graph posts to
// "/mail/push/outlook" and a Pub/Sub push subscription is set up for
// "/mail/push/gmail" when PushPath is "/mail/push".
//
// The provider authenticates and decodes each request (see
// [PushDecoder]); the handler then answers at once and only schedules
// work: a validation request is echoed (text/plain, 200) when a
// subscription is being created and the token was not seen before, and
// refused (400) otherwise; a notification whose client state does not
// match its subscription is ignored, counted in [PushStats.Refused] and
// logged without the secret; a notification for a known account triggers
// an incremental sync (a lost subscription is also created again, one due
// for re-authorization renewed). Accepted requests answer 202; an
// unauthenticated one 401; a request whose every notification was refused
// 403.
func (s *Scheduler) PushHandler() http.Handler {
	return http.HandlerFunc(s.servePush)
}

func (s *Scheduler) servePush(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := lastSegment(r.URL.Path)
	p, err := s.m.provider(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	dec, ok := p.(PushDecoder)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxPushBody)
	defer io.Copy(io.Discard, r.Body)

	push, err := dec.DecodePush(r, s.m.now())
	if errors.Is(err, ErrPushUnauthorized) {
		s.count(func(st *PushStats) { st.Refused++ })
		s.m.log.WarnContext(ctx, "push: request refused", "provider", name, "error", err.Error())
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if err != nil {
		s.m.log.InfoContext(ctx, "push: malformed request", "provider", name, "error", err.Error())
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if push.Validation != "" {
		s.validate(w, r, name, push.Validation)
		return
	}

	accepted, refused := 0, 0
	for _, n := range push.Notifications {
		s.count(func(st *PushStats) { st.Notifications++ })
		switch err := s.route(ctx, name, n); {
		case err == nil:
			accepted++
		case errors.Is(err, errRefused):
			refused++
		case errors.Is(err, ErrNotFound):
			accepted++ // answered, so the provider stops sending it
		default:
			s.m.log.WarnContext(ctx, "push: notification not handled", "provider", name,
				"error", err.Error())
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
	}
	if refused > 0 && accepted == 0 {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// validate answers a validation request of a subscription being created.
func (s *Scheduler) validate(w http.ResponseWriter, r *http.Request, provider, token string) {
	ok, err := s.m.acceptValidation(r.Context(), provider, token)
	if err != nil {
		s.m.log.WarnContext(r.Context(), "push: validation check failed", "provider", provider,
			"error", err.Error())
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	if !ok {
		s.count(func(st *PushStats) { st.Refused++ })
		s.m.log.WarnContext(r.Context(), "push: unexpected or replayed validation request refused",
			"provider", provider)
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	s.count(func(st *PushStats) { st.Validations++ })
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, token)
}

// errRefused marks a notification with a wrong client state.
var errRefused = errors.New("mailmanager: push notification refused")

// route schedules what a notification asks for. It returns an error
// wrapping errRefused for a wrong client state and ErrNotFound for an
// unknown subscription or mailbox.
func (s *Scheduler) route(ctx context.Context, provider string, n Notification) error {
	if n.SubscriptionID != "" {
		return s.routeSubscription(ctx, provider, n)
	}
	if n.Address == "" {
		s.count(func(st *PushStats) { st.Ignored++ })
		return ErrNotFound
	}
	accts, err := s.m.store.Accounts(ctx, "")
	if err != nil {
		return err
	}
	found := false
	for _, a := range accts {
		if a.Provider == provider && a.Address == n.Address && a.Status == StatusActive {
			found = true
			s.want(a.ID, true, watchNone)
		}
	}
	if !found {
		s.count(func(st *PushStats) { st.Ignored++ })
		s.m.log.DebugContext(ctx, "push: notification for no connected mailbox", "provider", provider)
		return ErrNotFound
	}
	return nil
}

func (s *Scheduler) routeSubscription(ctx context.Context, provider string, n Notification) error {
	rec, err := s.m.loadPush(ctx, pushSubKey(provider, n.SubscriptionID))
	if errors.Is(err, ErrNotFound) {
		s.count(func(st *PushStats) { st.Ignored++ })
		s.m.log.InfoContext(ctx, "push: notification for an unknown subscription",
			"provider", provider, "subscription", n.SubscriptionID)
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	if !s.m.clientStateMatches(rec, n.ClientState) {
		s.count(func(st *PushStats) { st.Refused++ })
		s.m.log.WarnContext(ctx, "push: notification with a wrong client state ignored",
			"provider", provider, "subscription", n.SubscriptionID, "account", rec.Account)
		return errRefused
	}
	switch n.Event {
	case PushRemoved:
		s.want(rec.Account, true, watchRecreate)
	case PushReauthorize:
		s.want(rec.Account, false, watchRenew)
	default:
		s.want(rec.Account, true, watchNone)
	}
	return nil
}
