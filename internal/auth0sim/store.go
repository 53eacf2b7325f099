package auth0sim

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"sync"
	"time"
)

// usedCodeMemory is how long a redeemed or expired code is remembered, so
// that a replay is recognised (and revokes what the code produced).
const usedCodeMemory = 10 * time.Minute

// authorization is what the person approved: immutable once made.
type authorization struct {
	clientID string
	email    string // normalized
	scope    string // space separated, as granted
	audience string
	nonce    string
	authTime time.Time
}

// authCode is an issued authorization code (RFC 6749 §4.1.2).
type authCode struct {
	auth        authorization
	redirectURI string // exactly as sent to /authorize
	challenge   string // PKCE S256 code_challenge
	expires     time.Time
	used        bool
	grant       *grant // what the code produced, once redeemed
}

// grant is one sign-in: the family of refresh tokens and the access tokens
// issued from one authorization code.
type grant struct {
	authorization
	revoked        bool // everything from it (code replay, refresh token reuse)
	refreshRevoked bool // refresh tokens only (RevokeAll, /oauth/revoke)
}

func (g *grant) refreshUsable() bool { return !g.revoked && !g.refreshRevoked }

type refreshEntry struct {
	grant *grant
	used  bool // rotated away: presenting it again is reuse
}

type accessEntry struct {
	grant   *grant
	expires time.Time
}

// grantStore holds codes, grants and tokens. Codes and refresh tokens are
// kept by their SHA-256, never in the clear.
type grantStore struct {
	mu      sync.Mutex // guards the maps and the revoked flags of grants
	codes   map[string]*authCode
	refresh map[string]*refreshEntry
	access  map[string]accessEntry // by jti
}

func newGrantStore() *grantStore {
	return &grantStore{
		codes:   make(map[string]*authCode),
		refresh: make(map[string]*refreshEntry),
		access:  make(map[string]accessEntry),
	}
}

// newCode stores and returns a fresh authorization code.
func (st *grantStore) newCode(a authorization, redirectURI, challenge string, now time.Time) string {
	code := randomToken(32)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.pruneLocked(now)
	st.codes[digest(code)] = &authCode{
		auth:        a,
		redirectURI: redirectURI,
		challenge:   challenge,
		expires:     now.Add(codeLifetime),
	}
	return code
}

// redeemCode checks an authorization_code grant and, when it holds, makes the
// code used and returns a new grant. A code is good for one attempt: a second
// presentation is a replay, which revokes every token the code produced
// (RFC 6749 §4.1.2).
func (st *grantStore) redeemCode(code, clientID, redirectURI, verifier string, now time.Time) (*grant, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	c, ok := st.codes[digest(code)]
	switch {
	case !ok:
		return nil, invalidGrant("Invalid authorization code")
	case c.used:
		if c.grant != nil {
			c.grant.revoked = true
		}
		return nil, invalidGrant("Invalid authorization code")
	}
	c.used = true
	switch {
	case !now.Before(c.expires):
		return nil, invalidGrant("Invalid authorization code")
	case c.auth.clientID != clientID:
		return nil, invalidGrant("Invalid authorization code")
	case c.redirectURI != redirectURI:
		return nil, invalidGrant("The redirect_uri does not match the one used in the authorization request.")
	case !verifyPKCE(verifier, c.challenge):
		return nil, invalidGrant("Failed to verify code verifier")
	}
	c.grant = &grant{authorization: c.auth}
	return c.grant, nil
}

// newRefresh stores and returns a new refresh token of g's family.
func (st *grantStore) newRefresh(g *grant) string {
	tok := randomToken(32)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.refresh[digest(tok)] = &refreshEntry{grant: g}
	return tok
}

