package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/gmail"
	"github.com/mailmanager/mailmanager/mailtest"
	"github.com/mailmanager/mailmanager/mailtest/gmailfake"
	"github.com/mailmanager/mailmanager/sqlstore"
)

// gmailHost is a host with the Gmail provider, against the fake OAuth and
// Gmail servers, with mailboxes connected by one user.
type gmailHost struct {
	*host
	fake     *gmailfake.Server
	accounts map[string]string // address by account ID
}

// newGmailHost starts the fakes, fills each mailbox with perBox messages
// and connects them all. tweak, when set, changes the configuration every
// Manager starts from.
func newGmailHost(t *testing.T, mailboxes, perBox int, pc gmail.Config,
	tweak func(*mailmanager.Config)) *gmailHost {
	t.Helper()
	testURL(t)
	oauth := mailtest.NewOAuthServer()
	t.Cleanup(oauth.Close)
	fake := gmailfake.New(oauth)
	t.Cleanup(fake.Close)
	var addresses []string
	for i := range mailboxes {
		address := fmt.Sprintf("box%d@example.com", i)
		addresses = append(addresses, address)
		fake.AddMailbox(address)
		for j := range perBox {
			_, err := fake.Deliver(address, []byte(plain(fmt.Sprintf("Message %d of %s", j, address),
				fmt.Sprintf("m%d.%d@example.org", i, j))))
			require.NoError(t, err)
		}
	}
	fakeURL, err := url.Parse(fake.URL())
	require.NoError(t, err)

	pc.Endpoint = oauth.GoogleEndpoint()
	pc.APIURL = fake.URL() + "/"
	pc.RevokeURL = oauth.GoogleRevokeURL()
	cfg := mailmanager.Config{
		Providers:  []mailmanager.Provider{gmail.New(pc)},
		HTTPClient: &http.Client{Transport: tracker{gmailHost: fakeURL.Host}},
		Retry: mailmanager.RetryPolicy{
			BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond,
		},
	}
	if tweak != nil {
		tweak(&cfg)
	}
	h := &gmailHost{host: newHost(t, oauth, cfg), fake: fake, accounts: map[string]string{}}
	m := h.newManager(nil)
	for _, address := range addresses {
		h.accounts[h.connect(m, "u1", "gmail", address)] = address
	}
	return h
}

// plain returns a one-part message from Bob.
func plain(subject, messageID string) string {
	return "From: Bob <bob@example.org>\r\nTo: box@example.com\r\nSubject: " + subject +
		"\r\nDate: Tue, 03 Feb 2026 10:20:30 +0000\r\nMessage-ID: <" + messageID + ">\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello.\r\n"
}

// TestManagers_SyncSurvivesAKilledInstance has three Managers, each with a
// pool of its own on one database, sync the same ten mailboxes. One of them
// is killed in the middle of a sync: its store fails every call from then
// on and its context ends, so it neither renews nor releases its leases.
// Every message must reach the host, no mailbox may be synced by two
// Managers at once, and the survivors must finish the dead one's mailboxes
// once its leases have expired, not before.
func TestManagers_SyncSurvivesAKilledInstance(t *testing.T) {
	const mailboxes, perBox, leaseTTL = 10, 100, time.Second
	h := newGmailHost(t, mailboxes, perBox, gmail.Config{}, func(c *mailmanager.Config) {
		c.LeaseTTL = leaseTTL
	})
	f := newFleet(h.accounts, mailmanager.SyncOptions{PageSize: 20})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	dead := &killable{}
	deadCtx, killCtx := context.WithCancel(ctx)
	victim := h.newManager(func(s mailmanager.TokenStore) mailmanager.TokenStore {
		dead.s = s.(*sqlstore.Store)
		return dead
	})
	survivors := []*mailmanager.Manager{h.newManager(nil), h.newManager(nil)}

	// The victim dies at a page in the middle of a sync, once the
	// survivors are at work too.
	var kill, start sync.Once
	started := make(chan struct{})
	var killedAt time.Time
	var held []*session // the victim's syncs in progress at its death
	f.accept = func(s *session, page int, c *mailmanager.Changes) error {
		if s.manager != "victim" {
			return nil
		}
		if dead.dead.Load() {
			return errKilled
		}
		// The survivors start once the victim has a sync going.
		start.Do(func() { close(started) })
		if page < 2 || c.Done || f.acceptedPagesBesides("victim") == 0 {
			return nil
		}
		kill.Do(func() {
			dead.kill()
			killCtx()
			killedAt = time.Now()
			held = f.inProgress("victim")
		})
		return errKilled
	}

	var wg sync.WaitGroup
	wg.Go(func() { f.work(deadCtx, "victim", victim) })
	for i, m := range survivors {
		wg.Go(func() {
			select {
			case <-started:
			case <-ctx.Done():
				return
			}
			f.work(ctx, fmt.Sprintf("survivor-%d", i), m)
		})
	}
	require.True(t, waitGroupContext(ctx, &wg), "the fleet did not finish in time")

	require.NotZero(t, killedAt, "the victim was killed")
	require.NoError(t, errors.Join(f.failures...), "the survivors' syncs fail only for a lease")
	assert.Empty(t, f.overlaps(), "mailboxes synced by two Managers at once")
	for id, address := range h.accounts {
		var want []string
		for _, m := range h.fake.Messages(address) {
			want = append(want, m.ID)
		}
		var got []string
		for msgID := range f.delivered[address] {
			got = append(got, msgID)
		}
		assert.ElementsMatch(t, want, got, "messages of %s delivered", address)
		assert.NotEmpty(t, f.done[id], "%s finished", address)
	}

	// The victim's mailboxes went to a survivor, after the lease taken
	// when the victim's sync began had run out.
	var taken int
	for _, s := range held {
		if n, _, _, _ := s.span(); n == 0 {
			continue // it had not got the lease yet
		}
		taken++
		assert.NotEqual(t, "victim", f.done[s.account], "a survivor finished %s", s.account)
		for _, later := range f.sessionsOf(s.account) {
			n, first, _, _ := later.span()
			if later.manager == "victim" || n == 0 || first.Before(killedAt) {
				continue
			}
			assert.GreaterOrEqual(t, first.Sub(s.called), leaseTTL,
				"%s took %s over before the victim's lease ran out", later.manager, s.account)
		}
	}
	require.Positive(t, taken, "the victim held a mailbox when it died")
	t.Logf("victim killed holding %d mailboxes; pages accepted: %v", taken, f.pages)
}

