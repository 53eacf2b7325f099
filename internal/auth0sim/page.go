package auth0sim

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// pageStyle is shared by the sign-in and message pages: readable, high
// contrast, visible focus, usable from a phone-sized window up.
const pageStyle = `
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f4f6;color:#1b1b1f}
main{max-width:24rem;margin:10vh auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.12)}
h1{font-size:1.5rem;margin:0 0 .25rem}
label{display:block;font-weight:600;margin:1.25rem 0 .25rem}
input[type=email]{box-sizing:border-box;width:100%;padding:.6rem .75rem;font:inherit;border:1px solid #6b6b75;border-radius:6px}
.buttons{display:flex;gap:.75rem;margin-top:1.25rem}
button{flex:1;padding:.65rem 1rem;font:inherit;font-weight:600;border-radius:6px;border:1px solid #1b1b1f;cursor:pointer}
button.primary{background:#1b1b1f;color:#fff}
button.secondary{background:#fff;color:#1b1b1f}
input:focus-visible,button:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
.error{color:#a4161a;font-weight:600}
.note{color:#4a4a55;font-size:.875rem;margin-top:1.5rem}
.detail{font-family:ui-monospace,monospace;font-size:.875rem;overflow-wrap:anywhere}
@media (prefers-color-scheme:dark){body{background:#121215;color:#ececf1}main{background:#1e1e23}
input[type=email]{background:#121215;color:#ececf1;border-color:#9a9aa5}button.primary{background:#ececf1;color:#121215}
button.secondary{background:#1e1e23;color:#ececf1;border-color:#ececf1}.error{color:#ff8a8f}.note{color:#b4b4be}}
`

// pageHTML holds the three pages; "top" and "bottom" are their shared head
// and end.
const pageHTML = `{{define "top"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}}</title>
<style>` + pageStyle + `</style>
</head>
<body>
<main>
{{end}}{{define "bottom"}}</main>
</body>
</html>
{{end}}

{{define "signin"}}{{template "top" "Sign in – Pieces (demo)"}}<h1>Sign in</h1>
<p>to continue to Pieces</p>
<form method="post" action="/authorize">
<input type="hidden" name="tx" value="{{.TxID}}">
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" required autofocus value="{{.Email}}"{{if .Error}} aria-invalid="true" aria-describedby="email-error"{{end}}>
{{if .Error}}<p id="email-error" class="error" role="alert">{{.Error}}</p>{{end}}
<div class="buttons">
<button class="primary" type="submit" name="action" value="approve">Sign in</button>
<button class="secondary" type="submit" name="action" value="deny" formnovalidate>Deny</button>
</div>
</form>
<p class="note">Demo sign-in server: no password is needed. Afterwards your browser returns to {{.ReturnTo}}.</p>
{{template "bottom"}}{{end}}

{{define "message"}}{{template "top" (print .Title " – Pieces (demo)")}}<h1>{{.Title}}</h1>
<p role="status">{{.Message}}</p>
{{if .Detail}}<p class="detail">{{.Detail}}</p>{{end}}
<p class="note">You can close this window.</p>
{{template "bottom"}}{{end}}

{{/* The form_post answer: a form of hidden fields that its script submits
at once, with a Continue button for browsers without JavaScript (OAuth 2.0
Form Post Response Mode §2). */}}
{{define "formpost"}}{{template "top" "Submit This Form"}}<form method="post" action="{{.Action}}">
{{range $name, $v := .Params}}<input type="hidden" name="{{$name}}" value="{{index $v 0}}">
{{end}}<noscript>
<h1>Continue to {{.ReturnTo}}</h1>
<p>Your browser does not run scripts: press Continue to return to the application.</p>
<div class="buttons"><button class="primary" type="submit">Continue</button></div>
</noscript>
</form>
</main>
<script nonce="{{.Nonce}}">document.forms[0].submit();</script>
</body>
</html>
{{end}}`

var pages = template.Must(template.New("").Parse(pageHTML))

// signInData fills the sign-in page.
type signInData struct {
	TxID     string // transaction token (see handleDecision)
	Email    string // prefilled address
	ReturnTo string // host the browser returns to
	Error    string // problem with the submitted address
}

type messageData struct {
	Title, Message string
	Detail         string // optional, shown in a monospace line
}

// formPostData fills the form_post page.
type formPostData struct {
	Action   string     // the redirect URI
	Params   url.Values // code or error and error_description, and state
	ReturnTo string     // host of the redirect URI
	Nonce    string     // of the script, allowed by the page's CSP
}

// pageCSP is the policy of the pages without script. No form-action on the
// sign-in page: Chromium applies it to the redirect that answers the form,
// which goes to the application.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"

func (s *Server) signInPage(w http.ResponseWriter, status int, d signInData) {
	s.renderPage(w, status, pageCSP, "signin", d)
}

// messagePage shows a problem or a result to the person in the browser
// (escaped); detail may be empty.
func (s *Server) messagePage(w http.ResponseWriter, status int, title, msg, detail string) {
	s.renderPage(w, status, pageCSP, "message", messageData{Title: title, Message: msg, Detail: detail})
}

// formPostPage answers 200 with a page that posts params to redirectURI.
// Its CSP allows only its own script (by nonce) and a form sent to the
// redirect URI's origin.
func (s *Server) formPostPage(w http.ResponseWriter, redirectURI string, params url.Values) {
	d := formPostData{Action: redirectURI, Params: params, ReturnTo: returnHost(redirectURI), Nonce: randomToken(16)}
	csp := "default-src 'none'; script-src 'nonce-" + d.Nonce + "'; style-src 'unsafe-inline'; " +
		"form-action " + formActionSource(redirectURI) + "; frame-ancestors 'none'; base-uri 'none'"
	s.renderPage(w, http.StatusOK, csp, "formpost", d)
}

// formActionSource is the CSP source of the redirect URI's origin. CSP
// host sources cannot name an IPv6 literal: for one, the scheme alone.
func formActionSource(redirectURI string) string {
	u, _ := url.Parse(redirectURI) // an allowed callback URL, so valid
	if strings.HasPrefix(u.Host, "[") {
		return u.Scheme + ":"
	}
	return u.Scheme + "://" + u.Host
}

func (s *Server) renderPage(w http.ResponseWriter, status int, csp, page string, data any) {
	h := w.Header()
	noStore(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", csp)
	w.WriteHeader(status)
	// The templates are fixed and their data typed: only writing can fail.
	_ = pages.ExecuteTemplate(w, page, data)
}
