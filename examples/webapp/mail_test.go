package main

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailmanager/mailmanager"
)

// connected starts a server where ada has entered the demo credentials
// and connected her Gmail and Outlook mailboxes, both synced.
func connected(t *testing.T) (*testServer, *browser, map[string]*mailmanager.Account) {
	t.Helper()
	ts := startTestServer(t)
	b := ts.browser(t)
	b.signIn("ada")
	b.saveDemoCredentials()

	for _, p := range []string{"gmail", "outlook"} {
		res, body := b.connect(p)
		require.Equal(t, http.StatusOK, res.StatusCode, body)
		require.Equal(t, "/mail", res.Request.URL.Path)
		assert.Contains(t, body, "Mailbox connected.")
	}
	ts.syncAll(t)

	accounts, err := ts.app.mgr.Accounts(t.Context(), "ada")
	require.NoError(t, err)
	require.Len(t, accounts, 2)
	byProvider := map[string]*mailmanager.Account{}
	for _, a := range accounts {
		assert.Equal(t, "ada@demo.example", a.Address)
		byProvider[a.Provider] = a
	}
	return ts, b, byProvider
}

// find returns the message with the subject from an account's index.
func find(t *testing.T, ts *testServer, acc *mailmanager.Account, subject string) *mailmanager.Message {
	t.Helper()
	convs, _ := ts.app.index.list(listQuery{Accounts: []string{acc.ID}, Limit: 1000})
	for _, c := range convs {
		for _, m := range c.Messages {
			if m.Subject == subject {
				return m
			}
		}
	}
	require.FailNow(t, "message not in the index", "subject %q in %s", subject, acc.Provider)
	return nil
}

func TestApp_ConnectShowsSeededMail(t *testing.T) {
	ts, b, accounts := connected(t)

	_, body := b.get("/mail")
	for _, s := range []string{"Welcome to the mailmanager demo", "Quarterly report",
		"Lunch on Friday?", "Your invoice for March", "Café meeting notes"} {
		assert.Contains(t, body, s)
	}
	assert.Equal(t, 2*8-2*2, strings.Count(body, `<li class="thread`),
		"eight messages per mailbox, the three about lunch in one conversation")
	assert.Contains(t, body, `class="thread unread"`)
	assert.Contains(t, body, `<span class="badge gmail"`)
	assert.Contains(t, body, `<span class="badge outlook"`)

	// Unread counts per mailbox and folder.
	_, perFolder := ts.app.index.unread([]string{accounts["gmail"].ID})
	assert.Equal(t, 7, perFolder[accounts["gmail"].ID]["INBOX"])
	_, body = b.get("/mail?account=" + accounts["gmail"].ID + "&folder=SENT")
	assert.Contains(t, body, "Lunch on Friday?")
	assert.NotContains(t, body, "Quarterly report")

	_, body = b.get("/accounts")
	assert.Equal(t, 2, strings.Count(body, "ada@demo.example</b>"))
	assert.Equal(t, 2, strings.Count(body, `<span class="chip ok">Active</span>`))
}

func TestApp_Search(t *testing.T) {
	_, b, _ := connected(t)
	tests := []struct {
		query   string
		want    []string
		notWant []string
	}{
		{query: "@cloudco.example", want: []string{"Your invoice for March"}, notWant: []string{"Quarterly report"}},
		{query: "@CloudCo.Example", want: []string{"Your invoice for March"}},
		{query: "charles@engine.example", want: []string{"Quarterly report"}, notWant: []string{"Your invoice"}},
		{query: "@bücher.example", want: []string{"Café meeting notes"}},
		{query: "jose@xn--bcher-kva.example", want: []string{"Café meeting notes"}},
		{query: "@nobody.example", notWant: []string{"Quarterly report", "Café"}},
		{query: "crossword", notWant: []string{"Quarterly report"}},
		{query: "invoice march", want: []string{"Your invoice for March"}, notWant: []string{"Lunch"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			_, body := b.get("/mail?q=" + url.QueryEscape(tt.query))
			for _, w := range tt.want {
				assert.Contains(t, body, w)
			}
			for _, w := range tt.notWant {
				assert.NotContains(t, body, w)
			}
			if len(tt.want) > 0 {
				assert.Equal(t, 2*len(tt.want), strings.Count(body, `<li class="thread`),
					"one conversation per mailbox")
			}
		})
	}
}

func TestApp_MessageViewIsSanitized(t *testing.T) {
	ts, b, accounts := connected(t)
	for _, provider := range []string{"gmail", "outlook"} {
		t.Run(provider, func(t *testing.T) {
			acc := accounts[provider]
			m := find(t, ts, acc, "The Weekly Byte: tiny computers, big ideas")
			require.False(t, m.Read)

			res, body := b.get(messageURL(acc.ID, m.ID))
			require.Equal(t, http.StatusOK, res.StatusCode)
			csp := res.Header.Get("Content-Security-Policy")
			assert.Contains(t, csp, "default-src 'none'")
			assert.NotContains(t, csp, "script-src")
			assert.NotContains(t, csp, "https:", "remote images are blocked by default")
			lower := strings.ToLower(body)
			for _, bad := range []string{"<script", "document.cookie", "onclick", "onerror",
				"javascript:", "<form action=\"https", "tracker.byte.example", "position: fixed"} {
				assert.NotContains(t, lower, bad)
			}
			assert.Contains(t, body, "Tiny computers, big ideas")
			assert.Contains(t, body, `rel="noopener noreferrer nofollow" target="_blank"`)
			assert.Contains(t, body, "2 remote images are hidden")

			// The logo comes from the message itself.
			cid := messageURL(acc.ID, m.ID) + "/cid/" + url.PathEscape("logo@byte.example")
			assert.Contains(t, body, `src="`+cid+`"`)
			res, png := b.get(cid)
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, "image/png", res.Header.Get("Content-Type"))
			assert.True(t, strings.HasPrefix(png, "\x89PNG\r\n"), "not a PNG")

			// Opening it marked it read.
			assert.True(t, ts.app.index.message(acc.ID, m.ID).Read)

			res, body = b.get(messageURL(acc.ID, m.ID) + "?images=1")
			assert.Contains(t, res.Header.Get("Content-Security-Policy"), "https:")
			assert.Contains(t, body, `src="https://images.byte.example/engine.jpg"`)
			assert.NotContains(t, body, "remote images are hidden")
			assert.NotContains(t, strings.ToLower(body), "<script")
		})
	}
}

