package auth0sim

import (
	"encoding/json"
	"errors"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// oauthError is an error answer of the token endpoint, in Auth0's shape:
// {"error":"...","error_description":"..."}.
type oauthError struct {
	status int
	code   string
	desc   string
}

func (e *oauthError) Error() string { return "auth0sim: " + e.code + ": " + e.desc }

// invalidGrant is Auth0's answer to a bad code or refresh token: 403.
func invalidGrant(desc string) *oauthError {
	return &oauthError{status: http.StatusForbidden, code: "invalid_grant", desc: desc}
}

func invalidRequest(desc string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_request", desc: desc}
}

func invalidClient(desc string) *oauthError {
	return &oauthError{status: http.StatusUnauthorized, code: "invalid_client", desc: desc}
}

// tokenResponse is a successful token endpoint answer (RFC 6749 §5.1).
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope"`
	ExpiresIn    int64  `json:"expires_in"`
	TokenType    string `json:"token_type"`
}

// handleToken serves POST /oauth/token for the authorization_code
// (RFC 6749 §4.1.3, RFC 7636 §4.5) and refresh_token (RFC 6749 §6) grants.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	form, ok := s.tokenRequest(w, r)
	if !ok {
		return
	}
	var resp *tokenResponse
	var err error
	switch gt := form.Get("grant_type"); gt {
	case "":
		err = invalidRequest("Missing required parameter: grant_type")
	case "authorization_code":
		resp, err = s.exchangeCode(r, form)
	case "refresh_token":
		resp, err = s.refreshTokens(r, form)
	default:
		err = &oauthError{status: http.StatusBadRequest, code: "unsupported_grant_type",
			desc: "Unsupported grant type: " + gt}
	}
	if err != nil {
		s.log.Info("auth0sim: token request refused", "grant_type", form.Get("grant_type"), "err", err)
		s.tokenError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) exchangeCode(r *http.Request, form url.Values) (*tokenResponse, error) {
	for _, name := range []string{"code", "code_verifier", "redirect_uri"} {
		if form.Get(name) == "" {
			return nil, invalidRequest("Missing required parameter: " + name)
		}
	}
	g, err := s.redeemCode(form.Get("code"), form.Get("redirect_uri"), form.Get("code_verifier"))
	if err != nil {
		return nil, err
	}
	resp, err := s.issue(r, g, g.scope)
	if err == nil {
		s.log.Info("auth0sim: code exchanged", "sub", Subject(g.email), "offline_access", hasScope(g.scope, "offline_access"))
	}
	return resp, err
}

func (s *Server) refreshTokens(r *http.Request, form url.Values) (*tokenResponse, error) {
	tok := form.Get("refresh_token")
	if tok == "" {
		return nil, invalidRequest("Missing required parameter: refresh_token")
	}
	g, err := s.rotateRefresh(tok)
	if err != nil {
		return nil, err
	}
	scope := g.scope
	if want := normalizeScope(form.Get("scope")); want != "" {
		for _, sc := range strings.Fields(want) {
			if !hasScope(g.scope, sc) {
				return nil, &oauthError{status: http.StatusForbidden, code: "access_denied",
					desc: "Scope " + sc + " was not granted."}
			}
		}
		scope = want
	}
	resp, err := s.issue(r, g, scope)
	if err == nil {
		s.log.Info("auth0sim: refresh token rotated", "sub", Subject(g.email))
	}
	return resp, err
}

