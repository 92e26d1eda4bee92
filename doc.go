// Package mailmanager lets a Go web application connect its users' Gmail
// and Outlook mailboxes through OAuth 2.0, keep their tokens fresh, sync
// their mail incrementally, and read, manage and send mail through the
// providers' own APIs.
//
// The host application owns users, storage and routing; the library owns
// the protocol work. Providers live in their own packages (gmail, outlook),
// so a host compiles only the ones it uses.
//
// # Setup
//
// Build one [Manager] per process with [New]. It needs a [TokenStore]
// (memstore for a single process, a database-backed store otherwise), the
// providers, a secret key of at least 32 random bytes, the public base URL
// of the host, and a function that names the signed-in user of a request:
//
//	m, err := mailmanager.New(mailmanager.Config{
//		Store:       memstore.New(),
//		Providers:   []mailmanager.Provider{gmail.New(gmail.Config{})},
//		Key:         key,
//		BaseURL:     "https://app.example.com",
//		CurrentUser: currentUser,
//	})
//
// An administrator enters each provider's client ID and secret, which
// [Manager.SaveCredentials] stores sealed through the store, so they can
// change at run time and every process sharing the store sees them.
// [Manager.Settings] shows them back with the secret redacted, and
// [Manager.RedirectURI] gives the URI to register at Google Cloud Console
// or Azure Portal.
//
// # Connecting a mailbox
//
// Mount [Manager.ConnectHandler] and [Manager.CallbackHandler]:
//
//	mux.Handle("/oauth/connect/", m.ConnectHandler())
//	mux.Handle("/oauth/callback/", m.CallbackHandler())
//
// A link to "/oauth/connect/gmail?next=/settings" starts the authorization
// code flow with PKCE and a sealed, expiring, single-use state bound to the
// signed-in user. The callback checks the state before anything else,
// exchanges the code, asks the provider who the mailbox is and stores the
// [Account], bound to that user. Connecting the same mailbox again updates
// the account instead of adding one; the same link re-authorizes an account
// whose grant was revoked. Config.OnConnected and Config.OnError let the
// host answer the callback; by default it redirects to the local path in
// "next", or shows a plain page that never quotes an error.
//
// # Syncing
//
// [Manager.Sync] hands an account's changes to a function of the host, a
// page at a time, and advances the stored cursor only once the function
// accepted the page: a failure or a crash delivers the page again on the
// next run. When the provider has forgotten the cursor, the sync starts
// over and marks its pages [Changes.Reset].
//
// # Push notifications and the scheduler
//
// [Manager.Scheduler] returns a [Scheduler] that syncs accounts when the
// providers announce changes, and polls every account as a safety net,
// since push is lossy at both providers (notifications are dropped,
// delayed, or arrive for subscriptions that are gone):
//
//	s := m.Scheduler(mailmanager.SchedulerConfig{
//		Handle:   store.Apply, // gets every page, like Sync's fn
//		OnError:  report,
//		PushPath: "/mail/push",
//	})
//	mux.Handle("/mail/push/", s.PushHandler())
//	go s.Run(ctx)
//
// Triggers of one account within SchedulerConfig.Debounce, and those
// arriving while its sync runs, make one sync; an account is never synced
// twice at once, by the Scheduler itself and across processes through the
// store's leases. Every SchedulerConfig.Poll (five minutes by default) all
// active accounts are synced and their subscriptions checked. Run one
// Scheduler per Manager.
//
// With PushPath set, the Scheduler subscribes every active mailbox whose
// [Mailbox] implements [Watcher], renews subscriptions by the Manager's
// clock before they end, ends them on [Manager.Disconnect] and creates one
// for a newly connected account at once. A connect never waits for or
// fails with subscribing: a failure is logged, reported to OnError and
// tried again on the next poll. Subscription records (ID, account,
// expiry, renewal time and the client state, sealed like tokens) are kept
// in the store's settings under "push/account/{id}" and
// "push/sub/{provider}/{id}", so any process sharing the store can check a
// notification. [Scheduler.Renew] runs a renewal pass on demand.
//
// Outlook: one Graph subscription per mailbox to "me/messages" (created,
// updated, deleted) with a random client state and the push URL as both
// notification and lifecycle URL, renewed by PATCH half a day before it
// ends. The push handler echoes validation requests while a subscription
// is being created, once per token; it ignores and counts notifications
// whose client state does not match, recreates a subscription on
// subscriptionRemoved, syncs on missed and renews on
// reauthorizationRequired.
//
// Gmail: users.watch on the Pub/Sub topic of gmail.PushConfig, renewed
// daily, users.stop on disconnect. The Pub/Sub push subscription is set up
// by the host to post to PushPath + "/gmail"; the provider checks its OIDC
// identity token against keys the host supplies, a URL token, or both.
//
// The push handler answers at once and only schedules work: 202 for
// accepted notifications, 401 for an unauthenticated request, 403 when
// every notification carried a wrong client state, 400 for a malformed
// request or an unexpected validation.
//
// # Sending and changing mail
//
// [Manager.Send], [Manager.Reply] and [Manager.Forward] send mail through
// the provider, keeping replies and forwards in their conversation.
// [Manager.Modify] marks messages read or starred, labels, moves and trashes
// them. [Manager.Mailbox] opens the full [Mailbox] of an account for
// everything else.
//
// # Tokens
//
// [Manager.Client] and [Manager.Mailbox] refresh access tokens by
// themselves, once per account at a time within a process, and with a
// compare-and-swap on a token version across processes sharing a store, so
// a rotated refresh token is never lost. When the provider refuses the
// grant, the account is marked [StatusNeedsReauth] and calls fail with
// [ErrReauthRequired] until the user reconnects it.
//
// # Storage
//
// A [TokenStore] persists accounts, settings and used state nonces; its
// contract is on the interface, and mailtest/storetest checks an
// implementation against it. Tokens and client secrets are sealed with
// AES-256-GCM under keys derived from Config.Key before they reach the
// store, bound to the account or setting they belong to. Config.PreviousKeys
// keeps values sealed under an older key readable during a key rotation.
//
// # Security
//
// Tokens, client secrets, authorization codes and PKCE verifiers never
// appear in logs or error strings. The library logs nothing unless given a
// Config.Logger. Redirects after a connect only go to local paths (see
// [LocalPath]).
//
// # Known limitations
//
//   - Refreshes are single-flight per account within one Manager. Managers
//     sharing a store coordinate through the token version; when a provider
//     rotates refresh tokens strictly, the loser of a simultaneous refresh
//     waits up to two seconds for the winner's token to reach the store
//     before it concludes that the grant was revoked.
//   - The default error page is plain text; hosts that want their own look
//     set Config.OnError.
//   - Push records live in settings, which a store cannot delete: an ended
//     subscription is kept, marked removed.
//   - A Gmail notification names a mailbox by address; the handler finds
//     its accounts by listing every account, which costs one store read
//     of all accounts per notification.
//   - Outlook subscriptions last 4225 minutes, under the 4230 Graph allows
//     for messages; basic notifications only (no resource data, no
//     encrypted content), one subscription per mailbox on every folder.
//   - Validation requests are accepted for 30 seconds after any
//     subscription request of the same provider, once per token; the
//     token's single use relies on the store's ClaimNonce, whose expiry
//     memstore judges by the wall clock.
//   - Syncs another process holds the lease for are tried again with a
//     backoff up to a minute; the Scheduler's timers (debounce, poll) run
//     on real time, only renewal decisions use Config.Now.
package mailmanager
