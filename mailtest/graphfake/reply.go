package graphfake

import (
	"bytes"
	"html"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
)

// responseInput is the body of createReply, createReplyAll, createForward,
// reply, replyAll and forward; every part is optional.
type responseInput struct {
	Comment      *string           `json:"comment"`
	Message      *messageInput     `json:"message"`
	ToRecipients *[]recipientInput `json:"toRecipients"`
}

// responseKind is "reply", "replyAll" or "forward", from the action name.
func responseKind(action string) string {
	action = strings.TrimPrefix(action, "create")
	return strings.ToLower(action[:1]) + action[1:]
}

// createResponse answers POST /messages/{id}/createReply, createReplyAll
// and createForward: 201 with a draft in the original's conversation.
//
// https://learn.microsoft.com/graph/api/message-createreply
func (c *call) createResponse() reply {
	m, rep, ok := c.responseDraft()
	if !ok {
		return rep
	}
	c.mb.insert(m, c.mb.folder("drafts"))
	return c.messageReply(http.StatusCreated, m, nil, false)
}

// respond answers POST /messages/{id}/reply, replyAll and forward: the
// draft createReply would make, sent at once; 202 and no body.
func (c *call) respond() reply {
	m, rep, ok := c.responseDraft()
	if !ok {
		return rep
	}
	if rep, ok := c.checkRecipients(&m.Message); !ok {
		return rep
	}
	c.s.send(c.mb, m, true)
	return c.empty(http.StatusAccepted)
}

// responseDraft builds the draft a response action makes, not yet stored.
func (c *call) responseDraft() (*message, reply, bool) {
	orig, rep, ok := c.pathMessage()
	if !ok {
		return nil, rep, false
	}
	var in responseInput
	if len(bytes.TrimSpace(c.body)) > 0 {
		if rep, ok := c.decode(&in); !ok {
			return nil, rep, false
		}
	}
	kind := responseKind(path.Base(c.r.URL.Path))
	m := c.mb.response(&orig.Message, kind)
	if in.ToRecipients != nil {
		setRecipients(&m.ToRecipients, in.ToRecipients)
	}
	comment := ""
	if in.Comment != nil {
		comment = *in.Comment
	}
	m.Body = Body{ContentType: "html", Content: quoteBody(&orig.Message, comment)}
	if in.Message != nil {
		if err := in.Message.apply(&m.Message); err != nil {
			return nil, c.badRequest(err.Error()), false
		}
	}
	return m, reply{}, true
}

// response is the draft Outlook makes to answer or forward orig: same
// conversation, threading headers set, recipients chosen as Outlook
// chooses them, and the mailbox itself left out of a reply-all.
func (mb *mailbox) response(orig *Message, kind string) *message {
	m := &message{Message: Message{
		IsDraft: true, IsRead: true,
		ConversationID: orig.ConversationID,
		InReplyTo:      orig.InternetMessageID,
		References:     slices.Clone(orig.References),
	}}
	if orig.InternetMessageID != "" {
		m.References = append(m.References, orig.InternetMessageID)
	}
	prefix := "RE: "
	if kind == "forward" {
		prefix = "FW: "
	}
	m.Subject = orig.Subject
	if !hasPrefixFold(orig.Subject, prefix) {
		m.Subject = prefix + orig.Subject
	}

	self := mb.address
	switch kind {
	case "reply":
		m.ToRecipients = without(replyTargets(orig, self), self)
	case "replyAll":
		to := append(replyTargets(orig, self), orig.ToRecipients...)
		m.ToRecipients = without(to, self)
		m.CcRecipients = without(orig.CcRecipients, self)
	}
	for _, a := range orig.Attachments {
		if kind == "forward" || a.IsInline {
			a.ID = ""
			a.Content = slices.Clone(a.Content)
			m.Attachments = append(m.Attachments, a)
		}
	}
	return m
}

// replyTargets are who a reply goes to: Reply-To if set, else the sender,
// or the original recipients when the mailbox sent the original itself.
func replyTargets(orig *Message, self string) []Recipient {
	if len(orig.ReplyTo) > 0 {
		return slices.Clone(orig.ReplyTo)
	}
	from := orig.From
	if from == nil {
		from = orig.Sender
	}
	if from == nil {
		return nil
	}
	if strings.EqualFold(from.Address, self) {
		return slices.Clone(orig.ToRecipients)
	}
	return []Recipient{*from}
}

// without drops self and repeated addresses from rs.
func without(rs []Recipient, self string) []Recipient {
	seen := map[string]bool{strings.ToLower(self): true}
	var out []Recipient
	for _, r := range rs {
		k := strings.ToLower(r.Address)
		if !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// quoteBody is the HTML body of a response: the comment, then the
// original's header block and body, as Outlook lays them out.
func quoteBody(orig *Message, comment string) string {
	var b strings.Builder
	b.WriteString("<html><body>")
	if comment != "" {
		b.WriteString("<div>" + html.EscapeString(comment) + "</div>")
	}
	b.WriteString(`<hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg">`)
	if orig.From != nil {
		b.WriteString("<b>From:</b> " + html.EscapeString(formatRecipient(*orig.From)) + "<br>")
	}
	if !orig.SentDateTime.IsZero() {
		b.WriteString("<b>Sent:</b> " + orig.SentDateTime.UTC().Format(time.RFC1123) + "<br>")
	}
	if len(orig.ToRecipients) > 0 {
		b.WriteString("<b>To:</b> " + html.EscapeString(formatRecipients(orig.ToRecipients)) +
			"<br>")
	}
	b.WriteString("<b>Subject:</b> " + html.EscapeString(orig.Subject) + "</div><div>")
	if orig.Body.ContentType == "html" {
		b.WriteString(orig.Body.Content)
	} else {
		b.WriteString(strings.ReplaceAll(html.EscapeString(orig.Body.Content), "\n", "<br>"))
	}
	b.WriteString("</div></body></html>")
	return b.String()
}
