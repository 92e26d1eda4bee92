package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const chromiumPath = "/usr/bin/chromium"

// chromium starts a headless Chromium for the test, or skips the test
// when there is none outside CI. In CI a missing browser is a failure.
func chromium(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is missing: install the Debian package chromium", chromiumPath)
		}
		t.Skipf("%s not found: install the Debian package chromium to run the browser test", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 860),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	// A generous bound for the whole walk: it only ends a test that hangs.
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}

// screenshotDir is artifacts/screenshots at the repository root.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "no go.mod above the test")
		dir = parent
	}
	out := filepath.Join(dir, "artifacts", "screenshots")
	require.NoError(t, os.MkdirAll(out, 0o755))
	return out
}

// page drives one browser tab through the application.
type page struct {
	t    *testing.T
	ctx  context.Context
	base string
	shot string
}

func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	require.NoError(p.t, chromedp.Do(p.ctx, actions...))
}

func (p *page) open(path string) {
	p.t.Helper()
	p.do(chromedp.Navigate(p.base+path), chromedp.WaitReady(chromedp.CSS("body")))
}

// click clicks and waits for an element of the page it leads to.
func (p *page) click(sel, then string) {
	p.t.Helper()
	p.do(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible), chromedp.WaitVisible(chromedp.CSS(then)))
}

// waitText waits until the element shows text, reloading as the page's
// own refresh would; the mail page refreshes itself while a sync runs.
func (p *page) waitText(sel, text string) {
	p.t.Helper()
	expr := `Array.from(document.querySelectorAll(` + jsString(sel) + `)).some(e => e.textContent.includes(` +
		jsString(text) + `))`
	require.True(p.t, p.until(expr), "%q never showed %q", sel, text)
}

// until evaluates expr until it is true, across reloads of the page. The
// pages forbid script, so chromedp's in-page polling (which compiles its
// predicate with new Function) cannot run there; evaluation through the
// DevTools protocol is not bound by the page's policy.
func (p *page) until(expr string) bool {
	for {
		ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return true
		}
		select {
		case <-p.ctx.Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (p *page) text(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	require.NoError(p.t, err)
	return s
}

func (p *page) eval(expr string) bool {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](expr))
	require.NoError(p.t, err, expr)
	return v
}

func (p *page) location() string {
	p.t.Helper()
	loc, err := chromedp.Run(p.ctx, chromedp.Location())
	require.NoError(p.t, err)
	return loc
}

