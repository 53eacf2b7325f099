package auth0sim_test

import (
	"net/http"
	"testing"

	"piecestray/internal/auth0sim"
)

// TestLoopbackFlow is the whole sign-in: the browser opens the page, submits
// the form, follows the redirect into the application's loopback listener,
// and the application exchanges the code and calls /userinfo.
func TestLoopbackFlow(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t)
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
	status, info := userinfo(t, s, "Bearer "+res.str("access_token"))
	if status != http.StatusOK {
		t.Fatalf("userinfo = %d %v; want 200", status, info)
	}
	if info["email"] != testEmail || info["sub"] != auth0sim.Subject(testEmail) {
		t.Errorf("userinfo = %v; want email %q sub %q", info, testEmail, auth0sim.Subject(testEmail))
	}
}
