package auth_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"piecestray/auth"
)

// idProvider is a token endpoint that answers a refresh with a crafted
// id_token, and serves its JWKS.
type idProvider struct {
	key *rsa.PrivateKey
	srv *httptest.Server

	mu      sync.Mutex // guards idToken
	idToken string
}

func newIDProvider(t *testing.T, key *rsa.PrivateKey) *idProvider {
	t.Helper()
	p := &idProvider{key: key}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/jwks.json":
			json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
				"kty": "RSA", "use": "sig", "alg": "RS256", "kid": "k1",
				"n": b64u(p.key.N.Bytes()), "e": b64u(big.NewInt(int64(p.key.E)).Bytes()),
			}}})
		case "/oauth/token":
			p.mu.Lock()
			id := p.idToken
			p.mu.Unlock()
			json.NewEncoder(w).Encode(map[string]any{
				"access_token": "at", "token_type": "Bearer", "expires_in": 3600,
				"refresh_token": "rt-2", "id_token": id, "scope": "openid profile email offline_access",
			})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwt signs header and claims with key (RS256).
func jwt(t *testing.T, key *rsa.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	signing := b64u(h) + "." + b64u(c)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + b64u(sig)
}

func TestIDTokenVerification(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := newIDProvider(t, key)
	iss := p.srv.URL + "/"
	now := time.Now()
	good := func() map[string]any {
		return map[string]any{"iss": iss, "aud": auth.DefaultClientID, "sub": "auth0|abc", "email": "ada@example.com",
			"exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
	}
	hdr := map[string]any{"alg": "RS256", "typ": "JWT", "kid": "k1"}
	with := func(k string, v any) map[string]any { c := good(); c[k] = v; return c }

	tests := []struct {
		name    string
		token   string
		wantErr string // "" = valid
	}{
		{"valid", jwt(t, key, hdr, good()), ""},
		{"audience list", jwt(t, key, hdr, with("aud", []string{"other", auth.DefaultClientID})), ""},
		{"issuer without its slash", jwt(t, key, hdr, with("iss", p.srv.URL)), "different provider"}, // OpenID Connect: an exact match
		{"other key", jwt(t, other, hdr, good()), "failed to verify signature"},
		{"wrong issuer", jwt(t, key, hdr, with("iss", "https://evil.example/")), "different provider"},
		{"wrong audience", jwt(t, key, hdr, with("aud", "someone-else")), "expected audience"},
		{"expired", jwt(t, key, hdr, with("exp", now.Add(-time.Hour).Unix())), "expired"},
		{"no subject", jwt(t, key, hdr, with("sub", "")), "no subject"},
		{"unknown key id", jwt(t, key, map[string]any{"alg": "RS256", "kid": "k9"}, good()), "failed to verify signature"},
		{"alg none", b64u([]byte(`{"alg":"none"}`)) + "." + b64u([]byte(`{"sub":"x"}`)) + ".", "unexpected signature algorithm"},
		{"garbage", "not-a-jwt", "malformed jwt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.mu.Lock()
			p.idToken = tt.token
			p.mu.Unlock()
			s := auth.NewSigner(simConfig(p.srv.URL), nil, auth.WithHTTPClient(testClient(t)))
			tok, err := s.Refresh(context.Background(), "rt-1")
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Refresh() error = %v", err)
				}
				if tok.Subject() != "auth0|abc" || tok.Email() != "ada@example.com" {
					t.Errorf("Subject(), Email() = %q, %q; want auth0|abc, ada@example.com", tok.Subject(), tok.Email())
				}
				if tok.IDToken != tt.token || tok.Scope == "" || tok.RefreshToken != "rt-2" {
					t.Errorf("token lost the id_token, scope or refresh token")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Refresh() error = %v; want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestTokenAccessors(t *testing.T) {
	now := time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC)
	tests := []struct {
		expiry time.Time
		want   int
	}{
		{now.Add(90*time.Second + 500*time.Millisecond), 90},
		{now.Add(-time.Second), 0},
		{time.Time{}, 0},
	}
	for _, tt := range tests {
		tok := &auth.Token{AccessToken: "a", Expiry: tt.expiry}
		if got := tok.ExpiresIn(now); got != tt.want {
			t.Errorf("ExpiresIn(%v) with expiry %v = %d; want %d", now, tt.expiry, got, tt.want)
		}
	}
	unverified := &auth.Token{IDToken: "x.y.z"}
	if unverified.Subject() != "" || unverified.Email() != "" {
		t.Error("Subject()/Email() of an unverified id_token are not empty")
	}
	var nilTok *auth.Token
	if nilTok.ExpiresIn(now) != 0 || nilTok.Subject() != "" {
		t.Error("nil Token accessors are not zero")
	}
}
