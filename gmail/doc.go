// Package gmail connects Gmail mailboxes to a [mailmanager.Manager]
// through the Gmail API, on the official client google.golang.org/api/gmail/v1.
//
// [New] returns a [Provider] that implements [mailmanager.Provider] and
// [mailmanager.Revoker]; the mailboxes it opens implement
// [mailmanager.Mailbox] and [mailmanager.Drafter].
//
// # Registering the OAuth client at Google
//
// In the Google Cloud Console, for the project the host uses:
//
//  1. Enable the Gmail API (APIs & Services, Library).
//  2. Configure the OAuth consent screen. Gmail's scopes are restricted:
//     while the app is in testing, only the test users listed there can
//     connect, and their grants expire after seven days; a published app
//     needs Google's verification (and, for restricted scopes, a security
//     assessment).
//  3. Create an OAuth client ID of type "Web application" and add the
//     manager's redirect URI (its public base URL and callback path) as an
//     authorized redirect URI, exactly as the manager shows it.
//  4. Enter the client ID and secret in the manager's provider settings.
//
// # Scopes
//
// By default a connect asks for https://www.googleapis.com/auth/gmail.modify,
// which covers reading, labelling, trashing, sending and drafts, plus
// "openid" and "email". Permanent deletion would need the full
// https://mail.google.com/ scope, which the provider does not ask for and
// does not use. [Config.Scopes] replaces the list.
//
// The consent URL asks for offline access and forces the consent screen,
// so Google issues a refresh token on every connect, reconnects included.
//
// # Syncing
//
// A first sync reads the mailbox's history ID, lists the messages newest
// first (after [mailmanager.SyncOptions.Since], if set, and without spam
// and trash), and delivers them in pages of up to 500. Every page carries a
// cursor that resumes the listing after it, so an interrupted first sync
// goes on where it stopped. Later syncs read Gmail's history since the
// cursor. An idle mailbox costs one request. Messages are fetched through
// Gmail's batch endpoint, [Config.BatchSize] at a time, which keeps a first
// sync at about 23 requests per thousand messages.
//
// Gmail keeps history for a limited time (about a week, sometimes less);
// an older cursor fails with an error wrapping
// [mailmanager.ErrCursorExpired], and the manager syncs the mailbox again
// in full.
//
// # Sending
//
// Messages are built as RFC 5322 and sent raw; one over 5 MiB goes through
// the media upload, streamed. Replies and forwards load the original to set
// the thread, In-Reply-To, References and subject; a forward carries the
// original's text and attachments. A From other than the mailbox must be a
// send-as alias that Gmail lists as verified. Header values with CR or LF
// are refused with [mailmanager.ErrInvalidHeader] before anything is sent.
//
// # Known limitations
//
//   - Gmail's attachment IDs change from one read of a message to the
//     next; any of them opens the attachment, but they cannot be compared
//     to recognize an attachment.
//   - [mailmanager.Mailbox.Attachment] decodes as it reads, but Gmail
//     answers with the whole attachment in one JSON document, so its
//     encoded form is held in memory while the reader is open.
//   - A batch call answered with 429 or 5xx is tried again in later
//     batches, after the longest Retry-After of the round or a growing
//     backoff, up to five tries in all; then the sync page fails and the
//     next run resumes after the last accepted page. Whole requests are
//     retried by the Manager's retry layer ([mailmanager.RetryPolicy]).
//   - Pacing: the provider declares Gmail's per-method quota costs
//     ([Provider.Limits]) and the Manager keeps each mailbox below
//     [Config.QuotaUnits] per minute (default [DefaultQuotaUnits], 80% of
//     6,000); a batch costs the sum of its calls. Projects with a larger
//     quota raise it. Other clients of the same project and mailbox are
//     not counted.
//   - History is read in full before the first page of an incremental
//     sync is delivered; only message IDs are held, not messages.
//   - The Bcc header stays in the raw message given to Gmail, which
//     removes it before delivery, as Gmail requires.
//   - Sending a message larger than Gmail's 35 MB limit fails at Gmail.
//   - Modification.MoveTo adds that label and removes INBOX.
//   - Gmail's profile has no display name, so [mailmanager.Profile.Name]
//     stays empty.
//   - Push (see [PushConfig]): mailboxes implement [mailmanager.Watcher]
//     with users.watch (renewed daily, seven-day lifetime) and users.stop;
//     the Provider implements [mailmanager.PushDecoder] for Pub/Sub push
//     deliveries. Identity tokens are verified against keys the host
//     supplies ([StaticKeys], [ParseJWKS]); the provider fetches no keys
//     and caches none. Only RS256 is accepted; aud, iss, email,
//     email_verified, exp and iat are checked with 30 seconds of clock
//     skew. The Pub/Sub topic, its push subscription and the publish
//     grant to gmail-api-push@system.gserviceaccount.com are set up by the
//     host at Google Cloud; a replayed delivery within the token's hour is
//     accepted (it only triggers a sync).
package gmail