// TestManagers_SharedQuotaNeverThrottled has three Managers, each with a
// pool of its own on one database, use one Gmail mailbox at once: one
// syncs it in full while the two others read every message. They pace
// their requests through the budget shared in the database, so together
// they stay within the mailbox's quota and the fake Gmail never answers
// 429, though each alone could spend the whole budget.
func TestManagers_SharedQuotaNeverThrottled(t *testing.T) {
	if testing.Short() {
		t.Skip("paced requests take seconds")
	}
	// The fake's clock runs 60 times faster, so its quota minute is one
	// second of real time, with 1,000 units in it; the Managers pace to
	// 800 units per second.
	const perBox, units, window = 200, 800, time.Second
	h := newGmailHost(t, 1, perBox, gmail.Config{QuotaUnits: units, QuotaWindow: window}, nil)
	var address, id string
	for id, address = range h.accounts {
	}
	start := time.Now()
	h.fake.SetClock(func() time.Time { return start.Add(time.Since(start) * 60) })
	h.fake.SetQuota(1000)
	var msgIDs []string
	for _, m := range h.fake.Messages(address) {
		msgIDs = append(msgIDs, m.ID)
	}
	managers := []*mailmanager.Manager{h.newManager(nil), h.newManager(nil), h.newManager(nil)}
	h.fake.ResetStats()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	began := time.Now()

	errs := make([]error, 1+2*4)
	var synced sync.Map
	var wg sync.WaitGroup
	wg.Go(func() {
		_, errs[0] = managers[0].Sync(ctx, id, mailmanager.SyncOptions{},
			func(_ context.Context, c *mailmanager.Changes) error {
				for _, m := range c.Messages {
					synced.Store(m.ID, true)
				}
				return nil
			})
	})
	for i, m := range managers[1:] {
		mb, err := m.Mailbox(ctx, id)
		require.NoError(t, err)
		for w := range 4 {
			wg.Go(func() {
				for j := w; j < len(msgIDs); j += 4 {
					if _, err := mb.Message(ctx, msgIDs[j]); err != nil {
						errs[1+i*4+w] = err
						return
					}
				}
			})
		}
	}
	wg.Wait()
	elapsed := time.Since(began)

	require.NoError(t, errors.Join(errs...))
	n := 0
	synced.Range(func(any, any) bool { n++; return true })
	assert.Equal(t, perBox, n, "messages synced")
	st := h.fake.Stats()
	assert.Zero(t, st.Throttled, "the fake never had to answer 429")
	// 600 gets at 5 units, and a list: over 3,000 units need more than
	// three windows of 800.
	require.GreaterOrEqual(t, st.QuotaUnits, 3000)
	assert.GreaterOrEqual(t, elapsed, time.Duration(st.QuotaUnits/units-1)*window,
		"the requests were paced")
	t.Logf("three Managers: %d units in %s, %d round trips", st.QuotaUnits,
		elapsed.Round(time.Millisecond), st.RoundTrips)
}
