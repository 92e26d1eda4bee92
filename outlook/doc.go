// Package outlook connects Outlook mailboxes (Microsoft 365 and
// Outlook.com accounts hosted on Exchange Online) to mailmanager through
// Microsoft Graph, with the msgraph-sdk-go client.
//
// # Registering the app
//
// In the Azure Portal, under Microsoft Entra ID, App registrations, New
// registration:
//
//   - Supported account types: "Accounts in any organizational directory
//     and personal Microsoft accounts" for Config.Tenant "common"; a single
//     tenant's ID for an organization's own app.
//   - Redirect URI: platform "Web", the URI mailmanager shows the
//     administrator (the host's base URL, its callback path and
//     "outlook").
//   - Certificates & secrets: a new client secret. Its value, shown once,
//     and the Application (client) ID are what the administrator enters.
//   - API permissions: Microsoft Graph, delegated: offline_access,
//     User.Read, Mail.ReadWrite and Mail.Send, the default Config.Scopes.
//     Some organizations require an administrator's consent for them.
//
// # Tenant
//
// Config.Tenant selects the sign-in audience: "common" (the zero value)
// for work, school and personal accounts, "organizations" for work and
// school accounts only, "consumers" for personal accounts only, or a
// tenant ID or domain to admit one organization.
//
// # Connecting and using a mailbox
//
// New returns the [Provider] to list in mailmanager.Config.Providers. Its
// Open wraps the authorized client the Manager gives it in Graph's
// middleware; every request asks for immutable IDs, so a message keeps
// its ID when it moves between folders or is sent from Drafts. A
// [Mailbox] keeps at most four requests in flight, Graph's concurrency
// limit per mailbox. It does not retry on its own: the retry layer of the
// client given to Open (mailmanager's RetryPolicy) does, and every request
// body is replayable for it. Errors are [mailmanager.APIError] values
// carrying Graph's code and Retry-After.
//
// Sync runs one delta query per mail folder and keeps every folder's
// delta link in its cursor; see [Mailbox.Sync]. Send uses sendMail for
// small new messages and drafts otherwise, with upload sessions for
// attachments of 3 MB or more; see [Mailbox.Send]. Modify sets read
// state, the follow-up flag, categories and the folder; Folders lists the
// folder tree with counts.
//
// # Limitations
//
//   - Only mailboxes on Exchange Online work. Graph answers others with
//     MailboxNotEnabledForRESTAPI, reported as [ErrMailboxNotEnabled] by
//     Profile (which the Manager calls at connect time) and by any other
//     call.
//   - Sync follows the folders Graph lists without includeHiddenFolders,
//     and search folders are not synced. When a folder is deleted for
//     good, Sync stops following it but cannot report the deletion of the
//     messages that were in it: Graph's message delta is per folder and
//     the folder's delta link no longer answers. A host learns of it only
//     through a full sync.
//   - Sync confirms each removal Graph reports with one request before it
//     reports a deletion (see [Mailbox.Sync]), so a run after many
//     thousands of messages were purged makes as many requests more.
//   - Removals seen during a run wait in the cursor until the run's last
//     page; a run that removes many thousands of messages therefore
//     carries a cursor that grows by about 160 bytes per removal until
//     that page.
//   - Sent.ID is empty for messages sent through sendMail, as Graph
//     returns nothing. Sent.MessageID is the Message-ID the package set.
//   - Reply and forward subjects are Graph's ("RE: ...", "FW: ...") when
//     the caller leaves Subject empty.
//   - Attachments are read into memory before sending. Upload chunks go
//     to their pre-authorized URL outside the client given to Open, so no
//     retry layer retries them.
//   - A run of Sync keeps in memory the IDs of the messages it delivered,
//     to tell moves from deletions: some 200 bytes per message of a full
//     sync.
//   - DeleteDraft, like Graph's DELETE, moves the draft to Deleted Items;
//     so does a draft Send had to abandon.
//   - The four-request limit, the mailbox address and the well-known
//     folder IDs are per Mailbox value: two Mailboxes opened on the same
//     account may together exceed the limit, and each looks the address
//     and folders up once.
//   - Push: [Mailbox] implements [mailmanager.Watcher] with a Graph
//     subscription to me/messages (created, updated, deleted) through
//     plain /subscriptions calls, renewed by PATCH; [Provider] implements
//     [mailmanager.PushDecoder] for validation requests, change and
//     lifecycle notifications. Basic notifications only: no
//     includeResourceData and no encrypted content. Graph requires an
//     https notification URL reachable from the internet.
package outlook
