package auth0sim

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/big"
)

// sign returns claims, with the "pad" claim of Config.TokenPadding, as a
// compact RS256 JWS (RFC 7515, RFC 7519).
func (s *Server) sign(claims map[string]any) (string, error) {
	if pad := padding(s.padding); pad != "" {
		claims["pad"] = pad
	}
	// Maps of strings, numbers and booleans always marshal.
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": s.kid})
	p, _ := json.Marshal(claims)
	signing := b64(h) + "." + b64(p)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(nil, s.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("auth0sim: sign jwt: %w", err)
	}
	return signing + "." + b64(sig), nil
}

// publicKey returns the key id, the RFC 7638 thumbprint of pub, and the
// JSON Web Key Set (RFC 7517, RFC 7518 §6.3) served at
// /.well-known/jwks.json.
func publicKey(pub *rsa.PublicKey) (string, map[string][]map[string]string) {
	jwk := map[string]string{"e": b64(big.NewInt(int64(pub.E)).Bytes()), "kty": "RSA", "n": b64(pub.N.Bytes())}
	// The required members in lexicographic order, no whitespace (RFC 7638
	// §3): json.Marshal sorts map keys.
	canon, _ := json.Marshal(jwk)
	sum := sha256.Sum256(canon)
	kid := b64(sum[:])
	jwk["use"], jwk["alg"], jwk["kid"] = "sig", "RS256", kid
	return kid, map[string][]map[string]string{"keys": {jwk}}
}

// padding returns filler for the "pad" claim that makes a token about n
// bytes longer: the claim (`,"pad":"..."`) is base64url-encoded in the token,
// so it carries 3/4 of n. The filler is random, so it does not compress.
func padding(n int) string {
	l := n*3/4 - len(`,"pad":""`)
	if l <= 0 {
		return ""
	}
	return randomToken(l)[:l]
}
