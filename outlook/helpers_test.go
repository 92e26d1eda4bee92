package outlook_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest/graphfake"
	"github.com/mailmanager/mailmanager/outlook"
)

const (
	ada = "ada@example.com"
	bob = "bob@example.com"
)

// tokens is a test Authenticator: token to address.
type tokens map[string]string

func (t tokens) Authenticate(tok string) (string, bool) {
	a, ok := t[tok]
	return a, ok
}

// env is a fake Graph with Ada's and Bob's mailboxes and Ada's mailbox
// opened through the provider.
type env struct {
	t    testing.TB
	fake *graphfake.Server
	p    *outlook.Provider
	mb   *outlook.Mailbox
}

func newEnv(t testing.TB, cfg outlook.Config) *env {
	t.Helper()
	fake := graphfake.New(tokens{"tok-ada": ada, "tok-bob": bob})
	t.Cleanup(fake.Close)
	fake.AddMailbox(ada, "Ada Lovelace")
	fake.AddMailbox(bob, "Bob Babbage")
	cfg.APIURL = fake.URL() + "/v1.0"
	p := outlook.New(cfg)
	e := &env{t: t, fake: fake, p: p}
	e.mb = e.open("tok-ada")
	return e
}

// open opens a mailbox through an oauth2 client that sends tok.
func (e *env) open(tok string) *outlook.Mailbox {
	e.t.Helper()
	client := oauth2.NewClient(context.Background(),
		oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok}))
	mb, err := e.p.Open(context.Background(), client)
	require.NoError(e.t, err)
	return mb.(*outlook.Mailbox)
}

// deliver files a plain message into Ada's folder and returns its ID.
func (e *env) deliver(folder, subject string, extra ...string) string {
	e.t.Helper()
	id, err := e.fake.Deliver(ada, folder, rawMail(subject, extra...))
	require.NoError(e.t, err)
	return id
}

// folderID returns the ID of Ada's folder with a well-known name.
func (e *env) folderID(wellKnown string) string {
	e.t.Helper()
	for _, f := range e.fake.Folders(ada) {
		if f.WellKnownName == wellKnown {
			return f.ID
		}
	}
	e.t.Fatalf("no folder %s", wellKnown)
	return ""
}

// rawMail is a text message from Bob to Ada; extra are further header
// lines.
func rawMail(subject string, extra ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Bob Babbage <%s>\r\nTo: Ada Lovelace <%s>\r\n", bob, ada)
	fmt.Fprintf(&b, "Subject: %s\r\nDate: %s\r\n", subject, time.Now().Format(time.RFC1123Z))
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\nHello, " + subject + "\r\n")
	return []byte(b.String())
}

// run is what one Sync call delivered.
type run struct {
	pages []*mailmanager.Changes
	// accepted is the cursor of the last page fn accepted.
	accepted string
	err      error
}

// messages returns the IDs of the messages of every page, in order.
func (r *run) messages() []string {
	var ids []string
	for _, p := range r.pages {
		for _, m := range p.Messages {
			ids = append(ids, m.ID)
		}
	}
	return ids
}

// deleted returns the deleted IDs of every page.
func (r *run) deleted() []string {
	var ids []string
	for _, p := range r.pages {
		ids = append(ids, p.Deleted...)
	}
	return ids
}

// message returns the last delivered version of a message, or nil.
func (r *run) message(id string) *mailmanager.Message {
	var out *mailmanager.Message
	for _, p := range r.pages {
		for _, m := range p.Messages {
			if m.ID == id {
				out = m
			}
		}
	}
	return out
}

// sync runs Sync from cursor. failAt, when positive, makes fn refuse the
// page with that number (counted from 1).
func (e *env) sync(cursor string, opts mailmanager.SyncOptions, failAt int) *run {
	e.t.Helper()
	r := &run{accepted: cursor}
	r.err = e.mb.Sync(context.Background(), cursor, opts,
		func(_ context.Context, ch *mailmanager.Changes) error {
			if len(r.pages)+1 == failAt {
				return errRefused
			}
			r.pages = append(r.pages, ch)
			r.accepted = ch.Cursor
			return nil
		})
	return r
}

// mustSync runs Sync to its end and checks that it finished.
func (e *env) mustSync(cursor string, opts mailmanager.SyncOptions) *run {
	e.t.Helper()
	r := e.sync(cursor, opts, 0)
	require.NoError(e.t, r.err)
	require.NotEmpty(e.t, r.pages)
	require.True(e.t, r.pages[len(r.pages)-1].Done, "last page is Done")
	return r
}

var errRefused = fmt.Errorf("host refused the page")

func stringReader(s string) *strings.Reader { return strings.NewReader(s) }
