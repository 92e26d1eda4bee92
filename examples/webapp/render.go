package main

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/mailmanager/mailmanager"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static/style.css
var styleCSS []byte

// pages holds one template set per page, each with the shared layout.
type pages struct {
	sets map[string]*template.Template
}

func parsePages() (*pages, error) {
	layout, err := template.New("layout").Funcs(templateFuncs()).
		ParseFS(templateFiles, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{sets: make(map[string]*template.Template)}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		set, err := template.Must(layout.Clone()).ParseFS(templateFiles, n)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		p.sets[name] = set
	}
	return p, nil
}

// view is one page to render.
type view struct {
	// Name is the page's template, such as "mail".
	Name  string
	Title string
	// Status is the HTTP status; zero means 200.
	Status int
	// Content is the page's own data.
	Content any
	// Refresh reloads the page after so many seconds, for sync progress.
	Refresh int
	// CSP replaces the default Content-Security-Policy.
	CSP string
	// Selected is what the navigation highlights on the list page.
	Selected listQuery
	// InList marks the list page.
	InList bool
}

// pageData is what the layout sees.
type pageData struct {
	Title    string
	User     *user
	CSRF     string
	Nav      *navData
	Note     string
	Demo     bool
	Refresh  int
	Content  any
	Selected listQuery
	InList   bool
}

// render writes a page in the layout.
func (a *app) render(w http.ResponseWriter, r *http.Request, v view) {
	sess := sessionOf(r)
	d := pageData{
		Title:    v.Title,
		User:     a.user(r),
		Note:     noteText(r.URL.Query().Get("note")),
		Demo:     a.demo != nil,
		Refresh:  v.Refresh,
		Content:  v.Content,
		Selected: v.Selected,
		InList:   v.InList,
	}
	if sess != nil {
		d.CSRF = a.sessions.csrf(sess)
	}
	if d.User != nil {
		d.Nav = a.nav(r.Context(), d.User)
	}
	set := a.pages.sets[v.Name]
	var buf bytes.Buffer
	if set == nil {
		a.log.Error("no such page template", "page", v.Name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := set.ExecuteTemplate(&buf, "layout", d); err != nil {
		a.log.Error("render page", "page", v.Name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	if v.CSP != "" {
		h.Set("Content-Security-Policy", v.CSP)
	}
	w.WriteHeader(max(v.Status, http.StatusOK))
	_, _ = w.Write(buf.Bytes())
}

// noteText is the confirmation a redirect asks a page to show. Only known
// notes are shown, so a link cannot put words in the application's mouth.
func noteText(key string) string {
	return map[string]string{
		"sent":         "Message sent.",
		"saved":        "Settings saved.",
		"connected":    "Mailbox connected. Its mail is being synced.",
		"disconnected": "Mailbox disconnected.",
		"refreshing":   "Checking for new mail.",
		"trashed":      "Conversation moved to the trash.",
		"unread":       "Marked as unread.",
	}[key]
}

// errorPage is the content of the error page.
type errorPage struct {
	Status int
	Text   string
}

// fail answers a failed request with an error page. The error is logged;
// the page shows a generic text.
func (a *app) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	a.log.Warn("request failed", "method", r.Method, "path", r.URL.Path,
		"status", status, "error", err)
	text := http.StatusText(status)
	switch {
	case errors.Is(err, errCSRF):
		text = "This form has expired. Go back, reload the page and try again."
	case status == http.StatusNotFound:
		text = "There is nothing here."
	case status == http.StatusForbidden:
		text = "You may not do this."
	case errors.Is(err, mailmanager.ErrReauthRequired):
		text = mailmanager.ErrorText(err)
	case status >= 500:
		text = "Something went wrong on our side or at the mail provider. Please try again."
	}
	a.render(w, r, view{Name: "error", Title: "Error", Status: status,
		Content: errorPage{Status: status, Text: text}})
}

// onOAuthError is the Manager's OnError: a failed connect or callback.
func (a *app) onOAuthError(w http.ResponseWriter, r *http.Request, status int, err error) {
	if errors.Is(err, mailmanager.ErrNotSignedIn) {
		// Signed out (or the session expired) on the way: sign in first.
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	a.log.Warn("connect failed", "status", status, "error", err)
	a.render(w, r, view{Name: "error", Title: "Could not connect", Status: status,
		Content: errorPage{Status: status, Text: mailmanager.ErrorText(err)}})
}

func (a *app) handleStyle(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=300")
	_, _ = w.Write(styleCSS)
}

// handleFavicon serves a small envelope.
func (a *app) handleFavicon(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "max-age=86400")
	_, _ = w.Write([]byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">` +
		`<rect x="1" y="3" width="14" height="10" rx="2" fill="#2563eb"/>` +
		`<path d="M2 4.5l6 4.5 6-4.5" stroke="#fff" stroke-width="1.5" fill="none"/></svg>`))
}

// templateFuncs are the helpers templates use.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"when":     shortDate,
		"fulldate": func(t time.Time) string { return t.Local().Format("Mon, 2 Jan 2006 15:04") },
		"addrs":    addressList,
		"sender":   senderName,
		"provider": providerLabel,
		"size":     humanSize,
		"msgURL":   messageURL,
		"query":    func(s string) string { return url.QueryEscape(s) },
		"initial":  initial,
		"plural": func(n int, one, many string) string {
			if n == 1 {
				return one
			}
			return many
		},
	}
}

