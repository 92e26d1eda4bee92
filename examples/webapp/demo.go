package main

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/gmail"
	"github.com/mailmanager/mailmanager/mailtest"
	"github.com/mailmanager/mailmanager/mailtest/gmailfake"
	"github.com/mailmanager/mailmanager/mailtest/graphfake"
	"github.com/mailmanager/mailmanager/outlook"
)

// demoMail are the messages the demo mailboxes get when no corpus is
// found. Placeholders: {{name}}, {{address}}, {{provider}} and
// {{date -5h}}, a Date header so many hours ago.
//
//go:embed demomail/*.eml
var demoMail embed.FS

// Client credentials the demo registers at its fake OAuth server. The
// administrator enters them on the settings page, as with real ones.
const (
	demoGmailID       = "demo-gmail"
	demoGmailSecret   = "demo-gmail-secret"
	demoOutlookID     = "demo-outlook"
	demoOutlookSecret = "demo-outlook-secret"
)

// demo is the fake world the demo runs against: an OAuth server that
// plays Google and Microsoft, a Gmail API and a Graph API, all on
// loopback in this process.
type demo struct {
	oauth *mailtest.OAuthServer
	gmail *gmailfake.Server
	graph *graphfake.Server
}

// startDemo starts the fakes, creates a Gmail and an Outlook mailbox for
// every demo user and seeds them.
func startDemo(opts options, log *slog.Logger) (*demo, error) {
	d := &demo{oauth: mailtest.NewOAuthServer()}
	d.oauth.SetInteractive(opts.interactive)
	d.oauth.RegisterClient(demoGmailID, demoGmailSecret)
	d.oauth.RegisterClient(demoOutlookID, demoOutlookSecret)
	d.gmail = gmailfake.New(d.oauth)
	d.graph = graphfake.New(d.oauth)

	users := defaultUsers()
	d.oauth.SetDefaultAddress(users[0].Email)
	for _, u := range users {
		d.oauth.SetDisplayName(u.Email, u.Name)
		d.gmail.AddMailbox(u.Email)
		d.graph.AddMailbox(u.Email, u.Name)
	}
	if err := d.seed(opts.corpus, users, log); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

// providers are the Gmail and Outlook providers pointed at the fakes:
// the same code as in real mode, with other endpoints.
func (d *demo) providers() []mailmanager.Provider {
	return []mailmanager.Provider{
		gmail.New(gmail.Config{
			Endpoint:  d.oauth.GoogleEndpoint(),
			APIURL:    d.gmail.URL() + "/",
			RevokeURL: d.oauth.GoogleRevokeURL(),
		}),
		outlook.New(outlook.Config{
			Tenant:   "common",
			Endpoint: d.oauth.MicrosoftEndpoint("common"),
			APIURL:   d.graph.URL() + "/v1.0",
		}),
	}
}

// credentials returns the client ID and secret registered for a provider.
func (d *demo) credentials(provider string) (id, secret string) {
	switch provider {
	case "gmail":
		return demoGmailID, demoGmailSecret
	case "outlook":
		return demoOutlookID, demoOutlookSecret
	}
	return "", ""
}

func (d *demo) close() {
	d.gmail.Close()
	d.graph.Close()
	d.oauth.Close()
}

// seed fills the mailboxes from the corpus directory, or with the built-in
// messages when there is none.
func (d *demo) seed(corpus string, users []user, log *slog.Logger) error {
	if st, err := os.Stat(corpus); err == nil && st.IsDir() {
		for _, u := range users {
			n, err := d.gmail.SeedDir(u.Email, corpus)
			if err != nil {
				log.Warn("demo: seeding gmail from the corpus stopped",
					"mailbox", u.Email, "error", err)
			}
			m, err := d.graph.SeedDir(u.Email, corpus)
			if err != nil {
				log.Warn("demo: some corpus messages did not reach outlook",
					"mailbox", u.Email, "error", err)
			}
			log.Info("demo: seeded from the corpus",
				"mailbox", u.Email, "gmail", n, "outlook", m, "dir", corpus)
		}
		return nil
	}
	log.Info("demo: no corpus found; seeding built-in messages", "dir", corpus)

	files, err := fs.Glob(demoMail, "demomail/*.eml")
	if err != nil {
		return err
	}
	now := time.Now()
	for _, u := range users {
		for _, f := range files {
			tmpl, err := demoMail.ReadFile(f)
			if err != nil {
				return err
			}
			if err := d.deliver(u, path.Base(f), tmpl, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// deliver fills in a built-in message for one user and delivers it to
// both of the user's mailboxes. A message marked "X-Demo-Folder: sent" is
// filed as sent by the user, and read.
func (d *demo) deliver(u user, name string, tmpl []byte, now time.Time) error {
	for _, provider := range []string{"gmail", "outlook"} {
		raw, at := fillDemoMail(tmpl, u, providerLabel(provider), now)
		sent := bytes.Contains(raw, []byte("\nX-Demo-Folder: sent"))
		var err error
		switch {
		case provider == "gmail" && sent:
			_, err = d.gmail.DeliverAt(u.Email, at, raw, "SENT")
		case provider == "gmail":
			_, err = d.gmail.DeliverAt(u.Email, at, raw)
		case sent:
			var id string
			id, err = d.graph.Deliver(u.Email, "sentitems", raw)
			if err == nil {
				d.graph.Update(u.Email, id, func(m *graphfake.Message) { m.IsRead = true })
			}
		default:
			_, err = d.graph.Deliver(u.Email, "", raw)
		}
		if err != nil {
			return fmt.Errorf("demo: deliver %s to %s at %s: %w", name, u.Email, provider, err)
		}
	}
	return nil
}

// fillDemoMail replaces the placeholders of a built-in message. It returns
// the message with CRLF line ends and its date.
func fillDemoMail(tmpl []byte, u user, provider string, now time.Time) ([]byte, time.Time) {
	at := now
	dateRE := regexp.MustCompile(`\{\{date (-?[0-9]+h)\}\}`)
	s := dateRE.ReplaceAllStringFunc(string(tmpl), func(m string) string {
		d, err := time.ParseDuration(dateRE.FindStringSubmatch(m)[1])
		if err != nil {
			return now.Format(time.RFC1123Z)
		}
		at = now.Add(d).Truncate(time.Second)
		return at.Format(time.RFC1123Z)
	})
	s = strings.NewReplacer("{{name}}", u.Name, "{{address}}", u.Email,
		"{{provider}}", provider).Replace(s)
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
	return []byte(s), at
}
