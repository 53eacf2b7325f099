package auth0sim

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"maps"
	"strings"
	"time"
)

// usedCodeMemory is how long a redeemed or expired code is remembered, so
// that a replay is recognised (and revokes what the code produced).
const usedCodeMemory = 10 * time.Minute

// authCode is an issued authorization code (RFC 6749 §4.1.2).
type authCode struct {
	grant       *grant
	redirectURI string // exactly as sent to /authorize
	challenge   string // PKCE S256 code_challenge
	expires     time.Time
	used        bool
}

// grant is one sign-in, what the person approved: the family of refresh
// tokens and the access tokens issued from one authorization code. Its
// flags are guarded by Server.mu; the rest never changes.
type grant struct {
	email          string // normalized
	scope          string // space separated, as granted
	nonce          string
	authTime       time.Time
	revoked        bool // everything from it (code replay, refresh token reuse)
	refreshRevoked bool // refresh tokens only (RevokeAll, /oauth/revoke)
}

type refreshToken struct {
	grant *grant
	used  bool // rotated away: presenting it again is reuse
}

type accessToken struct {
	grant   *grant
	scope   string
	expires time.Time
}

// transaction is a sign-in page waiting for its form: the token in the form
// and the browser cookie together make the POST CSRF-safe.
type transaction struct {
	req     authRequest
	browser string // browser cookie value of the GET that made the page
	expires time.Time
}

// newCode stores and returns a fresh authorization code.
func (s *Server) newCode(g *grant, redirectURI, challenge string) string {
	code := randomToken(32)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.pruneLocked()
	s.codes[digest(code)] = &authCode{grant: g, redirectURI: redirectURI, challenge: challenge, expires: now.Add(codeLifetime)}
	return code
}

// newTx stores a sign-in page's transaction and returns its token.
func (s *Server) newTx(req authRequest, browser string) string {
	id := randomToken(24)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.pruneLocked()
	s.txs[id] = &transaction{req: req, browser: browser, expires: now.Add(transactionLifetime)}
	return id
}

// pruneLocked forgets long-expired codes, expired access tokens and sign-in
// pages, and returns the time. s.mu must be held.
func (s *Server) pruneLocked() time.Time {
	now := s.now()
	maps.DeleteFunc(s.codes, func(_ string, c *authCode) bool { return now.After(c.expires.Add(usedCodeMemory)) })
	maps.DeleteFunc(s.access, func(_ string, at accessToken) bool { return !now.Before(at.expires) })
	maps.DeleteFunc(s.txs, func(_ string, tx *transaction) bool { return !now.Before(tx.expires) })
	return now
}

// redeemCode checks an authorization_code grant and, when it holds, makes the
// code used and returns its grant. A code is good for one attempt: a second
// presentation is a replay, which revokes every token the code produced
// (RFC 6749 §4.1.2).
func (s *Server) redeemCode(code, redirectURI, verifier string) (*grant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.codes[digest(code)]
	switch {
	case !ok:
		return nil, invalidGrant("Invalid authorization code")
	case c.used:
		c.grant.revoked = true
		return nil, invalidGrant("Invalid authorization code")
	}
	c.used = true
	switch {
	case !s.now().Before(c.expires):
		return nil, invalidGrant("Invalid authorization code")
	case c.redirectURI != redirectURI:
		return nil, invalidGrant("The redirect_uri does not match the one used in the authorization request.")
	case !verifyPKCE(verifier, c.challenge):
		return nil, invalidGrant("Failed to verify code verifier")
	}
	return c.grant, nil
}

// rotateRefresh accepts a refresh token once: it is then used, and the caller
// issues its successor. Presenting a used token revokes the whole family.
func (s *Server) rotateRefresh(tok string) (*grant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refresh[digest(tok)]
	if !ok || rt.used || rt.grant.revoked || rt.grant.refreshRevoked {
		if ok && rt.used {
			rt.grant.revoked = true
		}
		return nil, invalidGrant("Unknown or invalid refresh token.")
	}
	rt.used = true
	return rt.grant, nil
}

// unreserved are the characters of RFC 3986 §2.3.
const unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"

// verifyPKCE checks a code_verifier against an S256 code_challenge
// (RFC 7636 §4.1, §4.6): 43–128 unreserved characters whose SHA-256,
// base64url without padding, equals the challenge.
func verifyPKCE(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 || strings.Trim(verifier, unreserved) != "" {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(b64(sum[:])), []byte(challenge)) == 1
}

// randomToken returns n random bytes, base64url without padding.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return b64(b)
}

func digest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return string(sum[:])
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
