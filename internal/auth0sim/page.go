package auth0sim

import (
	"bytes"
	"html/template"
	"net/http"
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
@media (prefers-color-scheme:dark){body{background:#121215;color:#ececf1}main{background:#1e1e23}
input[type=email]{background:#121215;color:#ececf1;border-color:#9a9aa5}button.primary{background:#ececf1;color:#121215}
button.secondary{background:#1e1e23;color:#ececf1;border-color:#ececf1}.error{color:#ff8a8f}.note{color:#b4b4be}}
`

const signInHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in – Pieces (demo)</title>
<style>` + pageStyle + `</style>
</head>
<body>
<main>
<h1>Sign in</h1>
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
</main>
</body>
</html>
`

const messageHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} – Pieces (demo)</title>
<style>` + pageStyle + `</style>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
<p role="status">{{.Message}}</p>
<p class="note">You can close this window.</p>
</main>
</body>
</html>
`

// signInData fills the sign-in page.
type signInData struct {
	TxID     string // transaction id (CSRF)
	Email    string // prefilled address
	ReturnTo string // host the browser returns to
	Error    string // problem with the submitted address
}

type messageData struct {
	Title, Message string
}

// pages holds the parsed page templates.
type pages struct {
	signIn  *template.Template
	message *template.Template
}

func newPages() pages {
	return pages{
		signIn:  template.Must(template.New("signin").Parse(signInHTML)),
		message: template.Must(template.New("message").Parse(messageHTML)),
	}
}

func (s *Server) signInPage(w http.ResponseWriter, status int, d signInData) {
	s.renderPage(w, status, s.pages.signIn, d)
}

// messagePage shows a problem or a result to the person in the browser
// (escaped).
func (s *Server) messagePage(w http.ResponseWriter, status int, title, msg string) {
	s.renderPage(w, status, s.pages.message, messageData{Title: title, Message: msg})
}

func (s *Server) renderPage(w http.ResponseWriter, status int, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		s.log.Error("auth0sim: render page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	noStore(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	// No form-action: browsers apply it to the redirect after the form,
	// which goes to the application's loopback port.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
