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
// Parse refuses messages over [MaxMessageSize] and header blocks over
// [MaxHeaderSize], and keeps the decoded content of all attachments in
// memory (at most about the size of the message). It cuts Text and HTML to
// [MaxBodySize] each, cuts overlong part headers, visits at most [MaxParts]
// parts, and stops descending at [MaxDepth] nested multiparts.
//
// Known limitations: attachments encoded with x-uuencode or other
// non-MIME encodings are returned as sent; a multipart below the top
// level whose boundary matches nothing yields no parts; RFC 2231 values
// in charsets the charset package does not know are read as windows-1252.
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
// [mailmanager.NormalizeEmail] is how addresses are compared.
package mailmime
