// Package gmailfake is a fake Gmail API server for tests, benchmarks and
// demos. It speaks the Gmail REST API's wire format on loopback, so the
// official client, google.golang.org/api/gmail/v1, talks to it unchanged:
//
//	fake := gmailfake.New(gmailfake.Tokens{"token-1": "ann@example.com"})
//	defer fake.Close()
//	fake.AddMailbox("ann@example.com")
//	id, _ := fake.Deliver("ann@example.com", raw)
//	svc, _ := gmail.NewService(ctx,
//		option.WithEndpoint(fake.URL()+"/"),
//		option.WithHTTPClient(oauth2.NewClient(ctx, tokenSource)))
//
// # What it serves
//
// Under /gmail/v1/users/{userId}/, with userId "me" or the mailbox
// address: getProfile; messages list, get (formats minimal, metadata,
// full, raw), attachments.get, send, modify, batchModify, trash, untrash,
// delete and batchDelete; history.list; labels list, get and create;
// drafts create, update, get, list, send and delete; settings.sendAs.list;
// threads.get. Sends and drafts also take the media upload forms the
// client uses for large messages (uploadType media, multipart and
// resumable under /upload/gmail/v1/...). The batch endpoint,
// POST /batch/gmail/v1, takes up to 100 inner calls.
//
// Answers follow the Gmail discovery document: 64-bit numbers as strings,
// bytes as padded base64url, errors in Google's JSON error shape with the
// reasons Gmail gives (authError, notFound, invalidArgument,
// rateLimitExceeded, backendError, ...).
//
// # Gmail's behaviour it keeps
//
//   - Message IDs and thread IDs are 16 hex digits; a thread's ID is its
//     first message's. Mail received joins the thread of a message it names
//     in References or In-Reply-To when the subjects match; a sent message
//     joins only the thread named by threadId, on the same condition.
//   - Every change raises the mailbox's history ID and is kept as a history
//     record (messagesAdded, messagesDeleted, labelsAdded, labelsRemoved);
//     history.list answers 404 for a start older than the records kept.
//   - Sending removes the Bcc header, adds SENT (and INBOX, UNREAD when
//     sent to oneself), adds Message-ID and Date when missing, and sends
//     from the primary address unless From is a verified alias.
//   - Trash removes INBOX and SPAM, untrash gives INBOX back. Spam and
//     trash are left out of lists unless asked for. DRAFT and SENT cannot
//     be set with modify.
//   - Each call costs its quota units from Gmail's table against a per-user
//     budget per sliding minute ([DefaultQuota]); past it the answer is 429
//     rateLimitExceeded with a Retry-After header.
//   - labels.list gives no counts; labels.get does.
//
// # Test controls
//
// Mail is put in with [Server.Deliver], [Server.DeliverAt] and
// [Server.SeedDir], changed behind the client's back with [Server.Delete]
// and [Server.Relabel], and read back with [Server.Message],
// [Server.Messages] and [Server.Sent]. [Server.SetFault],
// [Server.SetLatency], [Server.SetQuota], [Server.SetClock],
// [Server.ExpireHistory] and [Server.OnRequest] steer failures and time;
// [Server.Stats] counts round trips, calls and quota.
//
// # Push
//
// users.watch (topic "projects/*/topics/*", optional labelIds to include)
// and users.stop are served. While a mailbox is watched, each history
// record is posted to the URL of [Server.SetPush] (loopback only) as a
// Pub/Sub push delivery, {"message":{"data","messageId","publishTime"},
// "subscription"}, with data the base64 of {"emailAddress","historyId"}
// and, when PushConfig.Token is set, its result as bearer token
// ([SignIDToken] makes one). [Server.DropPushes] drops notifications,
// [Server.PushStats] counts them, [Server.Watching] shows a watch. Failed
// deliveries are not retried, unlike Pub/Sub's.
//
// # Limitations
//
//   - Search (q) understands from:, to:, cc:, bcc:, subject:, in:, label:,
//     is:, has:attachment, filename:, category:, rfc822msgid:, after:,
//     before:, newer_than:, older_than:, negation with "-" and free text,
//     all ANDed. OR and braces are dropped and other operators taken as free
//     text; dates are UTC, not the account's time zone.
//   - Header values in payloads are unfolded but not decoded; text part
//     data is in the part's own charset. A message/rfc822 part is an
//     attachment, not a nested tree.
//   - threads.list, messages.insert and import, and label update or
//     delete are not served. Sent mail is not delivered to other
//     mailboxes.
//   - A change to one message is one history record; a modify that adds
//     and removes labels gives one record with both.
//   - Latency is real time and delays a batch once, not per inner call; the
//     clock set with SetClock drives message dates and the quota only.
//   - The fields parameter is ignored: answers are always whole. Resumable
//     upload sessions that are never finished are kept until Close.
package gmailfake
