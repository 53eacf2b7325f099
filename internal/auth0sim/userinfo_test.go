package auth0sim_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"piecestray/internal/auth0sim"
)

// TestUserinfoUnauthorized: bad, forged, expired and revoked access tokens
// get 401 with a Bearer challenge.
func TestUserinfoUnauthorized(t *testing.T) {
	clk := newFakeClock()
	s := startServer(t, auth0sim.Config{Now: clk.Now, TokenLifetime: 10 * time.Minute})
	cb := startCallback(t, s)
	tokens := mustTokens(t, s, cb)
	good := tokens.str("access_token")
	h, c := decodeSegment(t, strings.Split(good, ".")[0]), claimsOf(t, good)

	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	withClaim := func(k string, v any) map[string]any {
		m := map[string]any{}
		for k, v := range c {
			m[k] = v
		}
		m[k] = v
		return m
	}
	none := map[string]any{"alg": "none", "typ": "JWT", "kid": h["kid"]}
	hs := map[string]any{"alg": "HS256", "typ": "JWT", "kid": h["kid"]}
	tamperedParts := strings.Split(good, ".")
	tamperedParts[1] = strings.Split(forge(t, nil, h, withClaim("sub", "auth0|someone-else")), ".")[1]

	tests := []struct{ name, header string }{
		{"no header", ""},
		{"basic scheme", "Basic " + good},
		{"empty bearer", "Bearer "},
		{"garbage", "Bearer not.a.jwt"},
		{"id token instead", "Bearer " + tokens.str("id_token")},
		{"alg none", "Bearer " + forge(t, nil, none, c)},
		{"alg HS256", "Bearer " + strings.TrimSuffix(forge(t, nil, hs, c), ".") + ".c2ln"},
		{"other key", "Bearer " + forge(t, otherKey, h, c)},
		{"tampered claims", "Bearer " + strings.Join(tamperedParts, ".")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, s.URL()+"/userinfo", nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			readBody(t, resp)
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("userinfo with %s = %d %q; want 401 with a Bearer challenge",
					tt.name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
		})
	}

	t.Run("lowercase bearer", func(t *testing.T) {
		if status, _ := userinfo(t, s, "bearer "+good); status != http.StatusOK {
			t.Errorf("userinfo with lowercase scheme = %d; want 200", status)
		}
	})
	t.Run("expiry", func(t *testing.T) {
		clk.Advance(10*time.Minute - time.Second)
		if status, _ := userinfo(t, s, "Bearer "+good); status != http.StatusOK {
			t.Errorf("userinfo 1 s before expiry = %d; want 200", status)
		}
		clk.Advance(time.Second)
		if status, _ := userinfo(t, s, "Bearer "+good); status != http.StatusUnauthorized {
			t.Errorf("userinfo at expiry = %d; want 401", status)
		}
	})
}

// TestUserinfoScopes: /userinfo takes only tokens granted openid, and
// answers the claims of the granted scopes, as Auth0 does.
func TestUserinfoScopes(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	tests := []struct {
		scope      string
		wantStatus int
		wantKeys   []string
	}{
		{"openid profile email offline_access", http.StatusOK,
			[]string{"sub", "email", "email_verified", "name", "nickname", "picture", "updated_at"}},
		{"openid email", http.StatusOK, []string{"sub", "email", "email_verified"}},
		{"openid profile", http.StatusOK, []string{"sub", "name", "nickname", "picture", "updated_at"}},
		{"openid", http.StatusOK, []string{"sub"}},
		{"offline_access", http.StatusUnauthorized, nil},
		{"", http.StatusUnauthorized, nil},
	}
	for _, tt := range tests {
		t.Run(tt.scope, func(t *testing.T) {
			p := newPKCE()
			code := signIn(t, s, cb, p, map[string]string{"scope": tt.scope})
			res := exchange(t, s, code, p.verifier, cb.redirectURI())
			if res.status != http.StatusOK {
				t.Fatalf("exchange = %d %v", res.status, res.body)
			}
			status, body := userinfo(t, s, "Bearer "+res.str("access_token"))
			if status != tt.wantStatus {
				t.Fatalf("userinfo(scope %q) = %d; want %d", tt.scope, status, tt.wantStatus)
			}
			if status != http.StatusOK {
				return
			}
			var got []string
			for k := range body {
				got = append(got, k)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tt.wantKeys))
			if !slices.Equal(got, want) {
				t.Errorf("userinfo(scope %q) claims = %v; want %v", tt.scope, got, want)
			}
			if body["sub"] != auth0sim.Subject(testEmail) {
				t.Errorf("userinfo(scope %q) sub = %v; want the subject", tt.scope, body["sub"])
			}
		})
	}
}

