// Package mailmime parses and builds RFC 5322 messages for the Gmail and
// Outlook providers, the fake servers of mailtest and the examples. It is
// built on github.com/emersion/go-message (header and multipart reading,
// message writing) and its charset package.
//
// # Parsing
//
// [Parse] reads a whole message into a [mailmanager.Message] and keeps the
// decoded content of its attachments for [Parsed.Content]. It is best
// effort: mail in the wild has broken headers, wrong charsets, bad dates,
// and unclosed boundaries, and Parse returns what can be read rather than
// an error. Every string it returns is valid UTF-8.
//
// Providers that receive messages already split into parts (Gmail's
// format=full) decode them with [DecodeHeader], [DecodeText],
// [ParseAddressList] and [ParseMessageIDs], which follow the same rules.
//
// # Limits
//
// Parse refuses messages over [MaxMessageSize] and header blocks over about
// [MaxHeaderSize], and keeps the whole message's attachments in memory. It
// cuts Text and HTML to [MaxBodySize] each, visits at most [MaxParts] parts,
// and stops descending at [MaxDepth] nested multiparts.
//
// # Building
//
// [Write] writes a [Draft] with every header value validated first, so that
// a CR or LF in a subject, name, address, ID or file name is refused with
// an error wrapping [mailmanager.ErrInvalidHeader] before any byte is
// written. Attachments are streamed.
//
// # Replies and forwards
//
// [ReplySubject], [ForwardSubject], [ReplyRecipients] and [ReplyReferences]
// hold the rules both providers share for replies and forwards;
// [NormalizeEmail] is how addresses are compared.
package mailmime