func TestApp_AttachmentDownload(t *testing.T) {
	ts, b, accounts := connected(t)
	for _, provider := range []string{"gmail", "outlook"} {
		t.Run(provider, func(t *testing.T) {
			acc := accounts[provider]
			m := find(t, ts, acc, "Quarterly report")
			require.NotEmpty(t, m.Attachments)
			_, body := b.get(messageURL(acc.ID, m.ID))
			assert.Contains(t, body, "report-q3.csv")

			var at mailmanager.Attachment
			for _, a := range m.Attachments {
				if a.Filename == "report-q3.csv" {
					at = a
				}
			}
			require.NotEmpty(t, at.ID)
			res, content := b.get(messageURL(acc.ID, m.ID) + "/attachments/" + url.PathEscape(at.ID))
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Equal(t, `attachment; filename=report-q3.csv`, res.Header.Get("Content-Disposition"))
			assert.Equal(t, "text/csv", res.Header.Get("Content-Type"))
			assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
			assert.Contains(t, res.Header.Get("Content-Security-Policy"), "sandbox")
			assert.Contains(t, content, "September,1500,120")

			res, _ = b.get(messageURL(acc.ID, m.ID) + "/attachments/nope")
			assert.Equal(t, http.StatusNotFound, res.StatusCode)
		})
	}
}

func TestApp_Pagination(t *testing.T) {
	ts, b, accounts := connected(t)
	acc := accounts["gmail"]
	for i := range 30 {
		raw := "From: Bulk <bulk@list.example>\r\nTo: ada@demo.example\r\nSubject: Bulk " +
			string(rune('A'+i%26)) + strings.Repeat("x", i/26) + "\r\nMessage-ID: <bulk-" +
			string(rune('a'+i%26)) + strings.Repeat("z", i/26) + "@list.example>\r\n\r\nhi\r\n"
		_, err := ts.app.demo.gmail.Deliver(acc.Address, []byte(raw))
		require.NoError(t, err)
	}
	ts.syncAll(t)

	_, body := b.get("/mail")
	assert.Equal(t, pageSize, strings.Count(body, `<li class="thread`))
	assert.Contains(t, body, "1–25 of 42")
	older := regexpFind(t, body, `<a class="button" href="([^"]+)">Older`)
	_, body = b.get(strings.ReplaceAll(older, "&amp;", "&"))
	assert.Contains(t, body, "26–42 of 42")
	assert.Equal(t, 42-pageSize, strings.Count(body, `<li class="thread`))
	assert.Contains(t, body, "‹ Newer</a>")
}

// TestApp_CorpusRenders seeds the demo from the shared corpus of
// real-world messages, as the default run does, and opens every message.
func TestApp_CorpusRenders(t *testing.T) {
	corpus, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "corpus"))
	require.NoError(t, err)
	if _, err := os.Stat(corpus); err != nil {
		t.Skipf("no corpus at %s", corpus)
	}
	ts := startTestServer(t, func(o *options) { o.corpus = corpus })
	b := ts.browser(t)
	b.signIn("ada")
	b.saveDemoCredentials()
	for _, p := range []string{"gmail", "outlook"} {
		res, body := b.connect(p)
		require.Equal(t, http.StatusOK, res.StatusCode, body)
	}
	ts.syncAll(t)

	accounts, err := ts.app.mgr.Accounts(t.Context(), "ada")
	require.NoError(t, err)
	for _, acc := range accounts {
		seeded := len(ts.app.demo.gmail.Messages(acc.Address))
		if acc.Provider == "outlook" {
			seeded = len(ts.app.demo.graph.Messages(acc.Address))
		}
		require.Positive(t, seeded)
		assert.Equal(t, seeded, ts.app.index.count(acc.ID), "%s: every seeded message synced", acc.Provider)

		convs, _ := ts.app.index.list(listQuery{Accounts: []string{acc.ID}, Limit: 1000})
		for _, c := range convs {
			for _, m := range c.Messages {
				res, body := b.get(messageURL(acc.ID, m.ID))
				if !assert.Equal(t, http.StatusOK, res.StatusCode, "%s %q", acc.Provider, m.Subject) {
					continue
				}
				assert.NotContains(t, strings.ToLower(body), "<script", "%s %q", acc.Provider, m.Subject)
			}
		}
	}
	_, body := b.get("/mail")
	assert.Equal(t, pageSize, strings.Count(body, `<li class="thread`))
	assert.Contains(t, body, "Older ›</a>")
}
