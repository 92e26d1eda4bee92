package gmailfake

import (
	"slices"
	"strconv"
)

// wireHistory is Gmail's History resource.
type wireHistory struct {
	ID              uint64           `json:"id,string"`
	Messages        []*wireMessage   `json:"messages,omitempty"`
	MessagesAdded   []wireMsgChange  `json:"messagesAdded,omitempty"`
	MessagesDeleted []wireMsgChange  `json:"messagesDeleted,omitempty"`
	LabelsAdded     []wireLabelDelta `json:"labelsAdded,omitempty"`
	LabelsRemoved   []wireLabelDelta `json:"labelsRemoved,omitempty"`
}

// wireMsgChange is Gmail's HistoryMessageAdded and HistoryMessageDeleted.
type wireMsgChange struct {
	Message *wireMessage `json:"message"`
}

// wireLabelDelta is Gmail's HistoryLabelAdded and HistoryLabelRemoved.
type wireLabelDelta struct {
	Message  *wireMessage `json:"message"`
	LabelIDs []string     `json:"labelIds"`
}

// historyResponse is Gmail's ListHistoryResponse.
type historyResponse struct {
	History       []*wireHistory `json:"history,omitempty"`
	NextPageToken string         `json:"nextPageToken,omitempty"`
	HistoryID     uint64         `json:"historyId,string"`
}

func validHistoryType(t string) bool {
	switch t {
	case "messageAdded", "messageDeleted", "labelAdded", "labelRemoved":
		return true
	}
	return false
}

// listHistory serves history.list: the records after startHistoryId, 404
// when the start is older than the history kept.
func (s *Server) listHistory(c *call) (any, *apiError) {
	startStr := c.query.Get("startHistoryId")
	if startStr == "" {
		return nil, badRequest("Missing startHistoryId")
	}
	start, err := strconv.ParseUint(startStr, 10, 64)
	if err != nil {
		return nil, badRequest("Invalid startHistoryId: %q", startStr)
	}
	types := c.query["historyTypes"]
	for _, t := range types {
		if !validHistoryType(t) {
			return nil, badRequest("Invalid value for historyTypes: %q", t)
		}
	}
	size, e := pageSize(c.query, 100, 500)
	if e != nil {
		return nil, e
	}
	after := start
	if tok := c.query.Get("pageToken"); tok != "" {
		id, ok := parseHistoryToken(tok)
		if !ok || id < start {
			return nil, badRequest("Invalid pageToken")
		}
		after = id
	}
	if after < c.mb.floor {
		return nil, notFound()
	}

	resp := &historyResponse{HistoryID: c.mb.historyID}
	labelID := c.query.Get("labelId")
	for _, rec := range c.mb.history {
		if rec.id <= after {
			continue
		}
		h := wireRecord(rec, types, labelID)
		if h == nil {
			continue
		}
		if len(resp.History) == size {
			resp.NextPageToken = historyToken(resp.History[size-1].ID)
			break
		}
		resp.History = append(resp.History, h)
	}
	return resp, nil
}

// wireRecord gives rec as Gmail does, keeping only the change types asked
// for (all when types is empty) and only records that touch labelID (any
// when it is empty). It returns nil when nothing is left.
func wireRecord(rec record, types []string, labelID string) *wireHistory {
	if labelID != "" && !slices.Contains(rec.labels, labelID) &&
		!slices.Contains(rec.labelsAdded, labelID) &&
		!slices.Contains(rec.labelsRemoved, labelID) {
		return nil
	}
	want := func(t string) bool { return len(types) == 0 || slices.Contains(types, t) }
	ref := &wireMessage{ID: rec.msgID, ThreadID: rec.threadID}
	withLabels := &wireMessage{
		ID: rec.msgID, ThreadID: rec.threadID, LabelIDs: cloneLabels(rec.labels),
	}
	h := &wireHistory{ID: rec.id}
	if rec.added && want("messageAdded") {
		h.MessagesAdded = []wireMsgChange{{Message: withLabels}}
	}
	if rec.deleted && want("messageDeleted") {
		h.MessagesDeleted = []wireMsgChange{{Message: ref}}
	}
	if len(rec.labelsAdded) > 0 && want("labelAdded") {
		h.LabelsAdded = []wireLabelDelta{{Message: withLabels, LabelIDs: rec.labelsAdded}}
	}
	if len(rec.labelsRemoved) > 0 && want("labelRemoved") {
		h.LabelsRemoved = []wireLabelDelta{{Message: withLabels, LabelIDs: rec.labelsRemoved}}
	}
	if h.MessagesAdded == nil && h.MessagesDeleted == nil &&
		h.LabelsAdded == nil && h.LabelsRemoved == nil {
		return nil
	}
	h.Messages = []*wireMessage{ref}
	return h
}
