// Package graphfake is a fake Microsoft Graph mail API for tests,
// benchmarks and the demo. It speaks Graph v1.0's JSON on a loopback
// httptest server, so msgraph-sdk-go and plain net/http clients talk to it
// unchanged.
//
// # Setup
//
// New takes an [Authenticator] (mailtest.OAuthServer is one) that maps
// bearer tokens to mailbox addresses. Point the SDK's request adapter at
// the fake:
//
//	fake := graphfake.New(oauth)
//	defer fake.Close()
//	fake.AddMailbox("ada@example.com", "Ada Lovelace")
//	adapter.SetBaseUrl(fake.URL() + "/v1.0")
//
// Every route answers for /me/... and /users/{id or address}/... alike.
// Request bodies may be gzip-compressed, as the SDK's default client sends
// them.
//
// # What it serves
//
// GET /me; mailFolders (list with $top, $skip and includeHiddenFolders,
// get by ID or well-known name, childFolders, create, rename, delete, and
// mailFolders/delta); messages (list and get with $select, $top, $skip,
// $filter, $orderby=receivedDateTime, $search and $expand=attachments,
// PATCH, DELETE to Deleted Items, move, and the MIME source at $value);
// the per-folder message delta with $skiptoken and $deltatoken links;
// attachments (list, get, $value, add, delete) and upload sessions;
// sendMail; drafts (create, update, send, delete); createReply,
// createReplyAll and createForward, and reply, replyAll and forward.
//
// # Provider behaviour it reproduces
//
//   - Regular message IDs change on every move; with the header
//     Prefer: IdType="ImmutableId" the fake returns immutable IDs, which
//     never change, and answers Preference-Applied. A sent draft keeps its
//     immutable ID in Sent Items. Lookups accept either kind of ID.
//   - Prefer: outlook.body-content-type="text" (or "html") converts bodies.
//   - Delta pages hold 10 items unless Prefer: odata.maxpagesize=N or $top
//     says otherwise. $select, $filter=receivedDateTime ge|gt and
//     changeType given on the first request stay with the tokens. Removals
//     read {"@odata.type":...,"id":...,"@removed":{"reason":"deleted"}}; a
//     message moved out of a folder is a removal there and an addition in
//     its new folder. A token the fake has retired ([Server.ExpireDeltas],
//     [Server.RequireResync]) or never issued answers 410 Gone with code
//     syncStateNotFound (or resyncRequired) and a Location header that
//     starts a new round.
//   - A fifth request in flight for one mailbox answers 429 with
//     Retry-After: 1 and code ApplicationThrottled, message "Application is
//     over its MailboxConcurrency limit.".
//   - Request bodies over 4 MB answer 413; PATCH changes subject, body and
//     recipients only on drafts; sendMail and drafts accept only x- custom
//     internet message headers; hasAttachments ignores inline attachments.
//   - Upload sessions take files of 3 MB to 150 MB; their URL needs no
//     Authorization header. A PUT carries Content-Range bytes a-b/total and
//     a matching Content-Length, at most 4 MB, and every fragment but the
//     last a multiple of 320 KiB. A fragment that overlaps what arrived
//     answers 416, one that leaves a gap 400. Intermediate answers are 200
//     with nextExpectedRanges ["{next}"] (Outlook's form, without a
//     trailing "-"); the last is 201 with an empty body and a Location
//     naming the attachment.
//   - Errors use Graph's shape, {"error":{"code","message","innerError":
//     {"date","request-id","client-request-id"}}}; missing or rejected
//     tokens answer 401 InvalidAuthenticationToken, a mailbox switched off
//     with [Server.SetExchangeEnabled] 404 MailboxNotEnabledForRESTAPI.
//
// # Change notifications
//
// POST, GET, PATCH and DELETE /v1.0/subscriptions serve subscriptions to
// "me/messages" or one folder's messages ("me/mailFolders('inbox')/
// messages"), with changeType a list of created, updated and deleted, a
// clientState of at most 128 characters and an expiration at most 4230
// minutes ahead ([MaxSubscriptionLifetime]) by the clock of
// [Server.SetSubscriptionClock]. A create first posts
// ?validationToken=... to the notification and the lifecycle URL (both
// must be on loopback) and answers 400 ValidationError unless each echoes
// the token as text/plain with 200 within 10 seconds. Changes of a
// watched mailbox are posted as {"value":[{"subscriptionId","clientState",
// "changeType","resource","resourceData","subscriptionExpirationDateTime",
// "tenantId"}]}; [Server.Lifecycle] posts subscriptionRemoved (which also
// ends the subscription), missed or reauthorizationRequired.
// [Server.DropNotifications] drops change notifications,
// [Server.NotificationStats] counts them, [Server.Subscriptions] lists the
// live ones. Failed deliveries are not retried, expired subscriptions
// are kept but silent, and a move between folders is reported as an
// update for a whole-mailbox subscription.
//
// # Limitations
//
// Message delta covers one folder at a time, as Graph's does; the
// mailFolders delta reports folders created, renamed or deleted, not
// changes to their counts. uniqueBody equals body. Upload sessions do not
// expire. $search is a substring match on subject, body and sender.
// $filter supports comparisons joined by "and" on a few properties, not
// OData's full grammar. Attachments posted by clients are fileAttachments
// only. Error messages follow Graph's where they are documented and are
// the fake's own wording elsewhere; codes are Graph's.
package graphfake
