package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/mailmanager/mailmanager"
)

// accountsPage lists the user's mailboxes and offers to connect more.
type accountsPage struct {
	Accounts  []accountRow
	Providers []providerOption
}

type accountRow struct {
	mailmanager.Account
	Messages  int
	Progress  syncProgress
	Reconnect string // connect URL with login_hint, for needs_reauth
}

type providerOption struct {
	Name       string
	Label      string
	Configured bool
	ConnectURL string
}

// handleAccounts shows the user's mailboxes.
func (a *app) handleAccounts(w http.ResponseWriter, r *http.Request, u *user) {
	ctx := r.Context()
	accounts, err := a.mgr.Accounts(ctx, u.ID)
	if err != nil {
		a.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	page := &accountsPage{Providers: a.providerOptions(ctx, u)}
	for _, acc := range accounts {
		row := accountRow{
			Account:  *acc,
			Messages: a.index.count(acc.ID),
			Progress: a.syncer.progress(acc.ID),
		}
		if acc.Status == mailmanager.StatusNeedsReauth {
			row.Reconnect = connectURL(acc.Provider, acc.Address, "/accounts")
		}
		page.Accounts = append(page.Accounts, row)
	}
	a.render(w, r, view{Name: "accounts", Title: "Mailboxes", Content: page})
}

// providerOptions are the connect buttons, with whether an administrator
// has configured each provider.
func (a *app) providerOptions(ctx context.Context, u *user) []providerOption {
	var out []providerOption
	for _, name := range a.mgr.Providers() {
		ps, err := a.mgr.Settings(ctx, name)
		configured := err == nil && ps.Configured
		hint := ""
		if a.demo != nil {
			// The demo's mailboxes have the users' addresses, so the fake
			// sign-in page proposes the right one.
			hint = u.Email
		}
		out = append(out, providerOption{
			Name: name, Label: providerLabel(name), Configured: configured,
			ConnectURL: connectURL(name, hint, "/mail"),
		})
	}
	return out
}

// connectURL is the link that starts connecting a mailbox through the
// Manager's connect handler.
func connectURL(provider, loginHint, next string) string {
	q := url.Values{"next": {next}}
	if loginHint != "" {
		q.Set("login_hint", loginHint)
	}
	return "/oauth/connect/" + url.PathEscape(provider) + "?" + q.Encode()
}

// providerNames lists the providers by their labels.
func (a *app) providerNames() []string {
	var out []string
	for _, n := range a.mgr.Providers() {
		out = append(out, providerLabel(n))
	}
	return out
}

// onConnected is the Manager's OnConnected: it starts the first sync of
// the mailbox and shows its mail, which fills in as the sync goes.
func (a *app) onConnected(w http.ResponseWriter, r *http.Request, acc *mailmanager.Account,
	next string) {
	a.syncer.trigger(acc.ID)
	target := localPath(next, "/mail")
	if target == "/" || target == "/mail" {
		target = "/mail?account=" + url.QueryEscape(acc.ID) + "&note=connected"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// ownAccount returns the account named in the request path if it belongs
// to u; someone else's account is answered as not found.
func (a *app) ownAccount(r *http.Request, u *user) (*mailmanager.Account, error) {
	acc, err := a.mgr.Account(r.Context(), r.PathValue("account"))
	if err != nil {
		return nil, err
	}
	if acc.UserID != u.ID {
		return nil, mailmanager.ErrNotFound
	}
	return acc, nil
}

// handleDisconnect revokes and removes a mailbox and forgets its mail.
func (a *app) handleDisconnect(w http.ResponseWriter, r *http.Request, u *user) {
	acc, err := a.ownAccount(r, u)
	if err != nil {
		a.fail(w, r, http.StatusNotFound, err)
		return
	}
	a.syncer.forget(acc.ID)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 30*time.Second)
	defer cancel()
	err = a.mgr.Disconnect(ctx, acc.ID)
	if err != nil && !errors.Is(err, mailmanager.ErrNotFound) {
		a.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	a.index.drop(acc.ID)
	http.Redirect(w, r, "/accounts?note=disconnected", http.StatusSeeOther)
}
