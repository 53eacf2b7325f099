package auth

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// callback is one redirect back from the browser whose state matched. The
// handler waits for the page to show on reply (capacity 1), which Login
// sends only once the outcome is known: the success page only after the
// code exchange worked.
type callback struct {
	code, errCode, errDesc string
	reply                  chan page
}

// callbackHandler serves the loopback redirect URI of one Login: the
// result arrives as a form POST (response_mode=form_post) or, from a server
// that ignores form_post, as a GET query; both are handled alike.
type callbackHandler struct {
	path  string
	state string
	calls chan *callback // unbuffered: Login takes at most one
	done  chan struct{}  // closed when Login stops waiting
}

// maxCallbackBody bounds a posted callback: code and state take well under
// 1 KiB; the rest leaves room for a long error_description.
const maxCallbackBody = 64 << 10

func (h *callbackHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != h.path {
		http.NotFound(w, r)
		return
	}
	var q url.Values
	switch r.Method {
	case http.MethodGet:
		q = r.URL.Query()
	case http.MethodPost:
		// response_mode=form_post: the identity provider's page posts the
		// result from its own site, so the request is cross-site by
		// design; the state below is what defends against forgery, and
		// Origin is not checked.
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
			http.Error(w, "the sign-in result must be posted as a form", http.StatusUnsupportedMediaType)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxCallbackBody)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "the sign-in result could not be read", http.StatusBadRequest)
			return
		}
		q = r.PostForm // the body only, not the URL's query
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	// The state binds this redirect to this attempt (RFC 6749 §10.12). A
	// stale or forged redirect gets 400 and the wait goes on.
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(h.state)) != 1 {
		writePage(w, http.StatusBadRequest, page{
			Title: "This sign-in link is out of date",
			Body:  "This page does not belong to the sign-in Pieces Tray is waiting for. Go back to Pieces Tray and use the newest sign-in window or link.",
		})
		return
	}
	c := &callback{code: q.Get("code"), errCode: q.Get("error"), errDesc: q.Get("error_description"), reply: make(chan page, 1)}
	select {
	case h.calls <- c:
	case <-h.done:
		writePage(w, http.StatusGone, endedPage)
		return
	case <-r.Context().Done():
		return
	}
	select {
	case p := <-c.reply:
		writePage(w, p.status(), p)
	case <-r.Context().Done():
	}
}

// page is one HTML page shown in the browser.
type page struct {
	Title, Body string
	Failed      bool
}

func (p page) status() int {
	if p.Failed {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

var endedPage = page{
	Title:  "This sign-in has ended",
	Body:   "Pieces Tray is no longer waiting for this sign-in. Start a new one from the Pieces Tray menu.",
	Failed: true,
}

func successPage(email string) page {
	body := "You are signed in to Pieces. You can close this tab and go back to Pieces Tray."
	if email != "" {
		body = "You are signed in to Pieces as " + email + ". You can close this tab and go back to Pieces Tray."
	}
	return page{Title: "Signed in", Body: body}
}

// pageFor is the page shown when a sign-in ends with err.
func pageFor(err error) page {
	if errors.Is(err, ErrCancelled) {
		return page{Title: "Sign-in cancelled", Body: "You did not sign in. You can close this tab; sign in from Pieces Tray whenever you like."}
	}
	return page{
		Title:  "Sign-in did not finish",
		Body:   human(err) + " Go back to Pieces Tray to try again.",
		Failed: true,
	}
}

// human drops the package prefix from err's message.
func human(err error) string {
	msg := strings.TrimPrefix(err.Error(), "auth: ")
	if msg == "" {
		return msg
	}
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	r, n := utf8.DecodeRuneInString(msg)
	return string(unicode.ToUpper(r)) + msg[n:]
}

// pageTemplate escapes every value (html/template).
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}} – Pieces Tray</title>
<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;color:#222}
h1{font-size:1.4em}{{if .Failed}}h1{color:#a40000}{{end}}</style></head>
<body><h1>{{.Title}}</h1><p>{{.Body}}</p></body></html>
`))

// writePage writes p with headers that keep it out of caches and stop the
// code-bearing URL from leaking through a Referer.
func writePage(w http.ResponseWriter, status int, p page) {
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
