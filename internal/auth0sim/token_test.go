package auth0sim_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"piecestray/internal/auth0sim"
)

// TestTokenErrorShapes: Auth0's JSON error shape and status codes.
func TestTokenErrorShapes(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	tests := []struct {
		name   string
		form   url.Values
		status int
		code   string
	}{
		{"unknown code", url.Values{"grant_type": {"authorization_code"}, "client_id": {auth0sim.DefaultClientID},
			"code": {"nope"}, "code_verifier": {newPKCE().verifier}, "redirect_uri": {"http://127.0.0.1:1/callback"}},
			http.StatusForbidden, "invalid_grant"},
		{"unknown refresh token", url.Values{"grant_type": {"refresh_token"}, "client_id": {auth0sim.DefaultClientID},
			"refresh_token": {"nope"}}, http.StatusForbidden, "invalid_grant"},
		{"missing grant_type", url.Values{"client_id": {auth0sim.DefaultClientID}},
			http.StatusBadRequest, "invalid_request"},
		{"password grant", url.Values{"grant_type": {"password"}, "client_id": {auth0sim.DefaultClientID}},
			http.StatusBadRequest, "unsupported_grant_type"},
		{"client_credentials grant", url.Values{"grant_type": {"client_credentials"}, "client_id": {auth0sim.DefaultClientID}},
			http.StatusBadRequest, "unsupported_grant_type"},
		{"missing code", url.Values{"grant_type": {"authorization_code"}, "client_id": {auth0sim.DefaultClientID},
			"code_verifier": {newPKCE().verifier}, "redirect_uri": {"http://127.0.0.1:1/callback"}},
			http.StatusBadRequest, "invalid_request"},
		{"missing code_verifier", url.Values{"grant_type": {"authorization_code"}, "client_id": {auth0sim.DefaultClientID},
			"code": {"c"}, "redirect_uri": {"http://127.0.0.1:1/callback"}}, http.StatusBadRequest, "invalid_request"},
		{"missing refresh_token", url.Values{"grant_type": {"refresh_token"}, "client_id": {auth0sim.DefaultClientID}},
			http.StatusBadRequest, "invalid_request"},
		{"missing client_id", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}},
			http.StatusUnauthorized, "invalid_client"},
		{"unknown client_id", url.Values{"grant_type": {"refresh_token"}, "client_id": {"other"}, "refresh_token": {"x"}},
			http.StatusUnauthorized, "invalid_client"},
		{"client_secret sent", url.Values{"grant_type": {"refresh_token"}, "client_id": {auth0sim.DefaultClientID},
			"client_secret": {"s"}, "refresh_token": {"x"}}, http.StatusUnauthorized, "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := postToken(t, s.URL(), tt.form)
			if res.status != tt.status || res.str("error") != tt.code {
				t.Errorf("%s = %d %v; want %d error %q", tt.name, res.status, res.body, tt.status, tt.code)
			}
			if len(res.body) != 2 || res.str("error_description") == "" {
				t.Errorf("%s body = %v; want exactly error and error_description", tt.name, res.body)
			}
			if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("%s Content-Type = %q; want application/json", tt.name, ct)
			}
			if cc := res.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("%s Cache-Control = %q; want no-store", tt.name, cc)
			}
		})
	}

	t.Run("GET", func(t *testing.T) {
		resp, err := http.Get(s.URL() + "/oauth/token")
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET /oauth/token = %d; want 405", resp.StatusCode)
		}
	})
}

// TestTokenJSONBodyAndBasicClient: Auth0 also takes JSON bodies, and a
// public client may name itself with HTTP Basic and an empty secret.
func TestTokenJSONBodyAndBasicClient(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	p := newPKCE()
	code := signIn(t, s, cb, p, nil)
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/oauth/token", strings.NewReader(
		`{"grant_type":"authorization_code","code":"`+code+`","code_verifier":"`+p.verifier+
			`","redirect_uri":"`+cb.redirectURI()+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(auth0sim.DefaultClientID, "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"access_token"`) {
		t.Errorf("JSON exchange with Basic client = %d %s; want 200 with tokens", resp.StatusCode, body)
	}
}