// screenshot saves the viewport as a PNG named after the step.
func (p *page) screenshot(name string) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	require.NoError(p.t, err)
	require.NoError(p.t, os.WriteFile(filepath.Join(p.shot, name+".png"), png, 0o644))
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`)
	return "'" + r.Replace(s) + "'"
}

// TestBrowser_FullFlow walks the demo as a person would, in headless
// Chromium: sign in, enter the client credentials, connect a Gmail and an
// Outlook mailbox through the fake consent pages, read, reply with an
// attachment, mark unread and disconnect. It saves screenshots of the main
// pages to artifacts/screenshots.
func TestBrowser_FullFlow(t *testing.T) {
	ctx := chromium(t)
	ts := startTestServer(t)
	p := &page{t: t, ctx: ctx, base: ts.url, shot: screenshotDir(t)}

	// Sign in as the administrator.
	p.open("/")
	assert.Contains(t, p.text(".signin .lead"), "Gmail")
	p.screenshot("01-sign-in")
	p.click(`form input[value="ada"] ~ button`, ".empty-state")
	p.screenshot("02-no-mailbox")

	// Enter the credentials of both providers.
	for _, provider := range []string{"gmail", "outlook"} {
		p.open("/settings")
		id, secret := ts.app.demo.credentials(provider)
		form := `form[action="/settings/` + provider + `"] `
		p.do(
			chromedp.SendKeys(chromedp.CSS(form+`input[name="client_id"]`), id, chromedp.NodeVisible),
			chromedp.SendKeys(chromedp.CSS(form+`input[name="client_secret"]`), secret, chromedp.NodeVisible),
		)
		p.click(form+`button[type="submit"]`, ".note")
	}
	assert.Equal(t, 2, strings.Count(p.text(".cards"), "Ready"))
	p.screenshot("03-settings")

	// Connect Gmail, then Outlook, through the consent pages.
	for _, c := range []struct{ provider, label, brand string }{
		{"gmail", "Gmail", "Fake Google"},
		{"outlook", "Outlook", "Fake Microsoft"},
	} {
		p.open("/accounts")
		p.click(".button.provider-"+c.provider, `button[value="allow"]`)
		assert.Contains(t, p.text(".brand"), c.brand)
		p.screenshot("04-consent-" + c.provider)
		p.click(`button[value="allow"]`, ".threads, .progress")
		p.waitText(".sidebar .mailbox-name", c.label)
		p.waitText(".threads", "Lunch on Friday?")
	}
	p.open("/mail")
	p.waitText(".threads .badge.gmail", "Gmail")
	p.waitText(".threads .badge.outlook", "Outlook")
	assert.True(t, p.eval(`document.querySelectorAll('.thread.unread').length > 0`), "unread mail is bold")
	p.screenshot("05-mail")

	// Search by domain.
	p.do(chromedp.SendKeys(chromedp.CSS(`input[name="q"]`), "@cloudco.example\n"))
	p.waitText(".heading", "Search: @cloudco.example")
	assert.Equal(t, "2", p.evalString(`String(document.querySelectorAll('.thread').length)`))
	p.screenshot("06-search")

	// Open the newsletter: sanitized, its own logo shown, remote images held.
	p.open("/mail")
	p.click(`.thread a[href*="/mail/"]:has(.badge.gmail)`, ".conversation")
	p.open("/mail?q=" + "news%40byte.example")
	p.click(`.thread a`, ".conversation .msg")
	assert.Contains(t, p.text(".notice"), "remote images are hidden")
	assert.True(t, p.eval(`document.querySelectorAll('script').length === 0`), "a script reached the page")
	p.waitLoaded(`.msg.selected img[src*="/cid/"]`)
	p.screenshot("07-message-html")

	// Reply to Alan with an attachment, in Outlook.
	p.open("/mail?q=alan%40bletchley.example")
	p.click(`.thread a:has(.badge.outlook)`, ".conversation")
	assert.Equal(t, "3", p.evalString(`String(document.querySelectorAll('.msg').length)`))
	p.click(`a[href^="/compose?mode=reply&"]`, "form.compose")
	file := filepath.Join(t.TempDir(), "directions.txt")
	require.NoError(t, os.WriteFile(file, []byte("Past the fountain, second left."), 0o644))
	// Type above the quoted text, as a person puts the cursor there.
	require.True(t, p.eval(`(() => { const t = document.querySelector('textarea[name="body"]'); `+
		`t.focus(); t.setSelectionRange(0, 0); return true; })()`))
	p.do(
		chromedp.SendKeys(chromedp.CSS(`textarea[name="body"]`), "Great, see you at the park."),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name="attachments"]`), []string{file}),
	)
	p.screenshot("08-reply")
	p.click(`form.compose button[type="submit"]`, ".conversation")
	assert.Contains(t, p.text(".note"), "Message sent.")
	p.waitText(".conversation", "Great, see you at the park.")
	p.waitText(".conversation .attachments", "directions.txt")
	assert.Equal(t, "4", p.evalString(`String(document.querySelectorAll('.msg').length)`))
	p.screenshot("09-thread-with-reply")

	// Mark it unread: back to the list, the conversation in bold.
	p.click(`form[action$="/unread"] button`, ".threads")
	assert.Contains(t, p.text(".note"), "Marked as unread.")
	assert.True(t, p.eval(`Array.from(document.querySelectorAll('.thread.unread')).some(`+
		`e => e.textContent.includes('Lunch on Friday?') && e.querySelector('.badge.outlook'))`))

	// Compose page and the mailboxes, then disconnect Gmail.
	p.open("/compose")
	p.screenshot("10-compose")
	p.open("/accounts")
	p.screenshot("11-mailboxes")
	p.click(`tr:has(.badge.gmail) button.danger`, ".note")
	assert.Contains(t, p.text(".note"), "Mailbox disconnected.")
	assert.Equal(t, "1", p.evalString(`String(document.querySelectorAll('table.grid tbody tr').length)`))
	assert.False(t, p.eval(`!!document.querySelector('table.grid .badge.gmail')`))
	p.open("/mail")
	assert.False(t, p.eval(`!!document.querySelector('.threads .badge.gmail')`), "Gmail mail is still listed")
	assert.Contains(t, p.location(), "/mail")
}

func (p *page) evalString(expr string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](expr))
	require.NoError(p.t, err, expr)
	return v
}

// waitLoaded waits until an image has loaded and has a size.
func (p *page) waitLoaded(sel string) {
	p.t.Helper()
	expr := `(() => { const i = document.querySelector(` + jsString(sel) + `); ` +
		`return !!i && i.complete && i.naturalWidth > 0; })()`
	require.True(p.t, p.until(expr), "image %s did not load", sel)
}

// TestBrowser_CorpusMail shows the list and a message as the default run
// seeds them, from the shared corpus of real-world mail.
func TestBrowser_CorpusMail(t *testing.T) {
	corpus, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "corpus"))
	require.NoError(t, err)
	if _, err := os.Stat(corpus); err != nil {
		t.Skipf("no corpus at %s", corpus)
	}
	ctx := chromium(t)
	ts := startTestServer(t, func(o *options) {
		o.corpus = corpus
		o.interactive = false
	})
	p := &page{t: t, ctx: ctx, base: ts.url, shot: screenshotDir(t)}

	p.open("/")
	p.click(`form input[value="grace"] ~ button`, ".empty-state")
	require.NoError(t, ts.app.mgr.SaveCredentials(t.Context(), "gmail", credentials(ts, "gmail")))
	p.open("/mail")
	p.click(".button.provider-gmail", ".threads, .progress")
	p.waitText(".pager", "of ")
	p.open("/mail")
	p.screenshot("12-corpus-mail")
	assert.Equal(t, "25", p.evalString(`String(document.querySelectorAll('.thread').length)`))

	p.open("/mail?q=" + "%40example.com")
	p.click(`.thread a`, ".conversation .msg")
	p.screenshot("13-corpus-message")
}
