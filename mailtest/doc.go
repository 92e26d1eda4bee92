// Package mailtest serves fake Google and Microsoft identity and mail
// services on loopback, for tests, benchmarks and the demo.
//
// [OAuthServer] is a fake OAuth 2.0 authorization server with a
// Google-like and a Microsoft-like authorization code flow (PKCE S256),
// refresh with optional rotation, revocation, a userinfo endpoint and
// fault injection. [Provider] is a minimal [mailmanager.Provider] on top of
// it whose mailbox knows only its profile.
//
// The servers are net/http/httptest servers on 127.0.0.1 and speak the
// providers' wire formats, so the real client libraries talk to them
// unchanged. Constructors take no *testing.T: call Close when done.
// OAuthServer and Provider are safe for concurrent use.
//
// # Limitations
//
// The OAuthServer issues no ID tokens, accepts any redirect URI that is an
// absolute http or https URL (it has no list of registered ones), answers
// only response_mode=query, and ignores prompt values other than consent.
// Refresh tokens never expire by age; only rotation and revocation end
// them. Its userinfo endpoint does not check the token's scopes. Access
// tokens stay in memory until they expire, so a benchmark that refreshes
// millions of times within an hour should shorten them with
// [OAuthServer.SetAccessTTL].
package mailtest