// TestPKCEVerifier: the code_verifier must hash to the challenge; a wrong
// or malformed one is 403 invalid_grant, and the code is then spent.
func TestPKCEVerifier(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	tests := []struct {
		name     string
		verifier func(p pkce) string
	}{
		{"other verifier", func(pkce) string { return newPKCE().verifier }},
		{"challenge as verifier (plain)", func(p pkce) string { return p.challenge }},
		{"too short", func(p pkce) string { return p.verifier[:42] }},
		{"too long", func(p pkce) string { return p.verifier + strings.Repeat("a", 129-len(p.verifier)) }},
		{"bad character", func(p pkce) string { return p.verifier[:42] + "+" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPKCE()
			code := signIn(t, s, cb, p, nil)
			res := exchange(t, s, code, tt.verifier(p), cb.redirectURI())
			if res.status != http.StatusForbidden || res.str("error") != "invalid_grant" {
				t.Errorf("exchange with %s = %d %v; want 403 invalid_grant", tt.name, res.status, res.body)
			}
			res = exchange(t, s, code, p.verifier, cb.redirectURI())
			if res.status != http.StatusForbidden {
				t.Errorf("code after a failed attempt = %d %v; want 403 (single use)", res.status, res.body)
			}
		})
	}
}

// TestCodeBinding: the code is bound to its redirect_uri (exact string).
func TestCodeBinding(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	for _, other := range []string{
		strings.Replace(cb.redirectURI(), "127.0.0.1", "localhost", 1),
		"http://127.0.0.1:1/callback",
		cb.redirectURI() + "/",
	} {
		t.Run(other, func(t *testing.T) {
			p := newPKCE()
			code := signIn(t, s, cb, p, nil)
			res := exchange(t, s, code, p.verifier, other)
			if res.status != http.StatusForbidden || res.str("error") != "invalid_grant" {
				t.Errorf("exchange with redirect_uri %q = %d %v; want 403 invalid_grant", other, res.status, res.body)
			}
		})
	}
}

// TestCodeReplay: a code works once; presenting it again is refused and
// revokes the tokens it produced (RFC 6749 §4.1.2).
func TestCodeReplay(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	p := newPKCE()
	code := signIn(t, s, cb, p, nil)
	first := exchange(t, s, code, p.verifier, cb.redirectURI())
	if first.status != http.StatusOK {
		t.Fatalf("first exchange = %d %v; want 200", first.status, first.body)
	}
	if status, _ := userinfo(t, s, "Bearer "+first.str("access_token")); status != http.StatusOK {
		t.Fatalf("userinfo before replay = %d; want 200", status)
	}
	replay := exchange(t, s, code, p.verifier, cb.redirectURI())
	if replay.status != http.StatusForbidden || replay.str("error") != "invalid_grant" {
		t.Errorf("replayed code = %d %v; want 403 invalid_grant", replay.status, replay.body)
	}
	if status, _ := userinfo(t, s, "Bearer "+first.str("access_token")); status != http.StatusUnauthorized {
		t.Errorf("userinfo after replay = %d; want 401 (tokens from the code revoked)", status)
	}
	if res := refresh(t, s, first.str("refresh_token")); res.status != http.StatusForbidden {
		t.Errorf("refresh after replay = %d %v; want 403", res.status, res.body)
	}
}

// TestCodeExpiry: a code lives about 60 seconds.
func TestCodeExpiry(t *testing.T) {
	clk := newFakeClock()
	s := startServer(t, auth0sim.Config{Now: clk.Now})
	cb := startCallback(t, s)
	tests := []struct {
		wait   time.Duration
		status int
	}{
		{59 * time.Second, http.StatusOK},
		{61 * time.Second, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.wait.String(), func(t *testing.T) {
			p := newPKCE()
			code := signIn(t, s, cb, p, nil)
			clk.Advance(tt.wait)
			if res := exchange(t, s, code, p.verifier, cb.redirectURI()); res.status != tt.status {
				t.Errorf("exchange after %v = %d %v; want %d", tt.wait, res.status, res.body, tt.status)
			}
		})
	}
}

