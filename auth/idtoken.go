package auth

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// idClaims are the id_token claims pieces-tray reads.
type idClaims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience any    `json:"aud"` // one string or a list (OpenID Connect Core §2)
	Expiry   int64  `json:"exp"`
	Email    string `json:"email"`
}

// hasAudience reports whether aud, an "aud" claim, names clientID.
func hasAudience(aud any, clientID string) bool {
	switch a := aud.(type) {
	case string:
		return a == clientID
	case []any:
		return slices.Contains(a, any(clientID))
	}
	return false
}

// clockSkew is the leeway allowed on the id_token's expiry.
const clockSkew = 2 * time.Minute

// maxJWKSBytes bounds the key set read from the server.
const maxJWKSBytes = 1 << 20

// keySet fetches and caches the server's signing keys
// (/.well-known/jwks.json). It is safe for concurrent use.
type keySet struct {
	url string
	hc  *http.Client

	mu   sync.Mutex // guards keys
	keys map[string]*rsa.PublicKey
}

// key returns the RSA key with id kid, fetching the key set when the key is
// not cached (keys rotate).
func (k *keySet) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if pk, ok := k.keys[kid]; ok {
		return pk, nil
	}
	keys, err := k.fetch(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: fetch signing keys: %w", err)
	}
	k.keys = keys
	pk, ok := keys[kid]
	if !ok {
		return nil, fmt.Errorf("auth: id_token signed with unknown key %q", kid)
	}
	return pk, nil
}

func (k *keySet) fetch(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := k.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errors.New(resp.Status)
	}
	var set struct {
		Keys []struct {
			Kty, Kid, Use, Alg, N, E string
		} `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJWKSBytes)).Decode(&set); err != nil {
		return nil, err
	}
	keys := make(map[string]*rsa.PublicKey)
	for _, j := range set.Keys {
		if j.Kty != "RSA" || (j.Use != "" && j.Use != "sig") {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(j.N)
		e, err2 := base64.RawURLEncoding.DecodeString(j.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			continue
		}
		pk := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pk.N.BitLen() < 2048 {
			continue
		}
		keys[j.Kid] = pk
	}
	return keys, nil
}

// verifyIDToken checks an RS256 id_token's signature against the key set
// and its issuer, audience and expiry, and returns its claims.
func verifyIDToken(ctx context.Context, ks *keySet, raw, issuer, clientID string, now time.Time) (*idClaims, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, errors.New("auth: id_token is not a JWT")
	}
	var hdr struct{ Alg, Kid string }
	if err := decodeSegment(parts[0], &hdr); err != nil {
		return nil, fmt.Errorf("auth: id_token header: %w", err)
	}
	if hdr.Alg != "RS256" {
		return nil, fmt.Errorf("auth: id_token algorithm %q is not RS256", hdr.Alg)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, fmt.Errorf("auth: id_token signature: %w", err)
	}
	pk, err := ks.key(ctx, hdr.Kid)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pk, crypto.SHA256, sum[:], sig); err != nil {
		return nil, errors.New("auth: id_token signature does not verify")
	}
	var c idClaims
	if err := decodeSegment(parts[1], &c); err != nil {
		return nil, fmt.Errorf("auth: id_token claims: %w", err)
	}
	if strings.TrimRight(c.Issuer, "/") != strings.TrimRight(issuer, "/") {
		return nil, fmt.Errorf("auth: id_token issuer %q is not %q", c.Issuer, issuer)
	}
	if !hasAudience(c.Audience, clientID) {
		return nil, fmt.Errorf("auth: id_token is not for client %q", clientID)
	}
	if c.Expiry == 0 || now.After(time.Unix(c.Expiry, 0).Add(clockSkew)) {
		return nil, errors.New("auth: id_token has expired")
	}
	if c.Subject == "" {
		return nil, errors.New("auth: id_token has no subject")
	}
	return &c, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
