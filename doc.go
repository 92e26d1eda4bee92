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
package mailmanager
