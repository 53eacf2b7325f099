package auth0sim_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"piecestray/internal/auth0sim"
)

// TestLoopbackFlow is the whole sign-in: the browser opens the page, submits
// the form, follows the redirect into the application's loopback listener,
// and the application exchanges the code, verifies the id_token with the
// JWKS and calls /userinfo.
func TestLoopbackFlow(t *testing.T) {
	s := startServer(t, auth0sim.Config{TokenLifetime: 30 * time.Minute})
	cb := startCallback(t, s)
	p := newPKCE()
	code := signIn(t, s, cb, p, nil)
	if got := cb.last(t).Get("state"); got != "st-123" {
		t.Errorf("callback state = %q; want %q", got, "st-123")
	}
	res := exchange(t, s, code, p.verifier, cb.redirectURI())
	if res.status != http.StatusOK {
		t.Fatalf("exchange = %d %v; want 200", res.status, res.body)
	}
	for _, k := range []string{"access_token", "id_token", "refresh_token"} {
		if res.str(k) == "" {
			t.Errorf("token response has no %s: %v", k, res.body)
		}
	}
	if got := res.str("token_type"); got != "Bearer" {
		t.Errorf("token_type = %q; want Bearer", got)
	}
	if got := res.body["expires_in"]; got != float64(1800) {
		t.Errorf("expires_in = %v; want 1800", got)
	}
	if got := res.str("scope"); got != "openid profile email offline_access" {
		t.Errorf("scope = %q; want %q", got, "openid profile email offline_access")
	}
	if got := res.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("token Cache-Control = %q; want no-store", got)
	}

	keys := fetchJWKS(t, s.URL())
	_, id := verifyJWT(t, keys, res.str("id_token"))
	sub := auth0sim.Subject(testEmail)
	want := map[string]any{
		"iss": s.URL() + "/", "aud": auth0sim.DefaultClientID, "sub": sub, "email": testEmail,
		"email_verified": true, "name": testEmail, "nickname": "ada", "nonce": "n-456",
	}
	for k, v := range want {
		if id[k] != v {
			t.Errorf("id_token %s = %v; want %v", k, id[k], v)
		}
	}
	if pic, _ := id["picture"].(string); !strings.HasPrefix(pic, "https://") {
		t.Errorf("id_token picture = %q; want an https URL", pic)
	}
	iat, _ := id["iat"].(float64)
	exp, _ := id["exp"].(float64)
	if exp-iat != 1800 || iat < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("id_token iat %v exp %v; want now and now+1800", iat, exp)
	}

	_, access := verifyJWT(t, keys, res.str("access_token"))
	wantAccess := map[string]any{
		"iss": s.URL() + "/", "aud": auth0sim.DefaultAudience, "sub": sub,
		"scope": "openid profile email offline_access", "azp": auth0sim.DefaultClientID,
	}
	for k, v := range wantAccess {
		if access[k] != v {
			t.Errorf("access_token %s = %v; want %v", k, access[k], v)
		}
	}

	status, info := userinfo(t, s, "Bearer "+res.str("access_token"))
	if status != http.StatusOK {
		t.Fatalf("userinfo = %d %v; want 200", status, info)
	}
	for _, k := range []string{"sub", "email", "email_verified", "name", "nickname", "picture", "updated_at"} {
		if _, ok := info[k]; !ok {
			t.Errorf("userinfo has no %q: %v", k, info)
		}
	}
	if info["email"] != testEmail || info["sub"] != sub {
		t.Errorf("userinfo = %v; want email %q sub %q", info, testEmail, sub)
	}
}

func TestSubject(t *testing.T) {
	a := auth0sim.Subject("ada@example.com")
	if !strings.HasPrefix(a, "auth0|") || len(a) != len("auth0|")+24 {
		t.Errorf(`Subject("ada@example.com") = %q; want "auth0|" and 24 hex digits`, a)
	}
	if b := auth0sim.Subject(" Ada@Example.com "); b != a {
		t.Errorf(`Subject(" Ada@Example.com ") = %q; want %q (same account)`, b, a)
	}
	if c := auth0sim.Subject("bob@example.com"); c == a {
		t.Errorf(`Subject("bob@example.com") = %q; want a different subject`, c)
	}
}