// issue mints an access token, an id token when scope has openid, and a
// refresh token when the grant has offline_access.
func (s *Server) issue(r *http.Request, g *grant, scope string) (*tokenResponse, error) {
	now := s.now()
	exp := now.Add(s.lifetime)
	iss, sub := s.baseURL(r)+"/", Subject(g.email)
	access, err := s.sign(map[string]any{
		"iss": iss, "sub": sub, "aud": s.audience, "iat": now.Unix(), "exp": exp.Unix(),
		"scope": scope, "azp": s.clientID, "jti": randomToken(16),
	})
	if err != nil {
		return nil, err
	}
	resp := &tokenResponse{
		AccessToken: access,
		Scope:       scope,
		ExpiresIn:   int64(s.lifetime / time.Second),
		TokenType:   "Bearer",
	}
	if hasScope(scope, "openid") {
		claims := profileOf(g.email, g.authTime)
		maps.Copy(claims, map[string]any{
			"iss": iss, "aud": s.clientID, "iat": now.Unix(), "exp": exp.Unix(), "auth_time": g.authTime.Unix(),
		})
		if g.nonce != "" {
			claims["nonce"] = g.nonce
		}
		if resp.IDToken, err = s.sign(claims); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.access[digest(access)] = accessToken{grant: g, scope: scope, expires: exp}
	if hasScope(g.scope, "offline_access") {
		resp.RefreshToken = randomToken(32)
		s.refresh[digest(resp.RefreshToken)] = &refreshToken{grant: g}
	}
	return resp, nil
}

// handleRevoke serves POST /oauth/revoke (RFC 7009): the refresh token's
// family can no longer be refreshed. Unknown tokens answer 200 too.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	form, ok := s.tokenRequest(w, r)
	if !ok {
		return
	}
	tok := form.Get("token")
	if tok == "" {
		s.tokenError(w, invalidRequest("Missing required parameter: token"))
		return
	}
	s.mu.Lock()
	if rt, ok := s.refresh[digest(tok)]; ok {
		rt.grant.refreshRevoked = true
	}
	s.mu.Unlock()
	s.log.Info("auth0sim: refresh token revoked")
	noStore(w.Header())
	w.WriteHeader(http.StatusOK)
}

// tokenRequest reads the parameters of a token or revocation request and
// checks the client; when they do not hold it answers the error and
// returns false.
func (s *Server) tokenRequest(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	form, err := readParams(w, r)
	if err == nil {
		err = s.checkClient(r, form)
	}
	if err != nil {
		s.tokenError(w, err)
		return nil, false
	}
	return form, true
}

// readParams reads a form body (or, as Auth0 also accepts, a JSON object of
// strings).
func readParams(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			return nil, invalidRequest("The request body is not a JSON object.")
		}
		form := url.Values{}
		for k, v := range m {
			if s, ok := v.(string); ok {
				form.Set(k, s)
			}
		}
		return form, nil
	}
	if mt != "application/x-www-form-urlencoded" {
		return nil, invalidRequest("Content-Type must be application/x-www-form-urlencoded.")
	}
	if err := r.ParseForm(); err != nil {
		return nil, invalidRequest("The request body cannot be parsed.")
	}
	for name, vals := range r.PostForm {
		if len(vals) > 1 {
			return nil, invalidRequest("Parameter " + name + " is repeated.")
		}
	}
	return r.PostForm, nil
}

// checkClient checks the client id from the body or, as a public client may
// send it, HTTP Basic with an empty secret. Public clients have no secret.
func (s *Server) checkClient(r *http.Request, form url.Values) error {
	id := form.Get("client_id")
	if user, pass, ok := r.BasicAuth(); ok {
		u, err := url.QueryUnescape(user)
		if err != nil || (id != "" && id != u) || pass != "" {
			return invalidClient("Client authentication failed.")
		}
		id = u
	}
	switch {
	case id == "":
		return invalidClient("Missing required parameter: client_id")
	case form.Get("client_secret") != "":
		return invalidClient("This client has no secret; do not send client_secret.")
	case id != s.clientID:
		return invalidClient("Unknown client.")
	}
	return nil
}

// tokenError writes err in Auth0's JSON shape.
func (s *Server) tokenError(w http.ResponseWriter, err error) {
	var oe *oauthError
	if !errors.As(err, &oe) {
		s.log.Error("auth0sim: token endpoint", "err", err)
		oe = &oauthError{status: http.StatusInternalServerError, code: "server_error", desc: "Internal error."}
	}
	if oe.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="auth0sim"`)
	}
	writeJSON(w, oe.status, map[string]string{"error": oe.code, "error_description": oe.desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	noStore(h)
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