// TestRefreshRotation: each refresh returns a new refresh token; the old
// one is rejected, and reusing it revokes the whole family.
func TestRefreshRotation(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	first := mustTokens(t, s, cb)
	rt0 := first.str("refresh_token")

	second := refresh(t, s, rt0)
	if second.status != http.StatusOK {
		t.Fatalf("refresh = %d %v; want 200", second.status, second.body)
	}
	rt1 := second.str("refresh_token")
	if rt1 == "" || rt1 == rt0 {
		t.Fatalf("refresh returned refresh_token %q; want a new one", rt1)
	}
	if second.str("access_token") == first.str("access_token") || second.str("id_token") == "" {
		t.Errorf("refresh did not return a new access token and an id token: %v", second.body)
	}
	if second.str("scope") != first.str("scope") || second.str("token_type") != "Bearer" {
		t.Errorf("refresh scope %q type %q; want %q Bearer", second.str("scope"), second.str("token_type"), first.str("scope"))
	}

	third := refresh(t, s, rt1)
	if third.status != http.StatusOK {
		t.Fatalf("refresh with the rotated token = %d %v; want 200", third.status, third.body)
	}
	rt2 := third.str("refresh_token")

	// Reuse of the first, already rotated token: refused, and the family
	// (including the newest token and its access token) is revoked.
	reuse := refresh(t, s, rt0)
	if reuse.status != http.StatusForbidden || reuse.str("error") != "invalid_grant" {
		t.Errorf("reused refresh token = %d %v; want 403 invalid_grant", reuse.status, reuse.body)
	}
	if res := refresh(t, s, rt2); res.status != http.StatusForbidden || res.str("error") != "invalid_grant" {
		t.Errorf("newest refresh token after reuse = %d %v; want 403 invalid_grant (family revoked)", res.status, res.body)
	}
	if status, _ := userinfo(t, s, "Bearer "+third.str("access_token")); status != http.StatusUnauthorized {
		t.Errorf("userinfo after reuse = %d; want 401", status)
	}

	// Another sign-in is a separate family and is not affected.
	other := mustTokens(t, s, cb)
	if res := refresh(t, s, other.str("refresh_token")); res.status != http.StatusOK {
		t.Errorf("refresh of another family = %d %v; want 200", res.status, res.body)
	}
}

// TestRefreshDownscope: a refresh may ask for fewer scopes, never more.
func TestRefreshDownscope(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	first := mustTokens(t, s, cb)
	res := postToken(t, s.URL(), url.Values{
		"grant_type": {"refresh_token"}, "client_id": {auth0sim.DefaultClientID},
		"refresh_token": {first.str("refresh_token")}, "scope": {"openid email"},
	})
	if res.status != http.StatusOK || res.str("scope") != "openid email" {
		t.Fatalf("downscoped refresh = %d %v; want 200 scope %q", res.status, res.body, "openid email")
	}
	res = postToken(t, s.URL(), url.Values{
		"grant_type": {"refresh_token"}, "client_id": {auth0sim.DefaultClientID},
		"refresh_token": {res.str("refresh_token")}, "scope": {"openid admin"},
	})
	if res.status != http.StatusForbidden {
		t.Errorf("upscoped refresh = %d %v; want 403", res.status, res.body)
	}
}

// TestScopes: a refresh token only with offline_access, an id token only
// with openid.
func TestScopes(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	tests := []struct {
		scope            string
		refresh, idToken bool
	}{
		{"openid profile email offline_access", true, true},
		{"openid profile email", false, true},
		{"offline_access", true, false},
		{"", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.scope, func(t *testing.T) {
			p := newPKCE()
			code := signIn(t, s, cb, p, map[string]string{"scope": tt.scope})
			res := exchange(t, s, code, p.verifier, cb.redirectURI())
			if res.status != http.StatusOK {
				t.Fatalf("exchange = %d %v", res.status, res.body)
			}
			if got := res.str("refresh_token") != ""; got != tt.refresh {
				t.Errorf("scope %q: refresh_token present = %v; want %v", tt.scope, got, tt.refresh)
			}
			if got := res.str("id_token") != ""; got != tt.idToken {
				t.Errorf("scope %q: id_token present = %v; want %v", tt.scope, got, tt.idToken)
			}
			if res.str("access_token") == "" || res.str("scope") != tt.scope {
				t.Errorf("scope %q: response %v; want an access token and the scope", tt.scope, res.body)
			}
		})
	}
}

// TestRevokeAll: every family can no longer refresh.
func TestRevokeAll(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	a, b := mustTokens(t, s, cb), mustTokens(t, s, cb)
	s.RevokeAll()
	for _, res := range []tokenResult{a, b} {
		if r := refresh(t, s, res.str("refresh_token")); r.status != http.StatusForbidden || r.str("error") != "invalid_grant" {
			t.Errorf("refresh after RevokeAll = %d %v; want 403 invalid_grant", r.status, r.body)
		}
	}
	// A new sign-in works again.
	if r := refresh(t, s, mustTokens(t, s, cb).str("refresh_token")); r.status != http.StatusOK {
		t.Errorf("refresh of a new sign-in after RevokeAll = %d %v; want 200", r.status, r.body)
	}
}

