package auth0sim_test

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"piecestray/internal/auth0sim"
)

// formPost is what a browser would do with a form_post page.
type formPost struct {
	method, action string
	fields         url.Values // the form's inputs, all hidden
	visible        []string   // inputs that are not hidden
	scriptNonce    string
	script         string
	noscriptButton string // text of a submit button inside <noscript>
}

// parseFormPost reads a form_post page as a browser's HTML parser would
// (the standard library's XML decoder in its lenient HTML mode).
func parseFormPost(t *testing.T, page string) formPost {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(page))
	d.Strict, d.AutoClose, d.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	var fp formPost
	fp.fields = url.Values{}
	var inScript, inNoscript, inButton, inForm bool
	attr := func(se xml.StartElement, name string) string {
		for _, a := range se.Attr {
			if strings.EqualFold(a.Name.Local, name) {
				return a.Value
			}
		}
		return ""
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("form_post page does not parse: %v\n%s", err, page)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			switch strings.ToLower(x.Name.Local) {
			case "form":
				inForm = true
				fp.method, fp.action = strings.ToLower(attr(x, "method")), attr(x, "action")
			case "input":
				if !inForm {
					t.Errorf("input %q outside the form", attr(x, "name"))
				}
				if attr(x, "type") != "hidden" {
					fp.visible = append(fp.visible, attr(x, "name"))
				}
				fp.fields.Add(attr(x, "name"), attr(x, "value"))
			case "script":
				inScript, fp.scriptNonce = true, attr(x, "nonce")
			case "noscript":
				inNoscript = true
			case "button":
				inButton = inNoscript && inForm && attr(x, "type") == "submit"
			}
		case xml.EndElement:
			switch strings.ToLower(x.Name.Local) {
			case "form":
				inForm = false
			case "script":
				inScript = false
			case "noscript":
				inNoscript = false
			case "button":
				inButton = false
			}
		case xml.CharData:
			switch {
			case inScript:
				fp.script += string(x)
			case inButton:
				fp.noscriptButton += strings.TrimSpace(string(x))
			}
		}
	}
	return fp
}

// getFormPost GETs an /authorize URL and returns the form_post page read.
func getFormPost(t *testing.T, b *http.Client, authURL string) (formPost, *http.Response) {
	t.Helper()
	resp, err := noFollow(b).Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	return checkFormPost(t, resp), resp
}

// checkFormPost checks the answer is a form_post page, safe and
// self-submitting, and reads it.
func checkFormPost(t *testing.T, resp *http.Response) formPost {
	t.Helper()
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" {
		t.Fatalf("form_post answer = %d Location %q; want 200 and no redirect; body %s",
			resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q; want text/html", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q; want no-store (the page carries a code)", cc)
	}
	fp := parseFormPost(t, body)
	if fp.method != "post" || len(fp.visible) != 0 {
		t.Errorf("form method %q, visible inputs %q; want post and hidden inputs only", fp.method, fp.visible)
	}
	if strings.TrimSpace(fp.script) != "document.forms[0].submit();" || fp.scriptNonce == "" {
		t.Errorf("script %q nonce %q; want one that submits the form, with a nonce", fp.script, fp.scriptNonce)
	}
	if fp.noscriptButton != "Continue" {
		t.Errorf("noscript submit button %q; want Continue", fp.noscriptButton)
	}
	csp := map[string]string{}
	for _, d := range strings.Split(resp.Header.Get("Content-Security-Policy"), ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		csp[name] = value
	}
	origin := "?"
	if u, err := url.Parse(fp.action); err == nil {
		origin = u.Scheme + "://" + u.Host
	}
	want := map[string]string{
		"default-src":     "'none'",
		"script-src":      "'nonce-" + fp.scriptNonce + "'", // this script only
		"form-action":     origin,                           // this form's target only
		"frame-ancestors": "'none'",
	}
	for name, v := range want {
		if csp[name] != v {
			t.Errorf("CSP %s = %q; want %q (policy %q)", name, csp[name], v, resp.Header.Get("Content-Security-Policy"))
		}
	}
	return fp
}

