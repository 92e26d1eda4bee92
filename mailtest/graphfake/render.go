package graphfake

import (
	"html"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// graphTime formats a time as Graph does for messages.
func graphTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// messageProps are the message properties Graph returns by default.
func messageProps() []string {
	return []string{
		"id", "createdDateTime", "lastModifiedDateTime", "changeKey", "categories",
		"receivedDateTime", "sentDateTime", "hasAttachments", "internetMessageId",
		"subject", "bodyPreview", "importance", "parentFolderId", "conversationId",
		"isDeliveryReceiptRequested", "isReadReceiptRequested", "isRead", "isDraft",
		"webLink", "inferenceClassification", "body", "sender", "from",
		"toRecipients", "ccRecipients", "bccRecipients", "replyTo", "flag",
	}
}

// messageExtraProps are message properties Graph returns only when $select
// names them.
func messageExtraProps() []string {
	return []string{"uniqueBody", "internetMessageHeaders"}
}

// messageID is the ID of m in the format the request asked for.
func (c *call) messageID(m *message) string {
	if c.prefs.immutable {
		return m.ID
	}
	return m.regularID
}

// renderMessage renders m as Graph's message resource, limited to sel when
// it is not nil, with its attachments when expand is set.
func (c *call) renderMessage(m *message, sel selection, expand bool) map[string]any {
	body := c.bodyJSON(m)
	all := map[string]any{
		"id":                         c.messageID(m),
		"createdDateTime":            graphTime(m.CreatedDateTime),
		"lastModifiedDateTime":       graphTime(m.LastModifiedDateTime),
		"changeKey":                  changeKey(m),
		"categories":                 nonNil(m.Categories),
		"receivedDateTime":           graphTime(m.ReceivedDateTime),
		"sentDateTime":               graphTime(m.SentDateTime),
		"hasAttachments":             m.HasAttachments(),
		"internetMessageId":          m.InternetMessageID,
		"subject":                    m.Subject,
		"bodyPreview":                preview(m.Body),
		"importance":                 m.Importance,
		"parentFolderId":             m.ParentFolderID,
		"conversationId":             m.ConversationID,
		"isDeliveryReceiptRequested": false,
		"isReadReceiptRequested":     false,
		"isRead":                     m.IsRead,
		"isDraft":                    m.IsDraft,
		"webLink":                    c.s.URL() + "/owa/?ItemID=" + url.QueryEscape(m.ID),
		"inferenceClassification":    "focused",
		"body":                       body,
		"uniqueBody":                 body,
		"sender":                     recipientJSON(m.Sender),
		"from":                       recipientJSON(m.From),
		"toRecipients":               recipientsJSON(m.ToRecipients),
		"ccRecipients":               recipientsJSON(m.CcRecipients),
		"bccRecipients":              recipientsJSON(m.BccRecipients),
		"replyTo":                    recipientsJSON(m.ReplyTo),
		"flag":                       map[string]any{"flagStatus": m.FlagStatus},
		"internetMessageHeaders":     headersJSON(m.Headers),
	}
	out := map[string]any{"@odata.etag": etag(m), "id": all["id"]}
	for _, name := range messageProps() {
		if sel == nil || sel.has(name) {
			out[name] = all[name]
		}
	}
	for _, name := range messageExtraProps() {
		if sel.has(name) {
			out[name] = all[name]
		}
	}
	if expand {
		atts := make([]any, 0, len(m.Attachments))
		for i := range m.Attachments {
			atts = append(atts, renderAttachment(&m.Attachments[i], nil))
		}
		out["attachments"] = atts
	}
	return out
}

// bodyJSON is m's body, converted to the content type the request preferred.
func (c *call) bodyJSON(m *message) map[string]any {
	b := m.Body
	if b.ContentType == "" {
		b.ContentType = "text"
	}
	switch {
	case c.prefs.bodyType == "text" && b.ContentType == "html":
		b = Body{ContentType: "text", Content: htmlToText(b.Content)}
	case c.prefs.bodyType == "html" && b.ContentType == "text":
		b = Body{ContentType: "html", Content: textToHTML(b.Content)}
	}
	if c.prefs.bodyType != "" {
		c.prefs.bodyApplied = true
	}
	return map[string]any{"contentType": b.ContentType, "content": b.Content}
}

func etag(m *message) string { return `W/"` + changeKey(m) + `"` }

func changeKey(m *message) string {
	return "CQAAABYAAA" + strconv.Itoa(m.version) + strconv.FormatUint(m.changed, 36)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func recipientJSON(r *Recipient) any {
	if r == nil {
		return nil
	}
	return map[string]any{"emailAddress": map[string]any{"name": r.Name, "address": r.Address}}
}

func recipientsJSON(rs []Recipient) []any {
	out := make([]any, 0, len(rs))
	for i := range rs {
		out = append(out, recipientJSON(&rs[i]))
	}
	return out
}

func headersJSON(hs []Header) []any {
	out := make([]any, 0, len(hs))
	for _, h := range hs {
		out = append(out, map[string]any{"name": h.Name, "value": h.Value})
	}
	return out
}

// renderAttachment renders a as Graph's fileAttachment or itemAttachment,
// limited to sel when it is not nil.
func renderAttachment(a *Attachment, sel selection) map[string]any {
	out := map[string]any{
		"@odata.type":             "#microsoft.graph.fileAttachment",
		"@odata.mediaContentType": a.ContentType,
		"id":                      a.ID,
		"lastModifiedDateTime":    graphTime(a.LastModifiedDateTime),
		"name":                    a.Name,
		"contentType":             a.ContentType,
		"size":                    len(a.Content),
		"isInline":                a.IsInline,
		"contentId":               nilIfEmpty(a.ContentID),
		"contentLocation":         nil,
		"contentBytes":            a.Content,
	}
	if a.Item {
		out["@odata.type"] = "#microsoft.graph.itemAttachment"
		delete(out, "@odata.mediaContentType")
		delete(out, "contentId")
		delete(out, "contentLocation")
		delete(out, "contentBytes")
	}
	if sel != nil {
		for k := range out {
			if k != "id" && !strings.HasPrefix(k, "@odata.") && !sel.has(k) {
				delete(out, k)
			}
		}
	}
	return out
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// renderFolder renders f as Graph's mailFolder resource.
func (mb *mailbox) renderFolder(f *folder, sel selection) map[string]any {
	var total, unread, size int
	for _, m := range mb.messages {
		if m.ParentFolderID == f.id {
			total++
			size += len(m.Body.Content)
			if !m.IsRead {
				unread++
			}
		}
	}
	out := map[string]any{
		"id":               f.id,
		"displayName":      f.name,
		"parentFolderId":   f.parentID,
		"childFolderCount": len(mb.children(f.id)),
		"unreadItemCount":  unread,
		"totalItemCount":   total,
		"sizeInBytes":      size,
		"isHidden":         f.hidden,
	}
	if sel != nil {
		for k := range out {
			if k != "id" && !sel.has(k) {
				delete(out, k)
			}
		}
	}
	return out
}

// preview is Graph's bodyPreview: the first 255 characters of the body's
// text, whitespace collapsed.
func preview(b Body) string {
	text := b.Content
	if b.ContentType == "html" {
		text = htmlToText(text)
	}
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= 255 {
		return text
	}
	return string([]rune(text)[:255])
}

// htmlToText is a rough rendering of HTML as plain text: tags dropped,
// script and style skipped, block ends turned into line breaks, entities
// decoded.
func htmlToText(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i:]
		j := strings.IndexByte(s, '>')
		if j < 0 {
			break
		}
		tag := strings.ToLower(strings.Trim(s[1:j], "/ \t\r\n"))
		name, _, _ := strings.Cut(tag, " ")
		s = s[j+1:]
		switch name {
		case "script", "style", "head":
			if k := strings.Index(strings.ToLower(s), "</"+name); k >= 0 {
				s = s[k:]
			}
		case "br", "p", "div", "tr", "li", "h1", "h2", "h3", "hr":
			b.WriteString("\r\n")
		}
	}
	return strings.TrimSpace(html.UnescapeString(b.String()))
}

// textToHTML wraps plain text in HTML as Outlook does when a client prefers
// HTML bodies.
func textToHTML(s string) string {
	body := strings.ReplaceAll(html.EscapeString(s), "\n", "<br>\n")
	return "<html><head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; " +
		"charset=utf-8\">\r\n</head>\r\n<body>\r\n<div>" + body + "</div>\r\n</body>\r\n</html>\r\n"
}
