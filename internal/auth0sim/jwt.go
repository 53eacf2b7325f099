package auth0sim

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// jwtHeader is the JOSE header of the tokens this server signs.
type jwtHeader struct {
	Alg string `json:"alg"`
	Typ string `json:"typ"`
	Kid string `json:"kid"`
}

// accessClaims are the claims of an access token (an Auth0 API token).
type accessClaims struct {
	Iss   string `json:"iss"`
	Sub   string `json:"sub"`
	Aud   string `json:"aud"`
	Iat   int64  `json:"iat"`
	Exp   int64  `json:"exp"`
	Scope string `json:"scope"`
	Azp   string `json:"azp"`
	Gty   string `json:"gty,omitempty"`
	Jti   string `json:"jti"`
	Pad   string `json:"pad,omitempty"`
}

// idClaims are the claims of an OpenID Connect id token.
type idClaims struct {
	Iss           string `json:"iss"`
	Aud           string `json:"aud"`
	Sub           string `json:"sub"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	Name          string `json:"name"`
	Nickname      string `json:"nickname"`
	Picture       string `json:"picture"`
	UpdatedAt     string `json:"updated_at"`
	Iat           int64  `json:"iat"`
	Exp           int64  `json:"exp"`
	AuthTime      int64  `json:"auth_time"`
	Nonce         string `json:"nonce,omitempty"`
	Pad           string `json:"pad,omitempty"`
}

// sign returns claims as a compact RS256 JWS (RFC 7515, RFC 7519).
func (s *Server) sign(claims any) (string, error) {
	h, err := json.Marshal(jwtHeader{Alg: "RS256", Typ: "JWT", Kid: s.kid})
	if err != nil {
		return "", fmt.Errorf("auth0sim: encode jwt header: %w", err)
	}
	p, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("auth0sim: encode jwt claims: %w", err)
	}
	signing := b64(h) + "." + b64(p)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(nil, s.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("auth0sim: sign jwt: %w", err)
	}
	return signing + "." + b64(sig), nil
}

// verify checks a compact JWS signed by this server (RS256 and our kid only:
// "none" and HMAC algorithms are refused) and decodes its claims into v.
func (s *Server) verify(token string, v any) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return errors.New("auth0sim: jwt: not three parts")
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return fmt.Errorf("auth0sim: jwt header: %w", err)
	}
	var h jwtHeader
	if err := json.Unmarshal(hb, &h); err != nil {
		return fmt.Errorf("auth0sim: jwt header: %w", err)
	}
	if h.Alg != "RS256" || h.Kid != s.kid {
		return fmt.Errorf("auth0sim: jwt: unexpected alg %q or kid", h.Alg)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return fmt.Errorf("auth0sim: jwt signature: %w", err)
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&s.key.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("auth0sim: jwt signature: %w", err)
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return fmt.Errorf("auth0sim: jwt claims: %w", err)
	}
	if err := json.Unmarshal(pb, v); err != nil {
		return fmt.Errorf("auth0sim: jwt claims: %w", err)
	}
	return nil
}

// jwk is an RSA public key as a JSON Web Key (RFC 7517, RFC 7518 §6.3).
type jwk struct {
	Kty string `json:"kty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
	Kid string `json:"kid,omitempty"`
	N   string `json:"n"`
	E   string `json:"e"`
}

func publicJWK(pub *rsa.PublicKey) jwk {
	return jwk{
		Kty: "RSA",
		N:   b64(pub.N.Bytes()),
		E:   b64(big.NewInt(int64(pub.E)).Bytes()),
	}
}

// keyID is the RFC 7638 thumbprint of the public key.
func keyID(pub *rsa.PublicKey) string {
	k := publicJWK(pub)
	// Required members in lexicographic order, no whitespace (RFC 7638 §3).
	canon := `{"e":"` + k.E + `","kty":"RSA","n":"` + k.N + `"}`
	sum := sha256.Sum256([]byte(canon))
	return b64(sum[:])
}

// jwks is the JSON Web Key Set served at /.well-known/jwks.json.
func (s *Server) jwks() map[string][]jwk {
	k := publicJWK(&s.key.PublicKey)
	k.Use, k.Alg, k.Kid = "sig", "RS256", s.kid
	return map[string][]jwk{"keys": {k}}
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

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