// TestFormPost: with response_mode=form_post the code and the state reach
// the redirect URI through a self-submitting form, and the code works.
func TestFormPost(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	p := newPKCE()
	fp, _ := getFormPost(t, newBrowser(t), authorizeURL(s.URL(), cb.redirectURI(), p, map[string]string{
		"response_mode": "form_post", "prompt": "none", "login_hint": testEmail,
	}))
	if fp.action != cb.redirectURI() {
		t.Errorf("form action = %q; want the redirect URI %q", fp.action, cb.redirectURI())
	}
	if len(fp.fields) != 2 || fp.fields.Get("code") == "" || fp.fields.Get("state") != "st-123" {
		t.Fatalf("form fields = %v; want code and state only", fp.fields)
	}
	if res := exchange(t, s, fp.fields.Get("code"), p.verifier, cb.redirectURI()); res.status != http.StatusOK {
		t.Errorf("exchange of the posted code = %d %v; want 200", res.status, res.body)
	}

	// A second page has its own nonce.
	fp2, _ := getFormPost(t, newBrowser(t), authorizeURL(s.URL(), cb.redirectURI(), newPKCE(), map[string]string{
		"response_mode": "form_post", "prompt": "none", "login_hint": testEmail,
	}))
	if fp2.scriptNonce == fp.scriptNonce {
		t.Errorf("two pages share the script nonce %q", fp.scriptNonce)
	}
}

// TestFormPostSignInPage: after the sign-in page, the answer to its form is
// the form_post page too, for approval and for Deny.
func TestFormPostSignInPage(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	for _, tt := range []struct {
		action string
		want   url.Values
	}{
		{"approve", nil},
		{"deny", url.Values{"error": {"access_denied"}, "error_description": {"User did not authorize the request"}, "state": {"st-123"}}},
	} {
		t.Run(tt.action, func(t *testing.T) {
			b := newBrowser(t)
			tx := openPage(t, b, authorizeURL(s.URL(), cb.redirectURI(), newPKCE(), map[string]string{"response_mode": "form_post"}))
			fp := checkFormPost(t, submit(t, noFollow(b), s.URL(), tx, testEmail, tt.action))
			if fp.action != cb.redirectURI() {
				t.Errorf("form action = %q; want %q", fp.action, cb.redirectURI())
			}
			if tt.want == nil {
				if fp.fields.Get("code") == "" || fp.fields.Get("state") != "st-123" || len(fp.fields) != 2 {
					t.Errorf("fields after Sign in = %v; want code and state", fp.fields)
				}
				return
			}
			if fp.fields.Encode() != tt.want.Encode() {
				t.Errorf("fields after Deny = %v; want %v", fp.fields, tt.want)
			}
		})
	}
}

// TestFormPostErrors: errors found once the redirect URI is known good also
// travel by form_post, with the state; the state is escaped in the page.
func TestFormPostErrors(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	const state = `"><script>alert(1)</script>`
	tests := []struct {
		name      string
		overrides map[string]string
		err       string
	}{
		{"login required", map[string]string{"prompt": "none"}, "login_required"},
		{"missing code_challenge", map[string]string{"code_challenge": ""}, "invalid_request"},
		{"token response_type", map[string]string{"response_type": "token"}, "unsupported_response_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.overrides["response_mode"], tt.overrides["state"] = "form_post", state
			fp, _ := getFormPost(t, newBrowser(t), authorizeURL(s.URL(), cb.redirectURI(), newPKCE(), tt.overrides))
			if fp.fields.Get("error") != tt.err || fp.fields.Get("error_description") == "" ||
				fp.fields.Get("state") != state || fp.fields.Has("code") {
				t.Errorf("fields = %v; want error=%s, a description, the state and no code", fp.fields, tt.err)
			}
		})
	}
	// A refused redirect URI gets the mismatch page, not a form to it.
	status, loc, body := authorizeOutcome(t, authorizeURL(s.URL(), "http://localhost:3001/pkce/response/code", newPKCE(),
		map[string]string{"response_mode": "form_post"}))
	wantMismatch(t, "http://localhost:3001/pkce/response/code", status, loc, body)
	if strings.Contains(body, "<form") {
		t.Errorf("mismatch page carries a form: %s", body)
	}
}
