package main

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/mailmanager/mailmanager"
)

// pageSize is the number of conversations per page of the list.
const pageSize = 25

// mailPage is the conversation list.
type mailPage struct {
	Rows     []listRow
	Total    int
	From, To int
	Newer    string // URL of the previous page, or ""
	Older    string // URL of the next page, or ""
	Query    listQuery
	Heading  string
	Progress []accountProgress
	// NoAccounts offers to connect a first mailbox.
	NoAccounts bool
	Providers  []providerOption
}

// listRow is one conversation in the list.
type listRow struct {
	URL      string
	Account  navAccount
	Senders  string
	Subject  string
	Snippet  string
	Count    int
	Unread   bool
	Starred  bool
	Attached bool
	Date     string
}

// accountProgress is a sync in progress, for the banner.
type accountProgress struct {
	Address string
	syncProgress
}

// handleList shows the user's conversations across mailboxes.
func (a *app) handleList(w http.ResponseWriter, r *http.Request, u *user) {
	ctx := r.Context()
	accounts, err := a.mgr.Accounts(ctx, u.ID)
	if err != nil {
		a.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	qs := r.URL.Query()
	q := listQuery{
		Account: qs.Get("account"),
		Folder:  qs.Get("folder"),
		View:    qs.Get("view"),
		Search:  strings.TrimSpace(qs.Get("q")),
		Limit:   pageSize,
	}
	if q.View != "unread" && q.View != "starred" {
		q.View = ""
	}
	if q.Account == "" {
		q.Folder = ""
	}
	pageNo, _ := strconv.Atoi(qs.Get("page"))
	pageNo = max(pageNo, 1)
	q.Offset = (pageNo - 1) * pageSize

	byID := make(map[string]navAccount)
	page := &mailPage{Query: q, NoAccounts: len(accounts) == 0}
	for _, acc := range accounts {
		q.Accounts = append(q.Accounts, acc.ID)
		byID[acc.ID] = navAccount{ID: acc.ID, Address: acc.Address, Provider: acc.Provider}
		if p := a.syncer.progress(acc.ID); p.Running || p.Problem != "" {
			page.Progress = append(page.Progress,
				accountProgress{Address: acc.Address, syncProgress: p})
		}
	}
	if q.Account != "" && !slices.Contains(q.Accounts, q.Account) {
		a.fail(w, r, http.StatusNotFound, mailmanager.ErrNotFound)
		return
	}
	if page.NoAccounts {
		page.Providers = a.providerOptions(ctx, u)
	}

	convs, total := a.index.list(q)
	page.Total = total
	page.From, page.To = min(q.Offset+1, total), q.Offset+len(convs)
	for _, c := range convs {
		page.Rows = append(page.Rows, a.listRow(c, byID[c.AccountID]))
	}
	if pageNo > 1 {
		page.Newer = listURL(q, pageNo-1)
	}
	if q.Offset+len(convs) < total {
		page.Older = listURL(q, pageNo+1)
	}
	page.Heading = a.listHeading(q, byID)

	v := view{Name: "mail", Title: page.Heading, Content: page, Selected: q, InList: true}
	for _, p := range page.Progress {
		if p.Running {
			v.Refresh = 2
		}
	}
	a.render(w, r, v)
}

func (a *app) listRow(c *conversation, acc navAccount) listRow {
	var senders []string
	attached := false
	for _, m := range c.Messages {
		name := senderName(m.From)
		if m.From != nil && mailmanager.NormalizeEmail(m.From.Email) == acc.Address {
			name = "me"
		}
		if !slices.Contains(senders, name) {
			senders = append(senders, name)
		}
		for _, at := range m.Attachments {
			attached = attached || !at.Inline
		}
	}
	if len(senders) > 3 {
		senders = append(senders[:1], "…", senders[len(senders)-1])
	}
	subject := c.Messages[0].Subject
	if strings.TrimSpace(subject) == "" {
		subject = "(no subject)"
	}
	return listRow{
		URL:      messageURL(c.AccountID, c.Latest.ID),
		Account:  acc,
		Senders:  strings.Join(senders, ", "),
		Subject:  subject,
		Snippet:  c.Latest.Snippet,
		Count:    len(c.Messages),
		Unread:   c.Unread,
		Starred:  c.Starred,
		Attached: attached,
		Date:     shortDate(shownDate(c.Latest)),
	}
}

// listHeading names what the list shows.
func (a *app) listHeading(q listQuery, accounts map[string]navAccount) string {
	h := "All mail"
	switch q.View {
	case "unread":
		h = "Unread"
	case "starred":
		h = "Starred"
	}
	if acc, ok := accounts[q.Account]; ok {
		h = acc.Address
		if q.Folder != "" {
			for _, f := range a.index.folders(acc.ID) {
				if f.ID == q.Folder {
					h = folderName(acc.Provider, f) + " · " + acc.Address
				}
			}
		}
	}
	if q.Search != "" {
		h = "Search: " + q.Search
	}
	return h
}

// listURL is the URL of a page of the list for q.
func listURL(q listQuery, page int) string {
	v := url.Values{}
	if q.Account != "" {
		v.Set("account", q.Account)
	}
	if q.Folder != "" {
		v.Set("folder", q.Folder)
	}
	if q.View != "" {
		v.Set("view", q.View)
	}
	if q.Search != "" {
		v.Set("q", q.Search)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/mail"
	}
	return "/mail?" + v.Encode()
}

// handleRefresh starts a sync of the user's mailboxes and goes back to the
// list, which shows the progress.
func (a *app) handleRefresh(w http.ResponseWriter, r *http.Request, u *user) {
	accounts, err := a.mgr.Accounts(r.Context(), u.ID)
	if err != nil {
		a.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	for _, acc := range accounts {
		if acc.Status == mailmanager.StatusActive {
			a.syncer.trigger(acc.ID)
		}
	}
	back := localPath(r.PostFormValue("back"), "/mail")
	http.Redirect(w, r, withNote(back, "refreshing"), http.StatusSeeOther)
}

// withNote adds a note to a local URL.
func withNote(u, note string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	q := p.Query()
	q.Set("note", note)
	p.RawQuery = q.Encode()
	return p.String()
}
