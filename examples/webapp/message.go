package main

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailhtml"
)

// messagePage shows a conversation, the selected message open.
type messagePage struct {
	Account       navAccount
	Subject       string
	Messages      []messageView
	Selected      *mailmanager.Message
	ImagesBlocked int
	ShowImagesURL string
	Trashed       bool
	ActionURL     string // prefix of the action forms of the selected message
}

// messageView is one message of the conversation.
type messageView struct {
	*mailmanager.Message
	URL         string
	Body        template.HTML
	Text        string // shown when there is no HTML body
	Open        bool
	IsSelected  bool
	Attachments []attachmentView
}

type attachmentView struct {
	mailmanager.Attachment
	URL string
}

// handleMessage shows a message in its conversation and marks it read.
func (a *app) handleMessage(w http.ResponseWriter, r *http.Request, u *user) {
	ctx := r.Context()
	acc, err := a.ownAccount(r, u)
	if err != nil {
		a.fail(w, r, http.StatusNotFound, err)
		return
	}
	m, err := a.lookup(ctx, acc, r.PathValue("id"))
	if err != nil {
		a.failMail(w, r, err)
		return
	}
	if !m.Read {
		a.modify(ctx, acc, []string{m.ID}, mailmanager.Modification{Read: ptr(true)})
		m = a.index.message(acc.ID, m.ID)
		if m == nil {
			a.failMail(w, r, mailmanager.ErrNotFound)
			return
		}
	}

	thread := a.index.thread(acc.ID, m.ThreadID)
	if len(thread) == 0 {
		thread = []*mailmanager.Message{m}
	}
	images := r.URL.Query().Get("images") == "1"
	page := &messagePage{
		Account:   navAccount{ID: acc.ID, Address: acc.Address, Provider: acc.Provider},
		Subject:   thread[0].Subject,
		Selected:  m,
		Trashed:   trashed(acc.Provider, m, a.index.folders(acc.ID)),
		ActionURL: messageURL(acc.ID, m.ID),
	}
	if strings.TrimSpace(page.Subject) == "" {
		page.Subject = "(no subject)"
	}
	for i, tm := range thread {
		mv := a.messageView(acc, tm, images)
		mv.IsSelected = tm.ID == m.ID
		mv.Open = mv.IsSelected || !tm.Read || i == len(thread)-1
		if mv.IsSelected {
			page.ImagesBlocked = mv.blocked
		}
		page.Messages = append(page.Messages, mv.messageView)
	}
	if page.ImagesBlocked > 0 {
		page.ShowImagesURL = messageURL(acc.ID, m.ID) + "?images=1"
	}
	a.render(w, r, view{Name: "message", Title: page.Subject, Content: page, CSP: pageCSP(images)})
}

// renderedMessage is a message view and the images it held back.
type renderedMessage struct {
	messageView
	blocked int
}

// messageView sanitizes a message's body for the page.
func (a *app) messageView(acc *mailmanager.Account, m *mailmanager.Message,
	images bool) renderedMessage {
	base := messageURL(acc.ID, m.ID)
	mv := messageView{Message: m, URL: base}
	cids := make(map[string]bool)
	for _, at := range m.Attachments {
		if at.ContentID != "" {
			cids[at.ContentID] = true
		}
		if at.Inline && at.ContentID != "" && strings.HasPrefix(at.ContentType, "image/") {
			continue
		}
		mv.Attachments = append(mv.Attachments, attachmentView{
			Attachment: at,
			URL:        base + "/attachments/" + url.PathEscape(at.ID),
		})
	}
	if m.HTML == "" {
		mv.Text = m.Text
		return renderedMessage{messageView: mv}
	}
	res := mailhtml.Sanitize(m.HTML, mailhtml.Options{
		AllowRemoteImages: images,
		CID: func(id string) string {
			if !cids[id] {
				return ""
			}
			return base + "/cid/" + url.PathEscape(id)
		},
	})
	mv.Body = template.HTML(res.HTML) // sanitized by mailhtml
	return renderedMessage{messageView: mv, blocked: res.RemoteImagesBlocked}
}

// lookup returns a message from the index, or from the provider when the
// index does not hold it yet.
func (a *app) lookup(ctx context.Context, acc *mailmanager.Account,
	id string) (*mailmanager.Message, error) {
	if m := a.index.message(acc.ID, id); m != nil {
		return m, nil
	}
	mb, err := a.mgr.Mailbox(ctx, acc.ID)
	if err != nil {
		return nil, err
	}
	m, err := mb.Message(ctx, id)
	if err != nil {
		return nil, err
	}
	a.index.apply(acc, &mailmanager.Changes{Messages: []*mailmanager.Message{m}})
	return m, nil
}

// modify changes messages at the provider and, when it accepted, in the
// index at once. A failure is logged: the next sync shows the truth.
func (a *app) modify(ctx context.Context, acc *mailmanager.Account, ids []string,
	mod mailmanager.Modification) error {
	if err := a.mgr.Modify(ctx, acc.ID, ids, mod); err != nil {
		a.log.Warn("modify messages", "account", acc.ID, "count", len(ids), "error", err)
		return err
	}
	a.index.update(acc.ID, ids, func(m *mailmanager.Message) {
		if mod.Read != nil {
			m.Read = *mod.Read
		}
		if mod.Starred != nil {
			m.Starred = *mod.Starred
		}
	})
	if mod.Trash != nil {
		// Where the message went is the provider's business; the sync
		// that follows tells.
		a.syncer.trigger(acc.ID)
	}
	return nil
}

// handleAction marks, stars or trashes the message named in the path.
func (a *app) handleAction(w http.ResponseWriter, r *http.Request, u *user) {
	ctx := r.Context()
	acc, err := a.ownAccount(r, u)
	if err != nil {
		a.fail(w, r, http.StatusNotFound, err)
		return
	}
	m, err := a.lookup(ctx, acc, r.PathValue("id"))
	if err != nil {
		a.failMail(w, r, err)
		return
	}

	ids := []string{m.ID}
	var mod mailmanager.Modification
	back, note := messageURL(acc.ID, m.ID), ""
	switch r.PathValue("action") {
	case "unread":
		mod.Read, back, note = ptr(false), "/mail", "unread"
	case "star":
		mod.Starred = ptr(true)
	case "unstar":
		mod.Starred = ptr(false)
	case "trash", "untrash":
		mod.Trash = ptr(r.PathValue("action") == "trash")
		ids = ids[:0]
		for _, tm := range a.index.thread(acc.ID, m.ThreadID) {
			ids = append(ids, tm.ID)
		}
		if len(ids) == 0 {
			ids = []string{m.ID}
		}
		if *mod.Trash {
			back, note = "/mail", "trashed"
		}
	default:
		a.fail(w, r, http.StatusNotFound, errors.New("webapp: unknown action"))
		return
	}
	if err := a.modify(ctx, acc, ids, mod); err != nil {
		a.failMail(w, r, err)
		return
	}
	if note != "" {
		back = withNote(back, note)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// failMail answers a failed call to the mailbox.
func (a *app) failMail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, mailmanager.ErrNotFound):
		a.fail(w, r, http.StatusNotFound, err)
	case errors.Is(err, mailmanager.ErrReauthRequired):
		a.fail(w, r, http.StatusConflict, err)
	default:
		a.fail(w, r, http.StatusBadGateway, err)
	}
}

func ptr[T any](v T) *T { return &v }
