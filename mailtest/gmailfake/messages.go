package gmailfake

import (
	"encoding/json"
	"slices"
	"strings"
)

// isMessageID reports whether id has the shape of a Gmail message ID;
// Gmail answers 400 rather than 404 for one that has not.
func isMessageID(id string) bool {
	if id == "" || len(id) > 16 {
		return false
	}
	for _, r := range id {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

// lookup finds a message for a call that names one.
func (c *call) lookup(id string) (*message, *apiError) {
	if !isMessageID(id) {
		return nil, badRequest("Invalid id value")
	}
	m := c.mb.messages[id]
	if m == nil {
		return nil, notFound()
	}
	return m, nil
}

// getProfile serves getProfile.
func (s *Server) getProfile(c *call) (any, *apiError) {
	threads := map[string]bool{}
	for _, m := range c.mb.messages {
		threads[m.threadID] = true
	}
	return &struct {
		EmailAddress  string `json:"emailAddress"`
		MessagesTotal int    `json:"messagesTotal"`
		ThreadsTotal  int    `json:"threadsTotal"`
		HistoryID     uint64 `json:"historyId,string"`
	}{c.mb.address, len(c.mb.messages), len(threads), c.mb.historyID}, nil
}

// listResponse is Gmail's ListMessagesResponse.
type listResponse struct {
	Messages           []*wireMessage `json:"messages,omitempty"`
	NextPageToken      string         `json:"nextPageToken,omitempty"`
	ResultSizeEstimate int            `json:"resultSizeEstimate"`
}

// listMessages serves messages.list: newest first, spam and trash left
// out unless asked for.
func (s *Server) listMessages(c *call) (any, *apiError) {
	size, e := pageSize(c.query, 100, 500)
	if e != nil {
		return nil, e
	}
	terms := parseQuery(c.query.Get("q"))
	labelIDs := c.query["labelIds"]
	withSpamTrash := c.query.Get("includeSpamTrash") == "true" ||
		slices.Contains(labelIDs, "SPAM") || slices.Contains(labelIDs, "TRASH") ||
		c.mb.namesSpamOrTrash(terms)

	var matched []*message
	for _, m := range c.mb.sorted() {
		if !withSpamTrash && (m.has("SPAM") || m.has("TRASH")) {
			continue
		}
		if !allLabels(m, labelIDs) || !c.mb.matches(m, terms, c.now) {
			continue
		}
		matched = append(matched, m)
	}
	page, next, e := pageMessages(matched, c.query.Get("pageToken"), size)
	if e != nil {
		return nil, e
	}

	resp := &listResponse{NextPageToken: next, ResultSizeEstimate: len(matched)}
	for _, m := range page {
		resp.Messages = append(resp.Messages, messageRef(m))
	}
	return resp, nil
}

func allLabels(m *message, ids []string) bool {
	for _, id := range ids {
		if !m.has(id) {
			return false
		}
	}
	return true
}

// format reads and checks the format parameter; full is the default.
func (c *call) format() (string, *apiError) {
	f := strings.ToLower(c.query.Get("format"))
	if f == "" {
		return "full", nil
	}
	if !validFormat(f) {
		return "", badRequest("Invalid value for format: %q", c.query.Get("format"))
	}
	return f, nil
}

// getMessage serves messages.get.
func (s *Server) getMessage(c *call) (any, *apiError) {
	m, e := c.lookup(c.args[0])
	if e != nil {
		return nil, e
	}
	format, e := c.format()
	if e != nil {
		return nil, e
	}
	return render(m, format, c.query["metadataHeaders"]), nil
}

// getAttachment serves messages.attachments.get.
func (s *Server) getAttachment(c *call) (any, *apiError) {
	m, e := c.lookup(c.args[0])
	if e != nil {
		return nil, e
	}
	msgID, partID, ok := parseAttachmentID(c.args[1])
	var p *part
	if ok && msgID == m.id {
		p = m.doc.root.find(partID)
	}
	if p == nil || !p.attachment {
		return nil, badRequest("Invalid attachment token")
	}
	return &wireBody{AttachmentID: c.args[1], Size: len(p.data), Data: encode(p.data)}, nil
}

// modifyRequest is Gmail's ModifyMessageRequest and
// BatchModifyMessagesRequest.
type modifyRequest struct {
	IDs            []string `json:"ids"`
	AddLabelIDs    []string `json:"addLabelIds"`
	RemoveLabelIDs []string `json:"removeLabelIds"`
}

func (c *call) modifyRequest() (*modifyRequest, *apiError) {
	var req modifyRequest
	if err := json.Unmarshal(c.body, &req); err != nil {
		return nil, badRequest("Invalid JSON payload received.")
	}
	for _, l := range append(slices.Clone(req.AddLabelIDs), req.RemoveLabelIDs...) {
		if !c.mb.knownLabel(l) || l == "DRAFT" || l == "SENT" {
			return nil, badRequest("Invalid label: %s", l)
		}
	}
	return &req, nil
}

// modifyMessage serves messages.modify.
func (s *Server) modifyMessage(c *call) (any, *apiError) {
	m, e := c.lookup(c.args[0])
	if e != nil {
		return nil, e
	}
	req, e := c.modifyRequest()
	if e != nil {
		return nil, e
	}
	c.mb.relabel(m, req.AddLabelIDs, req.RemoveLabelIDs, s.historyLimit)
	return labelsOnly(m), nil
}

// batchModify serves messages.batchModify; unknown IDs are skipped.
func (s *Server) batchModify(c *call) (any, *apiError) {
	req, e := c.modifyRequest()
	if e != nil {
		return nil, e
	}
	if e := checkIDs(req.IDs); e != nil {
		return nil, e
	}
	for _, id := range req.IDs {
		if m := c.mb.messages[id]; m != nil {
			c.mb.relabel(m, req.AddLabelIDs, req.RemoveLabelIDs, s.historyLimit)
		}
	}
	return nil, nil
}

func checkIDs(ids []string) *apiError {
	if len(ids) == 0 {
		return badRequest("No message IDs given")
	}
	if len(ids) > 1000 {
		return badRequest("Too many message IDs: at most 1000")
	}
	for _, id := range ids {
		if !isMessageID(id) {
			return badRequest("Invalid id value")
		}
	}
	return nil
}

// trashMessage serves messages.trash: TRASH in, INBOX and SPAM out.
func (s *Server) trashMessage(c *call) (any, *apiError) {
	m, e := c.lookup(c.args[0])
	if e != nil {
		return nil, e
	}
	if !m.has("TRASH") {
		inbox := m.has("INBOX")
		c.mb.relabel(m, []string{"TRASH"}, []string{"INBOX", "SPAM"}, s.historyLimit)
		m.trashedInbox = inbox
	}
	return labelsOnly(m), nil
}

// untrashMessage serves messages.untrash, giving INBOX back to a message
// trashed from it.
func (s *Server) untrashMessage(c *call) (any, *apiError) {
	m, e := c.lookup(c.args[0])
	if e != nil {
		return nil, e
	}
	if m.has("TRASH") {
		var add []string
		if m.trashedInbox {
			add = []string{"INBOX"}
		}
		c.mb.relabel(m, add, []string{"TRASH"}, s.historyLimit)
		m.trashedInbox = false
	}
	return labelsOnly(m), nil
}

// deleteMessage serves messages.delete.
func (s *Server) deleteMessage(c *call) (any, *apiError) {
	m, e := c.lookup(c.args[0])
	if e != nil {
		return nil, e
	}
	c.mb.remove(m, s.historyLimit)
	return nil, nil
}

// batchDelete serves messages.batchDelete; unknown IDs are skipped.
func (s *Server) batchDelete(c *call) (any, *apiError) {
	var req modifyRequest
	if err := json.Unmarshal(c.body, &req); err != nil {
		return nil, badRequest("Invalid JSON payload received.")
	}
	if e := checkIDs(req.IDs); e != nil {
		return nil, e
	}
	for _, id := range req.IDs {
		if m := c.mb.messages[id]; m != nil {
			c.mb.remove(m, s.historyLimit)
		}
	}
	return nil, nil
}

// getThread serves threads.get, messages oldest first.
func (s *Server) getThread(c *call) (any, *apiError) {
	if !isMessageID(c.args[0]) {
		return nil, badRequest("Invalid id value")
	}
	msgs := c.mb.thread(c.args[0])
	if len(msgs) == 0 {
		return nil, notFound()
	}
	format, e := c.format()
	if e != nil {
		return nil, e
	}
	out := &struct {
		ID        string         `json:"id"`
		HistoryID uint64         `json:"historyId,string"`
		Messages  []*wireMessage `json:"messages"`
	}{ID: c.args[0]}
	for _, m := range msgs {
		out.HistoryID = max(out.HistoryID, m.historyID)
		out.Messages = append(out.Messages, render(m, format, c.query["metadataHeaders"]))
	}
	return out, nil
}
