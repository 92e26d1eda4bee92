package graphfake

import (
	"net/http"
	"net/url"
	"slices"
	"time"
)

// attachmentProps are the attachment properties $select may name.
func attachmentProps() []string {
	return []string{"id", "lastModifiedDateTime", "name", "contentType", "size",
		"isInline", "contentId", "contentLocation", "contentBytes"}
}

// pathAttachment resolves the {id} and {att} path segments.
func (c *call) pathAttachment() (*message, *Attachment, reply, bool) {
	m, rep, ok := c.pathMessage()
	if !ok {
		return nil, nil, rep, false
	}
	i := slices.IndexFunc(m.Attachments, func(a Attachment) bool {
		return a.ID == c.r.PathValue("att")
	})
	if i < 0 {
		return nil, nil, c.notFound(), false
	}
	return m, &m.Attachments[i], reply{}, true
}

func (c *call) attachmentContext(m *message, suffix string) string {
	return c.userContext("messages('" + url.PathEscape(c.messageID(m)) + "')/attachments" + suffix)
}

// listAttachments answers GET /messages/{id}/attachments, content included
// as Graph includes it.
//
// https://learn.microsoft.com/graph/api/message-list-attachments
func (c *call) listAttachments() reply {
	m, rep, ok := c.pathMessage()
	if !ok {
		return rep
	}
	sel, err := parseSelect(c.r.URL.Query().Get("$select"), attachmentProps(), "attachment")
	if err != nil {
		return c.fail(http.StatusBadRequest, "RequestBroker--ParseUri", err.Error())
	}
	value := []any{}
	for i := range m.Attachments {
		value = append(value, renderAttachment(&m.Attachments[i], sel))
	}
	return c.json(http.StatusOK, map[string]any{
		"@odata.context": c.attachmentContext(m, ""), "value": value,
	})
}

// getAttachment answers GET /messages/{id}/attachments/{aid}.
//
// https://learn.microsoft.com/graph/api/attachment-get
func (c *call) getAttachment() reply {
	m, a, rep, ok := c.pathAttachment()
	if !ok {
		return rep
	}
	sel, err := parseSelect(c.r.URL.Query().Get("$select"), attachmentProps(), "attachment")
	if err != nil {
		return c.fail(http.StatusBadRequest, "RequestBroker--ParseUri", err.Error())
	}
	out := renderAttachment(a, sel)
	out["@odata.context"] = c.attachmentContext(m, "/$entity")
	return c.json(http.StatusOK, out)
}

// attachmentValue answers GET /messages/{id}/attachments/{aid}/$value with
// the raw content, or the MIME source of an attached message.
func (c *call) attachmentValue() reply {
	_, a, rep, ok := c.pathAttachment()
	if !ok {
		return rep
	}
	h := http.Header{}
	ct := a.ContentType
	if a.Item {
		ct = "message/rfc822"
	}
	h.Set("Content-Type", ct)
	return reply{status: http.StatusOK, header: h, body: slices.Clone(a.Content)}
}

// addAttachment answers POST /messages/{id}/attachments with the new
// fileAttachment.
//
// https://learn.microsoft.com/graph/api/message-post-attachments
func (c *call) addAttachment() reply {
	m, rep, ok := c.pathMessage()
	if !ok {
		return rep
	}
	var in attachmentInput
	if rep, ok := c.decode(&in); !ok {
		return rep
	}
	a, err := in.attachment()
	if err != nil {
		return c.badRequest(err.Error())
	}
	added := c.mb.attach(m, a)
	out := renderAttachment(added, nil)
	out["@odata.context"] = c.attachmentContext(m, "/$entity")
	return c.json(http.StatusCreated, out)
}

// attach adds a to m as a change of m and returns the stored attachment.
func (mb *mailbox) attach(m *message, a Attachment) *Attachment {
	a.ID = newID("AAMkAGAt")
	a.LastModifiedDateTime = time.Now().UTC()
	m.Attachments = append(m.Attachments, a)
	mb.touch(m)
	return &m.Attachments[len(m.Attachments)-1]
}

// deleteAttachment answers DELETE /messages/{id}/attachments/{aid}.
func (c *call) deleteAttachment() reply {
	m, a, rep, ok := c.pathAttachment()
	if !ok {
		return rep
	}
	id := a.ID
	m.Attachments = slices.DeleteFunc(m.Attachments, func(x Attachment) bool { return x.ID == id })
	c.mb.touch(m)
	return c.empty(http.StatusNoContent)
}
