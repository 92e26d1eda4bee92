package gmailfake

import (
	"net/http"
	"net/url"
	"strings"
)

// routed is a REST path resolved to a Gmail method.
type routed struct {
	op     string   // Gmail method name, such as "messages.get"
	userID string   // the {userId} path parameter
	args   []string // further path parameters, in order
}

// handler serves one Gmail method with s.mu held. A nil answer is sent as
// 204 No Content; an error must be an *apiError.
type handler func(s *Server, c *call) (any, *apiError)

// route resolves method and the path after "/gmail/v1/users/".
func route(method, rest string) (routed, bool) {
	raw := strings.Split(rest, "/")
	segs := make([]string, len(raw))
	for i, p := range raw {
		u, err := url.PathUnescape(p)
		if err != nil || u == "" {
			return routed{}, false
		}
		segs[i] = u
	}
	if len(segs) < 2 {
		return routed{}, false
	}
	op, args := resolve(method, segs[1:])
	if op == "" {
		return routed{}, false
	}
	return routed{op: op, userID: segs[0], args: args}, true
}

func resolve(method string, p []string) (string, []string) {
	get, post := method == http.MethodGet, method == http.MethodPost
	switch {
	case len(p) == 1 && p[0] == "profile" && get:
		return "getProfile", nil
	case len(p) >= 1 && p[0] == "messages":
		return resolveMessages(method, p[1:])
	case len(p) == 1 && p[0] == "history" && get:
		return "history.list", nil
	case len(p) == 1 && p[0] == "labels" && get:
		return "labels.list", nil
	case len(p) == 1 && p[0] == "labels" && post:
		return "labels.create", nil
	case len(p) == 2 && p[0] == "labels" && get:
		return "labels.get", p[1:]
	case len(p) >= 1 && p[0] == "drafts":
		return resolveDrafts(method, p[1:])
	case len(p) == 2 && p[0] == "threads" && get:
		return "threads.get", p[1:]
	case len(p) == 2 && p[0] == "settings" && p[1] == "sendAs" && get:
		return "settings.sendAs.list", nil
	case len(p) == 1 && p[0] == "watch" && post:
		return "watch", nil
	case len(p) == 1 && p[0] == "stop" && post:
		return "stop", nil
	}
	return "", nil
}

func resolveMessages(method string, p []string) (string, []string) {
	get, post := method == http.MethodGet, method == http.MethodPost
	switch {
	case len(p) == 0 && get:
		return "messages.list", nil
	case len(p) == 1 && p[0] == "send" && post:
		return "messages.send", nil
	case len(p) == 1 && p[0] == "batchModify" && post:
		return "messages.batchModify", nil
	case len(p) == 1 && p[0] == "batchDelete" && post:
		return "messages.batchDelete", nil
	case len(p) == 1 && get:
		return "messages.get", p
	case len(p) == 1 && method == http.MethodDelete:
		return "messages.delete", p
	case len(p) == 2 && post && p[1] == "modify":
		return "messages.modify", p[:1]
	case len(p) == 2 && post && p[1] == "trash":
		return "messages.trash", p[:1]
	case len(p) == 2 && post && p[1] == "untrash":
		return "messages.untrash", p[:1]
	case len(p) == 3 && get && p[1] == "attachments":
		return "messages.attachments.get", []string{p[0], p[2]}
	}
	return "", nil
}

func resolveDrafts(method string, p []string) (string, []string) {
	switch {
	case len(p) == 0 && method == http.MethodGet:
		return "drafts.list", nil
	case len(p) == 0 && method == http.MethodPost:
		return "drafts.create", nil
	case len(p) == 1 && p[0] == "send" && method == http.MethodPost:
		return "drafts.send", nil
	case len(p) == 1 && method == http.MethodGet:
		return "drafts.get", p
	case len(p) == 1 && method == http.MethodPut:
		return "drafts.update", p
	case len(p) == 1 && method == http.MethodDelete:
		return "drafts.delete", p
	}
	return "", nil
}

// cost is the quota units a call of op uses, from Gmail's published table.
func cost(op string) int {
	switch op {
	case "getProfile", "labels.list", "labels.get", "settings.sendAs.list":
		return 1
	case "history.list":
		return 2
	case "messages.list", "messages.get", "messages.attachments.get",
		"messages.modify", "messages.trash", "messages.untrash",
		"labels.create", "drafts.get", "drafts.list":
		return 5
	case "messages.delete", "drafts.create", "drafts.delete", "threads.get":
		return 10
	case "drafts.update":
		return 15
	case "messages.batchModify", "messages.batchDelete":
		return 50
	case "messages.send", "drafts.send", "watch":
		return 100
	case "stop":
		return 50
	}
	return 1
}

// handlerFor returns the handler that serves op.
func handlerFor(op string) handler {
	switch op {
	case "getProfile":
		return (*Server).getProfile
	case "messages.list":
		return (*Server).listMessages
	case "messages.get":
		return (*Server).getMessage
	case "messages.attachments.get":
		return (*Server).getAttachment
	case "messages.send":
		return (*Server).sendMessage
	case "messages.modify":
		return (*Server).modifyMessage
	case "messages.batchModify":
		return (*Server).batchModify
	case "messages.trash":
		return (*Server).trashMessage
	case "messages.untrash":
		return (*Server).untrashMessage
	case "messages.delete":
		return (*Server).deleteMessage
	case "messages.batchDelete":
		return (*Server).batchDelete
	case "history.list":
		return (*Server).listHistory
	case "labels.list":
		return (*Server).listLabels
	case "labels.get":
		return (*Server).getLabel
	case "labels.create":
		return (*Server).createLabel
	case "drafts.create":
		return (*Server).createDraft
	case "drafts.update":
		return (*Server).updateDraft
	case "drafts.get":
		return (*Server).getDraft
	case "drafts.list":
		return (*Server).listDrafts
	case "drafts.send":
		return (*Server).sendDraft
	case "drafts.delete":
		return (*Server).deleteDraft
	case "settings.sendAs.list":
		return (*Server).listSendAs
	case "threads.get":
		return (*Server).getThread
	case "watch":
		return (*Server).watchMailbox
	case "stop":
		return (*Server).stopWatch
	}
	return nil
}
