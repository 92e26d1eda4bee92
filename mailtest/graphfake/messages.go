package graphfake

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// pathMessage resolves the {id} path segment, and checks that the message
// is in the {folder} segment when there is one.
func (c *call) pathMessage() (*message, reply, bool) {
	m := c.mb.lookup(c.r.PathValue("id"))
	if m == nil {
		return nil, c.notFound(), false
	}
	if ref := c.r.PathValue("folder"); ref != "" {
		if f := c.mb.folder(ref); f == nil || f.id != m.ParentFolderID {
			return nil, c.notFound(), false
		}
	}
	return m, reply{}, true
}

// listMessages answers GET /messages and /mailFolders/{id}/messages, a page
// at a time, newest first.
func (c *call) listMessages() reply {
	folderID := ""
	if c.r.PathValue("folder") != "" {
		f, rep, ok := c.pathFolder()
		if !ok {
			return rep
		}
		folderID = f.id
	}
	lq, rep, ok := c.parseListQuery()
	if !ok {
		return rep
	}

	var all []*message
	for _, m := range c.mb.inFolder(folderID) {
		if lq.filter.match(&m.Message) && matchSearch(&m.Message, lq.search) {
			all = append(all, m)
		}
	}
	if lq.asc {
		slices.Reverse(all)
	}
	size := c.prefs.pageSize(lq.top)
	value := []any{}
	for i := lq.skip; i < len(all) && i < lq.skip+size; i++ {
		value = append(value, c.renderMessage(all[i], lq.sel, lq.expand))
	}

	ctx := "messages"
	if folderID != "" {
		ctx = "mailFolders('" + url.PathEscape(c.r.PathValue("folder")) + "')/messages"
	}
	out := map[string]any{"@odata.context": c.userContext(ctx), "value": value}
	if lq.skip+size < len(all) {
		next := url.Values{}
		for k, v := range c.r.URL.Query() {
			next[k] = v
		}
		next.Set("$top", strconv.Itoa(size))
		next.Set("$skip", strconv.Itoa(lq.skip+size))
		out["@odata.nextLink"] = c.self(next)
	}
	return c.json(http.StatusOK, out)
}

// getMessage answers GET /messages/{id}.
func (c *call) getMessage() reply {
	m, rep, ok := c.pathMessage()
	if !ok {
		return rep
	}
	lq, rep, ok := c.parseListQuery()
	if !ok {
		return rep
	}
	return c.messageReply(http.StatusOK, m, lq.sel, lq.expand)
}

// messageReply answers with one message.
func (c *call) messageReply(status int, m *message, sel selection, expand bool) reply {
	out := c.renderMessage(m, sel, expand)
	out["@odata.context"] = c.userContext("messages/$entity")
	return c.json(status, out)
}

// updateMessage answers PATCH /messages/{id}. Content and recipients change
// only on drafts.
func (c *call) updateMessage() reply {
	m, rep, ok := c.pathMessage()
	if !ok {
		return rep
	}
	var in messageInput
	if rep, ok := c.decode(&in); !ok {
		return rep
	}
	if !m.IsDraft && in.draftOnly() {
		return c.fail(http.StatusBadRequest, "ErrorInvalidPropertyUpdateSentMessage",
			"Update operation failed: subject, body and recipients change only on drafts.")
	}
	next := m.Message.clone()
	if err := in.apply(&next); err != nil {
		return c.badRequest(err.Error())
	}
	next.ID, next.ParentFolderID = m.ID, m.ParentFolderID
	m.Message = next
	c.mb.touch(m)
	return c.messageReply(http.StatusOK, m, nil, false)
}

// deleteMessage answers DELETE /messages/{id}: a move to Deleted Items, or
// a permanent delete from there.
func (c *call) deleteMessage() reply {
	m, rep, ok := c.pathMessage()
	if !ok {
		return rep
	}
	c.mb.trash(m)
	return c.empty(http.StatusNoContent)
}

// trash moves m to Deleted Items, or deletes it for good if it is there.
func (mb *mailbox) trash(m *message) {
	deleted := mb.folder("deleteditems")
	if deleted == nil || m.ParentFolderID == deleted.id {
		mb.remove(m)
		return
	}
	mb.move(m, deleted)
}

type moveInput struct {
	DestinationID string `json:"destinationId"`
}

// moveMessage answers POST /messages/{id}/move with the moved message.
func (c *call) moveMessage() reply {
	m, rep, ok := c.pathMessage()
	if !ok {
		return rep
	}
	var in moveInput
	if rep, ok := c.decode(&in); !ok {
		return rep
	}
	dest := c.mb.folder(in.DestinationID)
	if dest == nil || dest.wellKnown == "msgfolderroot" {
		return c.fail(http.StatusNotFound, "ErrorItemNotFound",
			"The destination folder was not found in the store.")
	}
	c.mb.move(m, dest)
	return c.messageReply(http.StatusCreated, m, nil, false)
}
