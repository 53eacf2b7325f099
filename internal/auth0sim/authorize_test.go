package auth0sim_test

import (
	"net/http"
	"net/url"
	"strings"
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

// TestRedirectURIMatching: exact matching of registered redirect URIs, any
// port for the loopback IP literals (RFC 8252 §7.3), and localhost is not
// 127.0.0.1. Refused URIs get an error page, never a redirect.
func TestRedirectURIMatching(t *testing.T) {
	s := startServer(t, auth0sim.Config{RedirectURIs: []string{
		"http://127.0.0.1/callback",
		"http://[::1]/callback",
		"http://127.0.0.1:7777/fixed?app=tray",
		"http://localhost:8080/authentication/response",
	}})
	tests := []struct {
		uri string
		ok  bool
	}{
		{"http://127.0.0.1/callback", true},
		{"http://127.0.0.1:49152/callback", true},
		{"http://127.0.0.1:1/callback", true},
		{"http://127.0.0.1:65535/callback", true},
		{"http://[::1]:50001/callback", true},
		{"http://[::1]/callback", true},
		{"http://127.0.0.1:40000/fixed?app=tray", true}, // registered port, but any port is accepted
		{"http://localhost:8080/authentication/response", true},

		{"http://localhost:49152/callback", false},               // localhost is not 127.0.0.1
		{"http://localhost/callback", false},                     // likewise without a port
		{"http://localhost:9090/authentication/response", false}, // localhost keeps its port
		{"http://127.0.0.1:8080/authentication/response", false}, // 127.0.0.1 is not localhost
		{"http://[::1]:8080/authentication/response", false},
		{"http://127.0.0.1:49152/callback/", false},    // trailing slash
		{"http://127.0.0.1:49152/Callback", false},     // path case
		{"http://127.0.0.1:49152/callback/x", false},   // longer path
		{"http://127.0.0.1:49152/", false},             // other path
		{"http://127.0.0.1:49152/callback?x=1", false}, // query added
		{"http://127.0.0.1:49152/callback?", false},    // empty query added
		{"http://127.0.0.1:49152/callback#f", false},   // fragment (RFC 6749 §3.1.2)
		{"http://127.0.0.1:40000/fixed", false},        // registered query missing
		{"https://127.0.0.1:49152/callback", false},    // scheme
		{"http://127.0.0.2:49152/callback", false},     // other loopback address, not registered
		{"http://127.1:49152/callback", false},         // not the literal
		{"http://[0:0:0:0:0:0:0:1]:49152/callback", false},
		{"http://user@127.0.0.1:49152/callback", false},
		{"http://127.0.0.1:49152@evil.example/callback", false},
		{"http://evil.example/callback", false},
		{"http://127.0.0.1:0/callback", false},
		{"http://127.0.0.1:99999/callback", false},
		{"/callback", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			status, loc, body := authorizeOutcome(t, authorizeURL(s.URL(), tt.uri, newPKCE(),
				map[string]string{"prompt": "none", "login_hint": testEmail}))
			if tt.ok {
				if status != http.StatusFound || loc == nil || loc.Query().Get("code") == "" {
					t.Fatalf("redirect_uri %q: %d %v; want 302 with a code", tt.uri, status, loc)
				}
				got := *loc
				got.RawQuery = ""
				if want, _ := url.Parse(tt.uri); got.Host != want.Host || got.Path != want.Path {
					t.Errorf("redirect_uri %q: redirected to %q", tt.uri, loc)
				}
				return
			}
			if status != http.StatusBadRequest || loc != nil {
				t.Errorf("redirect_uri %q: %d Location %v; want 400 and no redirect", tt.uri, status, loc)
			}
			if !strings.Contains(body, "<h1>") {
				t.Errorf("redirect_uri %q: body is not an error page: %s", tt.uri, body)
			}
		})
	}
}

// TestDefaultRedirectURIs: without configuration the loopback callbacks
// (any port) and Pieces' documented localhost URLs are registered.
func TestDefaultRedirectURIs(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	tests := []struct {
		uri string
		ok  bool
	}{
		{"http://127.0.0.1:51234/callback", true},
		{"http://[::1]:51234/callback", true},
		{"http://127.0.0.1:51234/authentication/response", true},
		{"http://localhost:8080/authentication/response", true},
		{"http://localhost:3000/pkce/response/code", true},
		{"http://localhost:51234/callback", false},
		{"http://localhost:3001/pkce/response/code", false},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			status, _, _ := authorizeOutcome(t, authorizeURL(s.URL(), tt.uri, newPKCE(),
				map[string]string{"prompt": "none", "login_hint": testEmail}))
			if got := status == http.StatusFound; got != tt.ok {
				t.Errorf("redirect_uri %q accepted = %v (status %d); want %v", tt.uri, got, status, tt.ok)
			}
		})
	}
}

// TestAuthorizeErrors: before the client and redirect URI are known good
// the answer is an escaped error page; after, a redirect with error and
// state (RFC 6749 §4.1.2.1). PKCE S256 is required; plain is refused.
func TestAuthorizeErrors(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t)
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
		{"fragment response_mode", map[string]string{"response_mode": "fragment"}, false, "invalid_request"},
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
	cb := startCallback(t)
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