// TestSignInPage checks the page itself: accessible form, no caching,
// escaping of what the request carries.
func TestSignInPage(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	b := newBrowser(t)
	hint := `x"><script>alert(1)</script>@example.com`
	resp, err := b.Get(authorizeURL(s.URL(), cb.redirectURI(), newPKCE(), map[string]string{"login_hint": hint}))
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	checks := []struct{ name, got, want string }{
		{"status", resp.Status, "200 OK"},
		{"Cache-Control", resp.Header.Get("Cache-Control"), "no-store"},
		{"Content-Type", resp.Header.Get("Content-Type"), "text/html; charset=utf-8"},
		{"X-Frame-Options", resp.Header.Get("X-Frame-Options"), "DENY"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("sign-in page %s = %q; want %q", c.name, c.got, c.want)
		}
	}
	for _, want := range []string{
		`<html lang="en">`, `<label for="email">`, `id="email" name="email" type="email"`,
		`value="approve">Sign in</button>`, `value="deny" formnovalidate>Deny</button>`, `name="tx"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("sign-in page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>") {
		t.Errorf("sign-in page carries the login_hint unescaped: %s", body)
	}
	if !strings.Contains(body, "&lt;script&gt;") {
		t.Errorf("sign-in page does not show the escaped login_hint")
	}
	var browserCookie bool
	for _, c := range resp.Cookies() {
		browserCookie = browserCookie || (c.HttpOnly && c.SameSite == http.SameSiteLaxMode)
	}
	if !browserCookie {
		t.Errorf("sign-in page set no HttpOnly SameSite=Lax cookie: %v", resp.Cookies())
	}
}

// TestDeny: the Deny button sends access_denied and the state back.
func TestDeny(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	b := newBrowser(t)
	tx := openPage(t, b, authorizeURL(s.URL(), cb.redirectURI(), newPKCE(), nil))
	resp := submit(t, b, s.URL(), tx, "", "deny")
	readBody(t, resp)
	q := cb.last(t)
	if q.Get("error") != "access_denied" || q.Get("state") != "st-123" || q.Get("code") != "" {
		t.Errorf("callback after Deny = %v; want error=access_denied, state=st-123 and no code", q)
	}
}

// TestApproveBadEmail: an unusable address shows the page again with the
// problem, and the same page can then be submitted.
func TestApproveBadEmail(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	b := newBrowser(t)
	tx := openPage(t, b, authorizeURL(s.URL(), cb.redirectURI(), newPKCE(), nil))
	resp := submit(t, b, s.URL(), tx, "not an address", "approve")
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `role="alert"`) ||
		!strings.Contains(body, `aria-invalid="true"`) {
		t.Errorf("bad email = %d; want 400 and the page with an alert; body %s", resp.StatusCode, body)
	}
	resp = submit(t, b, s.URL(), tx, testEmail, "approve")
	readBody(t, resp)
	if cb.last(t).Get("code") == "" {
		t.Errorf("second submit did not reach the callback with a code")
	}
}

// TestCSRF: the form only works with the token of its page, from the
// browser that opened the page, once; refusals are pages that say why,
// never a redirect.
func TestCSRF(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	tests := []struct {
		name   string
		post   func(t *testing.T, tx string, owner *http.Client) *http.Response
		status int
	}{
		{"another browser", func(t *testing.T, tx string, _ *http.Client) *http.Response {
			other := newBrowser(t)
			openPage(t, other, authorizeURL(s.URL(), cb.redirectURI(), newPKCE(), nil)) // has a cookie of its own
			return submit(t, other, s.URL(), tx, testEmail, "approve")
		}, http.StatusForbidden},
		{"no cookie", func(t *testing.T, tx string, _ *http.Client) *http.Response {
			return submit(t, newBrowser(t), s.URL(), tx, testEmail, "approve")
		}, http.StatusForbidden},
		{"no token", func(t *testing.T, _ string, owner *http.Client) *http.Response {
			return submit(t, owner, s.URL(), "", testEmail, "approve")
		}, http.StatusForbidden},
		{"unknown transaction", func(t *testing.T, _ string, owner *http.Client) *http.Response {
			return submit(t, owner, s.URL(), "made-up", testEmail, "approve")
		}, http.StatusBadRequest},
		{"second submit", func(t *testing.T, tx string, owner *http.Client) *http.Response {
			readBody(t, submit(t, owner, s.URL(), tx, testEmail, "approve"))
			return submit(t, noFollow(owner), s.URL(), tx, testEmail, "approve")
		}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			owner := newBrowser(t)
			tx := openPage(t, owner, authorizeURL(s.URL(), cb.redirectURI(), newPKCE(), nil))
			resp := tt.post(t, tx, noFollow(owner))
			body := readBody(t, resp)
			if resp.StatusCode != tt.status || resp.Header.Get("Location") != "" {
				t.Errorf("POST = %d Location %q; want %d and no redirect; body %s",
					resp.StatusCode, resp.Header.Get("Location"), tt.status, body)
			}
			if !strings.Contains(body, "<h1>") || !strings.Contains(body, "start the sign-in again") {
				t.Errorf("POST answered no page telling what to do: %s", body)
			}
		})
	}
}

// TestFormWithoutOrigin: browsers post the page's form with "Origin: null"
// (the page sends Referrer-Policy: no-referrer) or with no Origin at all;
// with the page's token and cookie the sign-in goes through either way.
func TestFormWithoutOrigin(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	for _, tt := range []struct {
		name    string
		headers map[string]string
	}{
		{"chromium", map[string]string{"Origin": "null", "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate"}},
		{"firefox", map[string]string{"Origin": "null"}},
		{"no origin", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t)
			tx := openPage(t, b, authorizeURL(s.URL(), cb.redirectURI(), newPKCE(), nil))
			req, err := http.NewRequest(http.MethodPost, s.URL()+"/authorize", strings.NewReader(url.Values{
				"tx": {tx}, "email": {testEmail}, "action": {"approve"},
			}.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			resp, err := noFollow(b).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readBody(t, resp)
			loc, _ := url.Parse(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusFound || loc == nil || loc.Query().Get("code") == "" {
				t.Errorf("POST with %v = %d Location %q; want 302 to the callback with a code; body %s",
					tt.headers, resp.StatusCode, resp.Header.Get("Location"), body)
			}
		})
	}
}

// TestPromptNone: prompt=none approves at once with login_hint or a browser
// session, and otherwise answers login_required without a page.
func TestPromptNone(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	b := noFollow(newBrowser(t))
	get := func(overrides map[string]string) url.Values {
		t.Helper()
		resp, err := b.Get(authorizeURL(s.URL(), cb.redirectURI(), newPKCE(), overrides))
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("prompt=none = %d; want 302", resp.StatusCode)
		}
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		if got := loc.Scheme + "://" + loc.Host + loc.Path; got != cb.redirectURI() {
			t.Fatalf("redirect to %q; want %q", got, cb.redirectURI())
		}
		return loc.Query()
	}

	q := get(map[string]string{"prompt": "none"})
	if q.Get("error") != "login_required" || q.Get("state") != "st-123" {
		t.Errorf("prompt=none without hint or session = %v; want error=login_required", q)
	}
	p := newPKCE()
	q = get(map[string]string{"prompt": "none", "login_hint": "Bob@Example.com", "code_challenge": p.challenge})
	if q.Get("code") == "" {
		t.Fatalf("prompt=none with login_hint = %v; want a code", q)
	}
	res := exchange(t, s, q.Get("code"), p.verifier, cb.redirectURI())
	if res.status != http.StatusOK {
		t.Fatalf("exchange = %d %v", res.status, res.body)
	}
	if got := claimsOf(t, res.str("id_token"))["email"]; got != "bob@example.com" {
		t.Errorf("id_token email = %v; want bob@example.com", got)
	}
	// The browser now has a session: prompt=none works without a hint
	// until /v2/logout ends it.
	if q = get(map[string]string{"prompt": "none"}); q.Get("code") == "" {
		t.Errorf("prompt=none with a browser session = %v; want a code", q)
	}
	resp, err := b.Get(s.URL() + "/v2/logout?client_id=" + auth0sim.DefaultClientID)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if q = get(map[string]string{"prompt": "none"}); q.Get("error") != "login_required" {
		t.Errorf("prompt=none after logout = %v; want error=login_required", q)
	}
}

// TestHandlerOnly: the Server also works as a plain http.Handler (no
// Start); the issuer is then the address the request was sent to.
func TestHandlerOnly(t *testing.T) {
	s := auth0sim.New(auth0sim.Config{Key: testKey()})
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	cb := startCallback(t, s)
	p := newPKCE()
	resp, err := noFollow(newBrowser(t)).Get(authorizeURL(hs.URL, cb.redirectURI(), p,
		map[string]string{"prompt": "none", "login_hint": testEmail}))
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	res := postToken(t, hs.URL, url.Values{
		"grant_type": {"authorization_code"}, "client_id": {auth0sim.DefaultClientID}, "code": {loc.Query().Get("code")},
		"code_verifier": {p.verifier}, "redirect_uri": {cb.redirectURI()},
	})
	if res.status != http.StatusOK {
		t.Fatalf("exchange = %d %v; want 200", res.status, res.body)
	}
	if _, id := verifyJWT(t, fetchJWKS(t, hs.URL), res.str("id_token")); id["iss"] != hs.URL+"/" {
		t.Errorf("id_token iss = %v; want %q", id["iss"], hs.URL+"/")
	}
	req, _ := http.NewRequest(http.MethodGet, hs.URL+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+res.str("access_token"))
	uresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, uresp)
	if uresp.StatusCode != http.StatusOK {
		t.Errorf("userinfo = %d; want 200", uresp.StatusCode)
	}
}

// TestPageExpiry: a sign-in page can be submitted for 10 minutes.
func TestPageExpiry(t *testing.T) {
	clk := newFakeClock()
	s := startServer(t, auth0sim.Config{Now: clk.Now})
	cb := startCallback(t, s)
	b := newBrowser(t)
	tx := openPage(t, b, authorizeURL(s.URL(), cb.redirectURI(), newPKCE(), nil))
	clk.Advance(10*time.Minute + time.Second)
	resp := submit(t, noFollow(b), s.URL(), tx, testEmail, "approve")
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "expired") {
		t.Errorf("submit after 10 minutes = %d; want 400 and a page saying it expired; body %s", resp.StatusCode, body)
	}
}

// TestBadRedirectConfig: an unusable registered redirect URI is ignored
// (and logged); the others still work.
func TestBadRedirectConfig(t *testing.T) {
	s := startServer(t, auth0sim.Config{RedirectURIs: []string{"not a uri#x", "http://127.0.0.1/cb"}})
	status, _, _ := authorizeOutcome(t, authorizeURL(s.URL(), "http://127.0.0.1/cb", newPKCE(),
		map[string]string{"prompt": "none", "login_hint": testEmail}))
	if status != http.StatusFound {
		t.Errorf("registered redirect beside a bad one = %d; want 302", status)
	}
	status, _, _ = authorizeOutcome(t, authorizeURL(s.URL(), "not a uri#x", newPKCE(), nil))
	if status != http.StatusBadRequest {
		t.Errorf("bad registered redirect used = %d; want 400", status)
	}
}
