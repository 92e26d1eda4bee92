package mailtest

import (
	"bytes"
	"html/template"
	"net/http"
)

// consentView is what the interactive consent page shows.
type consentView struct {
	action    string // path the form posts to
	consentID string
	req       *authRequest
	address   string // proposed mailbox address
	problem   string // why the last answer was refused, or ""
}

// renderConsent writes the interactive consent page.
func (s *OAuthServer) renderConsent(w http.ResponseWriter, status int, v consentView) {
	f := v.req.flavor
	s.renderPage(w, status, "consent", struct {
		Title, Brand, Class                  string
		Action, ConsentID, ClientID, Address string
		Problem                              string
		Scopes                               []string
	}{
		Title:     "Sign in - " + f.brand(),
		Brand:     f.brand(),
		Class:     f.class(),
		Action:    v.action,
		ConsentID: v.consentID,
		ClientID:  v.req.clientID,
		Address:   v.address,
		Problem:   v.problem,
		Scopes:    v.req.scopes,
	})
}

// renderError writes the page of a refused authorize request, with status
// 400 and no redirect.
func (s *OAuthServer) renderError(w http.ResponseWriter, f oauthFlavor, e *oauthPageError) {
	s.renderPage(w, http.StatusBadRequest, "error", struct {
		Title, Brand, Class, Code, Description string
		Status                                 int
	}{
		Title:       "Error - " + f.brand(),
		Brand:       f.brand(),
		Class:       f.class(),
		Code:        e.code,
		Description: e.description,
		Status:      http.StatusBadRequest,
	})
}

// renderPage executes the named template into a buffer and writes it.
func (s *OAuthServer) renderPage(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "mailtest: page failed to render", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// brand names the flavor on HTML pages.
func (f oauthFlavor) brand() string {
	if f == oauthMicrosoft {
		return "Fake Microsoft"
	}
	return "Fake Google"
}

// class is the CSS class that colors a flavor's pages.
func (f oauthFlavor) class() string {
	if f == oauthMicrosoft {
		return "microsoft"
	}
	return "google"
}

// parseOAuthPages parses the HTML pages of the OAuthServer.
func parseOAuthPages() *template.Template {
	return template.Must(template.New("oauth").Parse(oauthPages))
}

// oauthPages holds the consent and error pages: inline CSS, no script.
// The Allow button comes first in the form so that Enter allows; CSS shows
// it on the right.
const oauthPages = `
{{define "head"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;
 font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
 background:#f1f3f4;color:#202124}
body.google{--accent:#1a73e8}
body.microsoft{--accent:#0067b8;background:#f2f2f2}
main{background:#fff;width:100%;max-width:440px;margin:24px;padding:36px 40px 28px;
 border-radius:8px;box-shadow:0 1px 3px rgba(60,64,67,.3),0 4px 8px rgba(60,64,67,.15)}
body.microsoft main{border-radius:0}
.brand{font-weight:600;color:var(--accent);letter-spacing:.02em}
h1{font-size:24px;font-weight:400;margin:12px 0 4px}
.lead{margin:0 0 20px;color:#5f6368}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
 background:#f1f3f4;padding:1px 5px;border-radius:4px;word-break:break-all}
ul.scopes{margin:4px 0 20px;padding-left:20px}
ul.scopes li{margin:2px 0}
label{display:block;font-weight:500;margin-bottom:6px}
input[type=email]{width:100%;padding:10px 12px;font:inherit;border:1px solid #dadce0;
 border-radius:4px}
input[type=email]:focus{outline:2px solid var(--accent);border-color:transparent}
.buttons{display:flex;flex-direction:row-reverse;gap:8px;margin-top:24px}
button{font:inherit;font-weight:500;padding:8px 22px;border-radius:4px;cursor:pointer;
 border:1px solid var(--accent)}
button.primary{background:var(--accent);color:#fff}
button.secondary{background:#fff;color:var(--accent);border-color:#dadce0}
.problem{color:#d93025;margin:8px 0 0}
.error-code{font-weight:600;color:#d93025;margin:16px 0 4px}
.note{margin:28px 0 0;font-size:12px;color:#80868b}
</style>
</head>
<body class="{{.Class}}">
<main>
<div class="brand">{{.Brand}}</div>
{{end}}

{{define "foot"}}<p class="note">Test server on loopback: no real account is used.</p>
</main>
</body>
</html>
{{end}}

{{define "consent"}}{{template "head" .}}
<h1>Sign in</h1>
<p class="lead">to continue to <code>{{.ClientID}}</code></p>
<p>This app asks for access to your mailbox with these scopes:</p>
<ul class="scopes">{{range .Scopes}}
<li><code>{{.}}</code></li>{{end}}
</ul>
<form method="post" action="{{.Action}}">
<input type="hidden" name="consent" value="{{.ConsentID}}">
<label for="address">Email address</label>
<input id="address" type="email" name="address" value="{{.Address}}" required
 autocomplete="email">
{{if .Problem}}<p class="problem" role="alert">{{.Problem}}</p>{{end}}
<div class="buttons">
<button type="submit" name="decision" value="allow" class="primary">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary"
 formnovalidate>Deny</button>
</div>
</form>
{{template "foot"}}{{end}}

{{define "error"}}{{template "head" .}}
<h1>Access blocked</h1>
<p class="lead">The app's request could not be handled.</p>
<p class="error-code">Error {{.Status}}: {{.Code}}</p>
<p>{{.Description}}</p>
{{template "foot"}}{{end}}
`