// rotateRefresh accepts a refresh token once: it is then used, and the caller
// issues its successor. Presenting a used token revokes the whole family.
func (st *grantStore) rotateRefresh(tok, clientID string) (*grant, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	e, ok := st.refresh[digest(tok)]
	switch {
	case !ok || e.grant.clientID != clientID:
		return nil, invalidGrant("Unknown or invalid refresh token.")
	case e.used:
		e.grant.revoked = true
		return nil, invalidGrant("Unknown or invalid refresh token.")
	case !e.grant.refreshUsable():
		return nil, invalidGrant("Unknown or invalid refresh token.")
	}
	e.used = true
	return e.grant, nil
}

// revokeRefresh revokes the family of a refresh token (RFC 7009). Unknown
// tokens are ignored.
func (st *grantStore) revokeRefresh(tok, clientID string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if e, ok := st.refresh[digest(tok)]; ok && e.grant.clientID == clientID {
		e.grant.refreshRevoked = true
	}
}

func (st *grantStore) revokeAllRefresh() {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, e := range st.refresh {
		e.grant.refreshRevoked = true
	}
}

// recordAccess remembers which grant an access token (by jti) came from.
func (st *grantStore) recordAccess(jti string, g *grant, expires time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.access[jti] = accessEntry{grant: g, expires: expires}
}

// accessGrant returns the grant of a live access token.
func (st *grantStore) accessGrant(jti string, now time.Time) (*grant, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	e, ok := st.access[jti]
	if !ok || e.grant.revoked || !now.Before(e.expires) {
		return nil, false
	}
	return e.grant, true
}

// pruneLocked forgets long-expired codes and expired access tokens.
func (st *grantStore) pruneLocked(now time.Time) {
	for k, c := range st.codes {
		if now.After(c.expires.Add(usedCodeMemory)) {
			delete(st.codes, k)
		}
	}
	for k, e := range st.access {
		if !now.Before(e.expires) {
			delete(st.access, k)
		}
	}
}

// verifyPKCE checks a code_verifier against an S256 code_challenge
// (RFC 7636 §4.1, §4.6): 43–128 unreserved characters whose SHA-256,
// base64url without padding, equals the challenge.
func verifyPKCE(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	for _, c := range []byte(verifier) {
		if !isUnreserved(c) {
			return false
		}
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// isUnreserved reports whether c is an RFC 3986 unreserved character.
func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// randomToken returns n random bytes, base64url without padding.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

func digest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return string(sum[:])
}

// transaction is a sign-in page waiting for its form: the id in the form
// and the browser cookie together make the POST CSRF-safe.
type transaction struct {
	req     authRequest
	browser string // browser cookie value of the GET that made the page
	expires time.Time
}

// browserStore holds sign-in transactions and browser sessions (who signed
// in with which browser, ended by /v2/logout).
type browserStore struct {
	mu       sync.Mutex // guards both maps
	txs      map[string]*transaction
	sessions map[string]string // browser cookie → email
}

func newBrowserStore() *browserStore {
	return &browserStore{txs: make(map[string]*transaction), sessions: make(map[string]string)}
}

func (bs *browserStore) newTx(req authRequest, browser string, now time.Time) string {
	id := randomToken(24)
	bs.mu.Lock()
	defer bs.mu.Unlock()
	for k, tx := range bs.txs {
		if !now.Before(tx.expires) {
			delete(bs.txs, k)
		}
	}
	bs.txs[id] = &transaction{req: req, browser: browser, expires: now.Add(transactionLifetime)}
	return id
}

// tx returns a live transaction.
func (bs *browserStore) tx(id string, now time.Time) (*transaction, bool) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	tx, ok := bs.txs[id]
	if !ok || !now.Before(tx.expires) {
		return nil, false
	}
	return tx, true
}

// finish removes a transaction; it reports false when it was already gone
// (a second submit of the same page).
func (bs *browserStore) finish(id string) bool {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	_, ok := bs.txs[id]
	delete(bs.txs, id)
	return ok
}

func (bs *browserStore) setSession(browser, email string) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	bs.sessions[browser] = email
}

func (bs *browserStore) session(browser string) string {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	return bs.sessions[browser]
}

func (bs *browserStore) endSession(browser string) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	delete(bs.sessions, browser)
}
