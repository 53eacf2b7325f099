package auth0sim

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

// profileOf is the profile Auth0 gives a database user with this email
// (OpenID Connect Core §5.1): name is the address, nickname its local part,
// picture a Gravatar URL.
func profileOf(email string, updated time.Time) map[string]any {
	nick, _, _ := strings.Cut(email, "@")
	sum := sha256.Sum256([]byte(email))
	return map[string]any{
		"sub":            Subject(email),
		"email":          email,
		"email_verified": true,
		"name":           email,
		"nickname":       nick,
		"picture":        "https://s.gravatar.com/avatar/" + hex.EncodeToString(sum[:]) + "?s=480&r=pg&d=identicon",
		"updated_at":     updated.UTC().Format("2006-01-02T15:04:05.000Z"),
	}
}

// scopeClaims are the profile claims each scope grants; sub is always
// granted (OpenID Connect Core §5.4).
var scopeClaims = map[string][]string{
	"email":   {"email", "email_verified"},
	"profile": {"name", "nickname", "picture", "updated_at"},
}

// handleUserinfo serves /userinfo for a Bearer access token (RFC 6750 §2.1).
// Unknown, expired and revoked tokens, and tokens without the openid scope,
// get 401 with a WWW-Authenticate challenge (RFC 6750 §3).
func (s *Server) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		unauthorized(w, "invalid_request", "Missing Bearer access token")
		return
	}
	s.mu.Lock()
	at, ok := s.access[digest(tok)]
	live := ok && !at.grant.revoked && s.now().Before(at.expires)
	s.mu.Unlock()
	switch {
	case !live:
		unauthorized(w, "invalid_token", "Invalid, expired or revoked access token")
	case !hasScope(at.scope, "openid"): // as with Auth0
		unauthorized(w, "invalid_token", "Access token was not granted the openid scope")
	default:
		p := profileOf(at.grant.email, at.grant.authTime)
		out := map[string]any{"sub": p["sub"]}
		for scope, names := range scopeClaims {
			for _, name := range names {
				if hasScope(at.scope, scope) {
					out[name] = p[name]
				}
			}
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// unauthorized answers 401 with a Bearer challenge, which names the error
// only when the request had a token (RFC 6750 §3.1).
func unauthorized(w http.ResponseWriter, code, desc string) {
	challenge := `Bearer realm="auth0sim"`
	if code == "invalid_token" {
		challenge += `, error="invalid_token", error_description="` + desc + `"`
	}
	w.Header().Set("WWW-Authenticate", challenge)
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": code, "error_description": desc})
}

// handleDiscovery serves the OpenID Provider metadata (OpenID Connect
// Discovery §3), with only what this server supports.
func (s *Server) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	base := s.baseURL(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                base + "/",
		"authorization_endpoint":                base + "/authorize",
		"token_endpoint":                        base + "/oauth/token",
		"userinfo_endpoint":                     base + "/userinfo",
		"jwks_uri":                              base + "/.well-known/jwks.json",
		"revocation_endpoint":                   base + "/oauth/revoke",
		"end_session_endpoint":                  base + "/v2/logout",
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{modeQuery, modeFormPost},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"code_challenge_methods_supported":      []string{"S256"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"none"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"claims_supported": []string{"aud", "auth_time", "email", "email_verified", "exp", "iat", "iss",
			"name", "nickname", "nonce", "picture", "sub", "updated_at"},
	})
}

// handleLogout serves Auth0's GET /v2/logout: it ends this browser's
// session and, when returnTo is given with a known client_id and is an
// allowed URL, redirects there. It does not revoke refresh tokens.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	returnTo, clientID := q.Get("returnTo"), q.Get("client_id")
	if clientID != "" && clientID != s.clientID {
		s.messagePage(w, http.StatusBadRequest, "Unknown application",
			"The application asking to sign you out (client_id "+clientID+") is not registered here.", "")
		return
	}
	if returnTo != "" && (clientID == "" || !s.logoutAllowed(returnTo)) {
		s.messagePage(w, http.StatusBadRequest, "Sign-out return URL not allowed",
			"The returnTo URL is not in the list of allowed logout URLs for this application.", "returnTo: "+returnTo)
		return
	}
	if c, err := r.Cookie(browserCookie); err == nil {
		s.mu.Lock()
		delete(s.sessions, c.Value)
		s.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{
		Name: browserCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	s.log.Info("auth0sim: browser session ended")
	if returnTo == "" {
		s.messagePage(w, http.StatusOK, "Signed out", "You are signed out of the demo sign-in server.", "")
		return
	}
	found(w, returnTo)
}
