package auth0sim_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"piecestray/internal/auth0sim"
)

// authorizeOutcome GETs /authorize without following redirects and returns
// the status, the redirect target (or nil) and the body.
func authorizeOutcome(t *testing.T, rawURL string) (int, *url.URL, string) {
	t.Helper()
	b := noFollow(newBrowser(t))
	resp, err := b.Get(rawURL)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	body := readBody(t, resp)
	var loc *url.URL
	if l := resp.Header.Get("Location"); l != "" {
		if loc, err = url.Parse(l); err != nil {
			t.Fatalf("Location %q: %v", l, err)
		}
	}
	return resp.StatusCode, loc, body
}

// wantMismatch checks Auth0's callback mismatch answer: an HTML page with
// its message, and no redirect at all.
func wantMismatch(t *testing.T, uri string, status int, loc *url.URL, body string) {
	t.Helper()
	if status != http.StatusBadRequest || loc != nil {
		t.Errorf("redirect_uri %q: %d Location %v; want 400 and no redirect", uri, status, loc)
	}
	if !strings.Contains(body, "Callback URL mismatch. The provided redirect_uri is not in the list of allowed callback URLs.") ||
		!strings.Contains(body, "<h1>") {
		t.Errorf("redirect_uri %q: body is not the callback mismatch page: %s", uri, body)
	}
}

// TestRedirectURIMatching: by default the two callback URLs Pieces
// documents are allowed, each exactly as written, as Auth0 matches them; a
// URL that differs in anything is refused with the mismatch page.
func TestRedirectURIMatching(t *testing.T) {
	if got, want := auth0sim.DefaultRedirectURIs(), []string{
		"http://localhost:3000/pkce/response/code", "http://localhost:8080/authentication/response",
	}; !slices.Equal(got, want) {
		t.Errorf("DefaultRedirectURIs() = %q; want %q", got, want)
	}
	s := startServer(t, auth0sim.Config{})
	tests := []struct {
		uri string
		ok  bool
	}{
		{"http://localhost:3000/pkce/response/code", true},
		{"http://localhost:8080/authentication/response", true},

		{"http://localhost:3001/pkce/response/code", false},      // another port
		{"http://localhost/pkce/response/code", false},           // no port
		{"http://localhost:80/authentication/response", false},   // the default port is another port
		{"http://127.0.0.1:3000/pkce/response/code", false},      // 127.0.0.1 is not localhost
		{"http://[::1]:8080/authentication/response", false},     // nor is ::1
		{"http://localhost:3000/pkce/response/code/", false},     // trailing slash
		{"http://localhost:3000/pkce/response", false},           // other path
		{"http://localhost:3000/PKCE/response/code", false},      // path case
		{"http://localhost:8080/pkce/response/code", false},      // the other URL's path on this port
		{"http://localhost:3000/pkce/response/code?x=1", false},  // extra query
		{"http://localhost:3000/pkce/response/code?", false},     // empty query
		{"http://localhost:3000/pkce/response/code#f", false},    // fragment (RFC 6749 §3.1.2)
		{"https://localhost:3000/pkce/response/code", false},     // https
		{"http://user@localhost:3000/pkce/response/code", false}, // user information
		{"http://localhost:3000@evil.example/pkce/response/code", false},
		{"http://127.0.0.1:49152/callback", false}, // any loopback port is gone
		{"http://127.0.0.1:49152/pkce/response/code", false},
		{"/pkce/response/code", false},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			status, loc, body := authorizeOutcome(t, authorizeURL(s.URL(), tt.uri, newPKCE(),
				map[string]string{"prompt": "none", "login_hint": testEmail}))
			if !tt.ok {
				wantMismatch(t, tt.uri, status, loc, body)
				return
			}
			if status != http.StatusFound || loc == nil || loc.Query().Get("code") == "" {
				t.Fatalf("redirect_uri %q: %d %v; want 302 with a code", tt.uri, status, loc)
			}
			got := *loc
			got.RawQuery = ""
			if got.String() != tt.uri {
				t.Errorf("redirect_uri %q: redirected to %q", tt.uri, loc)
			}
		})
	}
}