// TestRevokeEndpoint: POST /oauth/revoke (RFC 7009) ends a family.
func TestRevokeEndpoint(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	tok := mustTokens(t, s, cb)
	resp, err := http.PostForm(s.URL()+"/oauth/revoke", url.Values{
		"client_id": {auth0sim.DefaultClientID}, "token": {tok.str("refresh_token")},
	})
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke = %d; want 200", resp.StatusCode)
	}
	if r := refresh(t, s, tok.str("refresh_token")); r.status != http.StatusForbidden {
		t.Errorf("refresh after revoke = %d %v; want 403", r.status, r.body)
	}
}

// TestTokenPadding: TokenPadding makes access and id tokens that many bytes
// longer, to test 4–8 kB tokens.
func TestTokenPadding(t *testing.T) {
	s0 := startServer(t, auth0sim.Config{})
	plain := mustTokens(t, s0, startCallback(t, s0))
	for _, pad := range []int{3500, 6500} {
		t.Run(fmt.Sprint(pad), func(t *testing.T) {
			s := startServer(t, auth0sim.Config{TokenPadding: pad})
			res := mustTokens(t, s, startCallback(t, s))
			for _, k := range []string{"access_token", "id_token"} {
				n, base := len(res.str(k)), len(plain.str(k))
				if n < 4096 || n > 8192 {
					t.Errorf("TokenPadding %d: len(%s) = %d; want 4–8 kB", pad, k, n)
				}
				if d := n - base; d < pad-4 || d > pad+4 {
					t.Errorf("TokenPadding %d: %s grew by %d bytes; want about %d", pad, k, d, pad)
				}
			}
			keys := fetchJWKS(t, s.URL())
			verifyJWT(t, keys, res.str("id_token"))
			if status, _ := userinfo(t, s, "Bearer "+res.str("access_token")); status != http.StatusOK {
				t.Errorf("userinfo with a padded token = %d; want 200", status)
			}
			if r := refresh(t, s, res.str("refresh_token")); r.status != http.StatusOK || len(r.str("access_token")) < 4096 {
				t.Errorf("refresh with padding = %d, access token %d bytes; want 200 and 4 kB+", r.status, len(r.str("access_token")))
			}
		})
	}
}

// TestConcurrentRefresh: two refreshers racing with one rotating token. One
// wins; the other is a reuse, so the family is revoked: why an application
// must have exactly one refresher.
func TestConcurrentRefresh(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	rt := mustTokens(t, s, startCallback(t, s)).str("refresh_token")
	const n = 4
	results := make(chan tokenResult, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- refresh(t, s, rt)
		}()
	}
	wg.Wait()
	close(results)
	var ok []tokenResult
	for r := range results {
		switch r.status {
		case http.StatusOK:
			ok = append(ok, r)
		case http.StatusForbidden:
		default:
			t.Errorf("concurrent refresh = %d %v; want 200 or 403", r.status, r.body)
		}
	}
	if len(ok) != 1 {
		t.Fatalf("%d concurrent refreshes succeeded; want exactly 1", len(ok))
	}
	if r := refresh(t, s, ok[0].str("refresh_token")); r.status != http.StatusForbidden {
		t.Errorf("winner's new refresh token after the losers' reuse = %d %v; want 403 (family revoked)", r.status, r.body)
	}
}

// TestCodeOtherClient: a code is only exchanged by its own client.
func TestCodeOtherClient(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	p := newPKCE()
	code := signIn(t, s, cb, p, nil)
	res := postToken(t, s.URL(), url.Values{
		"grant_type": {"authorization_code"}, "client_id": {"another-client"}, "code": {code},
		"code_verifier": {p.verifier}, "redirect_uri": {cb.redirectURI()},
	})
	if res.status != http.StatusUnauthorized || res.str("error") != "invalid_client" {
		t.Errorf("exchange by another client = %d %v; want 401 invalid_client", res.status, res.body)
	}
	if res := exchange(t, s, code, p.verifier, cb.redirectURI()); res.status != http.StatusOK {
		t.Errorf("exchange by the right client afterwards = %d %v; want 200", res.status, res.body)
	}
}
