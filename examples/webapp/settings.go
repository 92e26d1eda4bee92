package main

import (
	"errors"
	"net/http"

	"github.com/mailmanager/mailmanager"
)

// settingsPage is the email settings page: a card per provider.
type settingsPage struct {
	Providers []providerCard
	// Fill shows the demo credentials in the inputs.
	Fill bool
}

type providerCard struct {
	mailmanager.ProviderSettings
	Label string
	// DemoID and DemoSecret are the credentials registered at the demo's
	// fake OAuth server, shown as a hint.
	DemoID, DemoSecret string
	// Console says where real credentials come from.
	Console string
}

var errNotAdmin = errors.New("webapp: settings are for administrators")

// handleSettings shows the provider settings to an administrator.
func (a *app) handleSettings(w http.ResponseWriter, r *http.Request, u *user) {
	if !u.Admin {
		a.fail(w, r, http.StatusForbidden, errNotAdmin)
		return
	}
	page := &settingsPage{Fill: a.demo != nil && r.URL.Query().Get("fill") == "demo"}
	for _, name := range a.mgr.Providers() {
		ps, err := a.mgr.Settings(r.Context(), name)
		if err != nil {
			a.fail(w, r, http.StatusInternalServerError, err)
			return
		}
		card := providerCard{ProviderSettings: *ps, Label: providerLabel(name)}
		switch name {
		case "gmail":
			card.Console = "Google Cloud Console, APIs & Services, Credentials: " +
				"an OAuth client ID of type Web application, with the Gmail API enabled."
		case "outlook":
			card.Console = "Azure Portal, App registrations: a Web platform redirect URI " +
				"and a client secret, with the Mail.ReadWrite and Mail.Send permissions."
		}
		if a.demo != nil {
			card.DemoID, card.DemoSecret = a.demo.credentials(name)
		}
		page.Providers = append(page.Providers, card)
	}
	a.render(w, r, view{Name: "settings", Title: "Email settings", Content: page})
}

// handleSaveSettings stores one provider's client credentials. A blank
// secret keeps the one saved before.
func (a *app) handleSaveSettings(w http.ResponseWriter, r *http.Request, u *user) {
	if !u.Admin {
		a.fail(w, r, http.StatusForbidden, errNotAdmin)
		return
	}
	provider := r.PathValue("provider")
	err := a.mgr.SaveCredentials(r.Context(), provider, mailmanager.Credentials{
		ClientID:     r.PostFormValue("client_id"),
		ClientSecret: r.PostFormValue("client_secret"),
	})
	switch {
	case errors.Is(err, mailmanager.ErrNotFound):
		a.fail(w, r, http.StatusNotFound, err)
		return
	case err != nil:
		a.log.Warn("save credentials", "provider", provider, "error", err)
		a.render(w, r, view{Name: "error", Title: "Not saved", Status: http.StatusBadRequest,
			Content: errorPage{Status: http.StatusBadRequest,
				Text: "The credentials were not saved: enter a client ID, and no line breaks."}})
		return
	}
	next := "/settings?note=saved"
	if a.demo != nil && r.PostFormValue("fill") == "demo" {
		// Keep the demo credentials in the other cards, so each can be
		// saved in turn.
		next += "&fill=demo"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
