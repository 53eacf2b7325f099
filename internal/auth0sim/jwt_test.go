package auth0sim_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
	"testing"
)

// jwksKey is one key of /.well-known/jwks.json.
type jwksKey struct {
	Kty, Use, Alg, Kid, N, E string
}

// fetchJWKS reads the server's key set.
func fetchJWKS(t *testing.T, base string) []jwksKey {
	t.Helper()
	resp, err := http.Get(base + "/.well-known/jwks.json")
	if err != nil {
		t.Fatalf("GET jwks: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET jwks = %d; want 200", resp.StatusCode)
	}
	var set struct{ Keys []jwksKey }
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatalf("decode jwks: %v", err)
	}
	return set.Keys
}

// verifyJWT checks an RS256 compact JWS against a key set, the way a client
// library does, and returns its header and claims.
func verifyJWT(t *testing.T, keys []jwksKey, token string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts; want 3", len(parts))
	}
	header = decodeSegment(t, parts[0])
	if header["alg"] != "RS256" {
		t.Fatalf("alg = %v; want RS256", header["alg"])
	}
	var key *rsa.PublicKey
	for _, k := range keys {
		if k.Kid == header["kid"] && k.Kty == "RSA" {
			n, err := base64.RawURLEncoding.DecodeString(k.N)
			if err != nil {
				t.Fatalf("jwk n: %v", err)
			}
			e, err := base64.RawURLEncoding.DecodeString(k.E)
			if err != nil {
				t.Fatalf("jwk e: %v", err)
			}
			key = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		}
	}
	if key == nil {
		t.Fatalf("no JWKS key has kid %v", header["kid"])
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatalf("signature: %v", err)
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("signature does not verify with the JWKS key: %v", err)
	}
	return header, decodeSegment(t, parts[1])
}

// claimsOf decodes a JWT's claims without checking it.
func claimsOf(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts; want 3", len(parts))
	}
	return decodeSegment(t, parts[1])
}

func decodeSegment(t *testing.T, seg string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatalf("segment is not base64url: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("segment is not JSON: %v", err)
	}
	return m
}

// forge builds a JWT with the given header and claims, signed by key (or
// with an empty signature when key is nil).
func forge(t *testing.T, key *rsa.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	signing := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	if key == nil {
		return signing + "."
	}
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}
