package gmailfake

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// systemLabels are Gmail's own labels, in the order labels.list gives
// them.
func systemLabels() []string {
	return []string{
		"CHAT", "SENT", "INBOX", "IMPORTANT", "TRASH", "DRAFT", "SPAM",
		"CATEGORY_FORUMS", "CATEGORY_UPDATES", "CATEGORY_PERSONAL",
		"CATEGORY_PROMOTIONS", "CATEGORY_SOCIAL", "STARRED", "UNREAD",
	}
}

func isSystemLabel(id string) bool { return slices.Contains(systemLabels(), id) }

// wireLabel is Gmail's Label resource.
type wireLabel struct {
	ID                    string `json:"id"`
	Name                  string `json:"name"`
	MessageListVisibility string `json:"messageListVisibility,omitempty"`
	LabelListVisibility   string `json:"labelListVisibility,omitempty"`
	Type                  string `json:"type,omitempty"`
	MessagesTotal         *int   `json:"messagesTotal,omitempty"`
	MessagesUnread        *int   `json:"messagesUnread,omitempty"`
	ThreadsTotal          *int   `json:"threadsTotal,omitempty"`
	ThreadsUnread         *int   `json:"threadsUnread,omitempty"`
}

func (mb *mailbox) knownLabel(id string) bool {
	return isSystemLabel(id) || mb.userLabel(id) != nil
}

func (mb *mailbox) userLabel(id string) *userLabel {
	for _, l := range mb.labels {
		if l.id == id {
			return l
		}
	}
	return nil
}

// createLabel adds a user label; names are unique without regard to case
// and may not be those of system labels.
func (mb *mailbox) createLabel(name string) (*userLabel, *apiError) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, badRequest("Invalid label name")
	}
	for _, id := range systemLabels() {
		if strings.EqualFold(id, name) {
			return nil, badRequest("Invalid label name")
		}
	}
	for _, l := range mb.labels {
		if strings.EqualFold(l.name, name) {
			return nil, &apiError{
				status:  http.StatusConflict,
				reason:  "duplicate",
				message: "Label name exists or conflicts",
			}
		}
	}
	n := 1
	for mb.userLabel("Label_"+strconv.Itoa(n)) != nil {
		n++
	}
	l := &userLabel{
		id:         "Label_" + strconv.Itoa(n),
		name:       name,
		messageVis: "show",
		labelVis:   "labelShow",
	}
	mb.labels = append(mb.labels, l)
	return l, nil
}

func (mb *mailbox) wireLabel(id string) *wireLabel {
	if isSystemLabel(id) {
		return &wireLabel{ID: id, Name: id, Type: "system"}
	}
	l := mb.userLabel(id)
	if l == nil {
		return nil
	}
	return &wireLabel{
		ID:                    l.id,
		Name:                  l.name,
		MessageListVisibility: l.messageVis,
		LabelListVisibility:   l.labelVis,
		Type:                  "user",
	}
}

// listLabels serves labels.list. Like Gmail, it gives no counts; those
// come from labels.get.
func (s *Server) listLabels(c *call) (any, *apiError) {
	labels := []*wireLabel{}
	for _, id := range systemLabels() {
		labels = append(labels, c.mb.wireLabel(id))
	}
	for _, l := range c.mb.labels {
		labels = append(labels, c.mb.wireLabel(l.id))
	}
	return map[string]any{"labels": labels}, nil
}

// getLabel serves labels.get, with message and thread counts.
func (s *Server) getLabel(c *call) (any, *apiError) {
	l := c.mb.wireLabel(c.args[0])
	if l == nil {
		return nil, notFound()
	}
	var total, unread int
	threads := map[string]bool{}
	unreadThreads := map[string]bool{}
	for _, m := range c.mb.messages {
		if !m.has(l.ID) {
			continue
		}
		total++
		threads[m.threadID] = true
		if m.has("UNREAD") {
			unread++
			unreadThreads[m.threadID] = true
		}
	}
	nThreads, nUnreadThreads := len(threads), len(unreadThreads)
	l.MessagesTotal, l.MessagesUnread = &total, &unread
	l.ThreadsTotal, l.ThreadsUnread = &nThreads, &nUnreadThreads
	return l, nil
}

// createLabel serves labels.create.
func (s *Server) createLabel(c *call) (any, *apiError) {
	var in wireLabel
	if err := json.Unmarshal(c.body, &in); err != nil {
		return nil, badRequest("Invalid JSON payload received.")
	}
	l, e := c.mb.createLabel(in.Name)
	if e != nil {
		return nil, e
	}
	if in.MessageListVisibility != "" {
		l.messageVis = in.MessageListVisibility
	}
	if in.LabelListVisibility != "" {
		l.labelVis = in.LabelListVisibility
	}
	return c.mb.wireLabel(l.id), nil
}