// TestAllowRedirectURI: a callback URL allowed at run time (and in
// Config.RedirectURIs) works exactly as written, and only so; unusable URLs
// are refused with an error. Allowing while requests are served is safe
// (run with -race).
func TestAllowRedirectURI(t *testing.T) {
	s := startServer(t, auth0sim.Config{RedirectURIs: []string{"http://127.0.0.1:7777/fixed?app=tray"}})
	const added = "http://127.0.0.1:41000/cb"
	accepted := func(uri string) bool {
		t.Helper()
		status, loc, body := authorizeOutcome(t, authorizeURL(s.URL(), uri, newPKCE(),
			map[string]string{"prompt": "none", "login_hint": testEmail}))
		if status == http.StatusFound && loc != nil && loc.Query().Get("code") != "" {
			return true
		}
		wantMismatch(t, uri, status, loc, body)
		return false
	}
	if accepted(added) {
		t.Fatalf("%s accepted before AllowRedirectURI", added)
	}
	if accepted("http://localhost:3000/pkce/response/code") {
		t.Errorf("a default URL is allowed although Config.RedirectURIs replaces the defaults")
	}
	if !accepted("http://127.0.0.1:7777/fixed?app=tray") || accepted("http://127.0.0.1:7778/fixed?app=tray") {
		t.Errorf("Config.RedirectURIs entry not matched exactly")
	}

	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.AllowRedirectURI(fmt.Sprintf("http://127.0.0.1:%d/cb", 42000+i)); err != nil {
				t.Errorf("AllowRedirectURI: %v", err)
			}
		}()
	}
	wg.Add(1)
	go func() { // reads the list meanwhile
		defer wg.Done()
		resp, err := noFollow(newBrowser(t)).Get(authorizeURL(s.URL(), "http://127.0.0.1:42000/cb", newPKCE(), nil))
		if err == nil {
			resp.Body.Close()
		}
	}()
	wg.Wait()
	if err := s.AllowRedirectURI(added); err != nil {
		t.Fatalf("AllowRedirectURI(%q) = %v", added, err)
	}
	if err := s.AllowRedirectURI(added); err != nil {
		t.Errorf("AllowRedirectURI twice = %v; want nil", err)
	}
	if !accepted(added) || !accepted("http://127.0.0.1:42003/cb") {
		t.Errorf("allowed URLs are not accepted")
	}
	for _, other := range []string{"http://127.0.0.1:41001/cb", "http://localhost:41000/cb", added + "/", added + "?x=1"} {
		if accepted(other) {
			t.Errorf("%s accepted; only %s was allowed", other, added)
		}
	}
	for _, bad := range []string{"", "/cb", "ftp://127.0.0.1/cb", "http://127.0.0.1:1/cb#f", "http://u@127.0.0.1/cb", "http://127.0.0.1:0/cb", "http://127.0.0.1:99999/cb"} {
		if err := s.AllowRedirectURI(bad); err == nil {
			t.Errorf("AllowRedirectURI(%q) = nil; want an error", bad)
		}
	}
}

// TestAuthorizeErrors: before the client and redirect URI are known good
// the answer is an escaped error page; after, a redirect with error and
// state (RFC 6749 §4.1.2.1). PKCE S256 is required; plain is refused.
func TestAuthorizeErrors(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	tests := []struct {
		name      string
		overrides map[string]string
		page      bool   // error page (no redirect)
		err       string // error code in the redirect
	}{
		{"missing client_id", map[string]string{"client_id": ""}, true, ""},
		{"unknown client_id", map[string]string{"client_id": "<b>other</b>"}, true, ""},
		{"missing redirect_uri", map[string]string{"redirect_uri": ""}, true, ""},
		{"redirect path", map[string]string{"redirect_uri": cb.srv.URL + "/other"}, true, ""},
		{"missing response_type", map[string]string{"response_type": ""}, false, "invalid_request"},
		{"token response_type", map[string]string{"response_type": "token"}, false, "unsupported_response_type"},
		{"missing code_challenge", map[string]string{"code_challenge": ""}, false, "invalid_request"},
		{"plain method", map[string]string{"code_challenge_method": "plain"}, false, "invalid_request"},
		{"missing method", map[string]string{"code_challenge_method": ""}, false, "invalid_request"},
		{"short challenge", map[string]string{"code_challenge": "abc"}, false, "invalid_request"},
		{"challenge with padding", map[string]string{"code_challenge": strings.Repeat("a", 42) + "="}, false, "invalid_request"},
		{"other audience", map[string]string{"audience": "https://other.example/"}, false, "access_denied"},
		{"fragment response_mode", map[string]string{"response_mode": "fragment"}, true, ""},
		{"web_message response_mode", map[string]string{"response_mode": "web_message"}, true, ""},
		{"unknown response_mode", map[string]string{"response_mode": "<b>other</b>"}, true, ""},
		{"unknown prompt", map[string]string{"prompt": "none login"}, false, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, loc, body := authorizeOutcome(t, authorizeURL(s.URL(), cb.redirectURI(), newPKCE(), tt.overrides))
			if tt.page {
				if status != http.StatusBadRequest || loc != nil {
					t.Fatalf("%s: %d Location %v; want 400 page", tt.name, status, loc)
				}
				if strings.Contains(body, "<b>other</b>") {
					t.Errorf("%s: error page is not escaped: %s", tt.name, body)
				}
				return
			}
			if status != http.StatusFound || loc == nil {
				t.Fatalf("%s: %d; want 302 to the callback; body %s", tt.name, status, body)
			}
			q := loc.Query()
			if q.Get("error") != tt.err || q.Get("state") != "st-123" || q.Get("code") != "" ||
				q.Get("error_description") == "" {
				t.Errorf("%s: redirect query %v; want error=%s, a description, state and no code", tt.name, q, tt.err)
			}
		})
	}
}

// TestRepeatedParameter: a repeated parameter is an invalid request
// (RFC 6749 §3.1); a repeated redirect_uri is never followed.
func TestRepeatedParameter(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	u := authorizeURL(s.URL(), cb.redirectURI(), newPKCE(), nil)
	status, loc, _ := authorizeOutcome(t, u+"&redirect_uri="+url.QueryEscape("http://127.0.0.1:1/callback"))
	if status != http.StatusBadRequest || loc != nil {
		t.Errorf("repeated redirect_uri: %d %v; want 400 page", status, loc)
	}
	status, loc, _ = authorizeOutcome(t, u+"&scope=openid")
	if status != http.StatusFound || loc == nil || loc.Query().Get("error") != "invalid_request" {
		t.Errorf("repeated scope: %d %v; want redirect with invalid_request", status, loc)
	}
}