// shortDate formats a list date: the time today, the day this year, the
// date before.
func shortDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t, now := t.Local(), time.Now()
	switch {
	case t.Year() == now.Year() && t.YearDay() == now.YearDay():
		return t.Format("15:04")
	case t.Year() == now.Year():
		return t.Format("Jan 2")
	}
	return t.Format("2006-01-02")
}

func addressList(list []mailmanager.Address) string {
	s := make([]string, len(list))
	for i, a := range list {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

func senderName(a *mailmanager.Address) string {
	switch {
	case a == nil:
		return "(unknown sender)"
	case a.Name != "":
		return a.Name
	}
	return a.Email
}

func providerLabel(name string) string {
	switch name {
	case "gmail":
		return "Gmail"
	case "outlook":
		return "Outlook"
	}
	return name
}

func humanSize(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.0f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
}

func messageURL(account, id string) string {
	return "/mail/" + url.PathEscape(account) + "/" + url.PathEscape(id)
}

func initial(s string) string {
	for _, r := range strings.TrimSpace(s) {
		return strings.ToUpper(string(r))
	}
	return "?"
}

// localPath returns p if it is a path on this site, and def otherwise.
func localPath(p, def string) string {
	if p = mailmanager.LocalPath(p); p == "" {
		return def
	}
	return p
}

// navData is the left column: the user's mailboxes with their folders and
// unread counts.
type navData struct {
	Accounts    []navAccount
	TotalUnread int
	Syncing     bool
}

type navAccount struct {
	ID       string
	Address  string
	Provider string
	Status   mailmanager.AccountStatus
	Unread   int
	Folders  []navFolder
	Syncing  bool
}

// nav builds the navigation of a signed-in user.
func (a *app) nav(ctx context.Context, u *user) *navData {
	accounts, err := a.mgr.Accounts(ctx, u.ID)
	if err != nil {
		a.log.Warn("list accounts", "user", u.ID, "error", err)
		return &navData{}
	}
	ids := make([]string, len(accounts))
	for i, acc := range accounts {
		ids[i] = acc.ID
	}
	perAccount, perFolder := a.index.unread(ids)
	n := &navData{}
	for _, acc := range accounts {
		p := a.syncer.progress(acc.ID)
		n.Accounts = append(n.Accounts, navAccount{
			ID:       acc.ID,
			Address:  acc.Address,
			Provider: acc.Provider,
			Status:   acc.Status,
			Unread:   perAccount[acc.ID],
			Folders:  navFolders(acc.Provider, a.index.folders(acc.ID), perFolder[acc.ID]),
			Syncing:  p.Running,
		})
		n.TotalUnread += perAccount[acc.ID]
		n.Syncing = n.Syncing || p.Running
	}
	return n
}
