package gmailfake

import (
	"bytes"
	"cmp"
	"encoding/json"
	"strconv"
	"time"
)

// wireDraft is Gmail's Draft resource as requests carry it.
type wireDraft struct {
	ID      string    `json:"id"`
	Message *wireSend `json:"message"`
}

// draftOut is a Draft resource as answers give it.
type draftOut struct {
	ID      string       `json:"id"`
	Message *wireMessage `json:"message,omitempty"`
}

// readDraft parses the Draft body of a drafts call and its message.
func (c *call) readDraft() (*wireDraft, []byte, *apiError) {
	var in wireDraft
	if len(bytes.TrimSpace(c.body)) > 0 {
		if err := json.Unmarshal(c.body, &in); err != nil {
			return nil, nil, badRequest("Invalid JSON payload received.")
		}
	}
	raw, e := c.outgoing(in.Message)
	if e != nil {
		return nil, nil, e
	}
	return &in, raw, nil
}

func (d *wireDraft) threadID() string {
	if d.Message == nil {
		return ""
	}
	return d.Message.ThreadID
}

// nextDraftID returns a new draft ID, shaped like Gmail's.
func (s *Server) nextDraftID(now time.Time) string {
	v, _ := strconv.ParseUint(s.nextID(now), 16, 64)
	return "r" + strconv.FormatUint(v>>1, 10)
}

// newDraft makes a draft message of raw under the given draft ID, not yet
// stored.
func (s *Server) newDraft(c *call, draftID string, raw []byte, threadID string) (*message,
	*apiError) {
	doc := parseDocument(raw)
	thread, e := c.mb.joinThread(doc, threadID)
	if e != nil {
		return nil, e
	}
	m := &message{
		id:       s.nextID(c.now),
		labels:   []string{"DRAFT"},
		raw:      bytes.Clone(raw),
		internal: time.UnixMilli(c.now.UnixMilli()),
		doc:      doc,
		draftID:  draftID,
	}
	m.threadID = cmp.Or(thread, m.id)
	return m, nil
}

// storeDraft stores a message made by newDraft.
func (s *Server) storeDraft(c *call, m *message) {
	c.mb.drafts[m.draftID] = m
	c.mb.insert(m, s.historyLimit)
}

// createDraft serves drafts.create.
func (s *Server) createDraft(c *call) (any, *apiError) {
	in, raw, e := c.readDraft()
	if e != nil {
		return nil, e
	}
	if len(raw) == 0 {
		return nil, badRequest("Missing draft message")
	}
	id := s.nextDraftID(c.now)
	m, e := s.newDraft(c, id, raw, in.threadID())
	if e != nil {
		return nil, e
	}
	s.storeDraft(c, m)
	return &draftOut{ID: id, Message: labelsOnly(m)}, nil
}

// updateDraft serves drafts.update. As in Gmail, the new content is a new
// message under the same draft ID; the old one is deleted.
func (s *Server) updateDraft(c *call) (any, *apiError) {
	old := c.mb.drafts[c.args[0]]
	if old == nil {
		return nil, notFound()
	}
	in, raw, e := c.readDraft()
	if e != nil {
		return nil, e
	}
	if len(raw) == 0 {
		return nil, badRequest("Missing draft message")
	}
	m, e := s.newDraft(c, c.args[0], raw, in.threadID())
	if e != nil {
		return nil, e
	}
	c.mb.remove(old, s.historyLimit)
	s.storeDraft(c, m)
	return &draftOut{ID: c.args[0], Message: labelsOnly(m)}, nil
}

// getDraft serves drafts.get.
func (s *Server) getDraft(c *call) (any, *apiError) {
	m := c.mb.drafts[c.args[0]]
	if m == nil {
		return nil, notFound()
	}
	format, e := c.format()
	if e != nil {
		return nil, e
	}
	return &draftOut{ID: c.args[0], Message: render(m, format, nil)}, nil
}

// listDrafts serves drafts.list, newest first.
func (s *Server) listDrafts(c *call) (any, *apiError) {
	size, e := pageSize(c.query, 100, 500)
	if e != nil {
		return nil, e
	}
	terms := parseQuery(c.query.Get("q"))
	var matched []*message
	for _, m := range c.mb.sorted() {
		if m.draftID != "" && c.mb.matches(m, terms, c.now) {
			matched = append(matched, m)
		}
	}
	page, next, e := pageMessages(matched, c.query.Get("pageToken"), size)
	if e != nil {
		return nil, e
	}
	drafts := []*draftOut{}
	for _, m := range page {
		drafts = append(drafts, &draftOut{ID: m.draftID, Message: messageRef(m)})
	}
	return &struct {
		Drafts             []*draftOut `json:"drafts,omitempty"`
		NextPageToken      string      `json:"nextPageToken,omitempty"`
		ResultSizeEstimate int         `json:"resultSizeEstimate"`
	}{drafts, next, len(matched)}, nil
}

// sendDraft serves drafts.send; a message in the request replaces the
// draft's content first. The sent message keeps the draft message's ID.
func (s *Server) sendDraft(c *call) (any, *apiError) {
	in, raw, e := c.readDraft()
	if e != nil {
		return nil, e
	}
	if in.ID == "" {
		return nil, badRequest("Missing draft ID")
	}
	m := c.mb.drafts[in.ID]
	if m == nil {
		return nil, notFound()
	}
	if len(raw) == 0 {
		raw = m.raw
	}
	m, e = s.send(c, raw, "", m)
	if e != nil {
		return nil, e
	}
	return labelsOnly(m), nil
}

// deleteDraft serves drafts.delete, deleting the draft's message for good.
func (s *Server) deleteDraft(c *call) (any, *apiError) {
	m := c.mb.drafts[c.args[0]]
	if m == nil {
		return nil, notFound()
	}
	c.mb.remove(m, s.historyLimit)
	return nil, nil
}