// TestExpiredTokensRefresh: after the access token expires (fake clock), a
// refresh gives a fresh one whose exp follows the clock.
func TestExpiredTokensRefresh(t *testing.T) {
	clk := newFakeClock()
	s := startServer(t, auth0sim.Config{Now: clk.Now, TokenLifetime: 5 * time.Minute})
	cb := startCallback(t, s)
	first := mustTokens(t, s, cb)
	if got := first.body["expires_in"]; got != float64(300) {
		t.Errorf("expires_in = %v; want 300", got)
	}
	if exp := claimsOf(t, first.str("access_token"))["exp"]; exp != float64(clk.Now().Add(5*time.Minute).Unix()) {
		t.Errorf("access token exp = %v; want now+5m by the injected clock", exp)
	}
	clk.Advance(time.Hour)
	if status, _ := userinfo(t, s, "Bearer "+first.str("access_token")); status != http.StatusUnauthorized {
		t.Errorf("userinfo with expired token = %d; want 401", status)
	}
	second := refresh(t, s, first.str("refresh_token"))
	if second.status != http.StatusOK {
		t.Fatalf("refresh after expiry = %d %v; want 200", second.status, second.body)
	}
	if status, _ := userinfo(t, s, "Bearer "+second.str("access_token")); status != http.StatusOK {
		t.Errorf("userinfo with refreshed token = %d; want 200", status)
	}
	if exp := claimsOf(t, second.str("id_token"))["exp"]; exp != float64(clk.Now().Add(5*time.Minute).Unix()) {
		t.Errorf("refreshed id token exp = %v; want now+5m", exp)
	}
}

// TestDiscoveryAndJWKS: the OpenID metadata points at this server and the
// key set verifies what the server signs.
func TestDiscoveryAndJWKS(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	resp, err := http.Get(s.URL() + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var meta map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&meta); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"issuer":                 s.URL() + "/",
		"authorization_endpoint": s.URL() + "/authorize",
		"token_endpoint":         s.URL() + "/oauth/token",
		"userinfo_endpoint":      s.URL() + "/userinfo",
		"jwks_uri":               s.URL() + "/.well-known/jwks.json",
		"end_session_endpoint":   s.URL() + "/v2/logout",
	}
	for k, v := range want {
		if meta[k] != v {
			t.Errorf("openid-configuration %s = %v; want %q", k, meta[k], v)
		}
	}
	if m, _ := json.Marshal(meta["code_challenge_methods_supported"]); string(m) != `["S256"]` {
		t.Errorf("code_challenge_methods_supported = %s; want [\"S256\"]", m)
	}
	keys := fetchJWKS(t, s.URL())
	if len(keys) != 1 || keys[0].Kty != "RSA" || keys[0].Alg != "RS256" || keys[0].Use != "sig" || keys[0].Kid == "" {
		t.Fatalf("jwks = %+v; want one RSA RS256 signing key with a kid", keys)
	}
	tok := mustTokens(t, s, startCallback(t, s))
	if h, _ := verifyJWT(t, keys, tok.str("id_token")); h["kid"] != keys[0].Kid {
		t.Errorf("id_token kid = %v; want %q", h["kid"], keys[0].Kid)
	}
}

// TestLogout: /v2/logout checks client_id and returnTo before redirecting,
// and ends the browser session.
func TestLogout(t *testing.T) {
	s := startServer(t, auth0sim.Config{})
	cb := startCallback(t, s)
	_, port, _ := strings.Cut(strings.TrimPrefix(cb.srv.URL, "http://"), ":")
	tests := []struct {
		name     string
		query    url.Values
		status   int
		location string
	}{
		{"no returnTo", url.Values{"client_id": {auth0sim.DefaultClientID}}, http.StatusOK, ""},
		{"callback returnTo", url.Values{"client_id": {auth0sim.DefaultClientID}, "returnTo": {cb.redirectURI()}},
			http.StatusFound, cb.redirectURI()},
		{"root of the callback's origin", url.Values{"client_id": {auth0sim.DefaultClientID},
			"returnTo": {"http://127.0.0.1:" + port + "/"}}, http.StatusFound, "http://127.0.0.1:" + port + "/"},
		{"callback on another port", url.Values{"client_id": {auth0sim.DefaultClientID},
			"returnTo": {"http://127.0.0.1:1/callback"}}, http.StatusBadRequest, ""},
		{"root on another port", url.Values{"client_id": {auth0sim.DefaultClientID},
			"returnTo": {"http://127.0.0.1:1/"}}, http.StatusBadRequest, ""},
		{"documented callback", url.Values{"client_id": {auth0sim.DefaultClientID},
			"returnTo": {"http://localhost:3000/pkce/response/code"}}, http.StatusFound, "http://localhost:3000/pkce/response/code"},
		{"returnTo without client_id", url.Values{"returnTo": {cb.redirectURI()}}, http.StatusBadRequest, ""},
		{"foreign returnTo", url.Values{"client_id": {auth0sim.DefaultClientID}, "returnTo": {"https://evil.example/"}},
			http.StatusBadRequest, ""},
		{"localhost returnTo", url.Values{"client_id": {auth0sim.DefaultClientID},
			"returnTo": {"http://localhost:" + port + "/callback"}}, http.StatusBadRequest, ""},
		{"unknown client", url.Values{"client_id": {"other"}}, http.StatusBadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := noFollow(newBrowser(t))
			resp, err := b.Get(s.URL() + "/v2/logout?" + tt.query.Encode())
			if err != nil {
				t.Fatal(err)
			}
			readBody(t, resp)
			if resp.StatusCode != tt.status || resp.Header.Get("Location") != tt.location {
				t.Errorf("logout %v = %d Location %q; want %d %q", tt.query, resp.StatusCode,
					resp.Header.Get("Location"), tt.status, tt.location)
			}
		})
	}
}

// TestLifecycle: Start, URL and Close, and New with a generated key.
func TestLifecycle(t *testing.T) {
	s := auth0sim.New(auth0sim.Config{}) // generates its key
	if s.URL() != "" {
		t.Errorf("URL() before Start = %q; want empty", s.URL())
	}
	if err := s.Start(""); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Errorf("URL() = %q; want http://127.0.0.1:PORT", s.URL())
	}
	if err := s.Start("127.0.0.1:0"); err == nil {
		t.Errorf("second Start = nil; want an error")
	}
	if status, _ := userinfo(t, s, ""); status != http.StatusUnauthorized {
		t.Errorf("userinfo without token = %d; want 401", status)
	}
	base := s.URL()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := http.Get(base + "/.well-known/jwks.json"); err == nil {
		t.Errorf("server still answers after Close")
	}
	if err := s.Start(""); err == nil {
		t.Errorf("Start after Close = nil; want an error")
	}
}

// lockedBuffer is a log destination safe for the server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestNoSecretsInLog: a sign-in, refreshes, a replay and a reuse logged at
// debug level show no code, verifier or token.
func TestNoSecretsInLog(t *testing.T) {
	var logs lockedBuffer
	s := startServer(t, auth0sim.Config{
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	cb := startCallback(t, s)
	p := newPKCE()
	code := signIn(t, s, cb, p, nil)
	first := exchange(t, s, code, p.verifier, cb.redirectURI())
	second := refresh(t, s, first.str("refresh_token"))
	userinfo(t, s, "Bearer "+second.str("access_token"))
	refresh(t, s, first.str("refresh_token"))          // reuse
	exchange(t, s, code, p.verifier, cb.redirectURI()) // replay
	userinfo(t, s, "Bearer "+second.str("access_token"))

	out := logs.String()
	if !strings.Contains(out, "code issued") {
		t.Fatalf("log has no sign-in lines; got %q", out)
	}
	secrets := map[string]string{
		"code": code, "code_verifier": p.verifier, "code_challenge": p.challenge,
		"access_token": first.str("access_token"), "id_token": first.str("id_token"),
		"refresh_token": first.str("refresh_token"), "rotated refresh_token": second.str("refresh_token"),
	}
	for name, v := range secrets {
		if v == "" {
			t.Fatalf("%s is empty", name)
		}
		if strings.Contains(out, v) {
			t.Errorf("log contains the %s", name)
		}
	}
}
