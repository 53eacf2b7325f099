package auth0sim

import (
	"cmp"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// browserCookie identifies a browser: a sign-in transaction is bound to the
// cookie of the browser that opened its page, and the cookie carries the
// browser session that /v2/logout ends.
const browserCookie = "auth0sim_browser"

// Response modes (OAuth 2.0 Multiple Response Type Encoding Practices §2.1,
// OAuth 2.0 Form Post Response Mode).
const (
	modeQuery    = "query"     // 302 to the redirect URI with the result in its query (the default)
	modeFormPost = "form_post" // an HTML page that posts the result to the redirect URI
)

// authRequest is a validated /authorize request.
type authRequest struct {
	redirectURI  string
	responseMode string // modeQuery or modeFormPost
	state        string
	challenge    string
	scope        string
	nonce        string
}

// handleAuthorize serves GET /authorize (RFC 6749 §4.1.1, RFC 7636 §4.3).
// Until the client, its redirect URI and the response mode are known good,
// errors are shown as a page: never send anything to an unvalidated URI
// (RFC 6749 §4.1.2.1), nor in a mode the client did not ask for.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	clientID, redirectURI := q.Get("client_id"), q.Get("redirect_uri")
	mode := cmp.Or(q.Get("response_mode"), modeQuery)
	var title, msg, detail string
	switch {
	case clientID == "":
		title, msg = "Missing client_id", "The sign-in link has no client_id parameter."
	case len(q["client_id"]) > 1 || clientID != s.clientID:
		title, msg = "Unknown application", "The application asking you to sign in (client_id "+clientID+") is not registered here."
	case redirectURI == "":
		title, msg = "Missing redirect_uri", "The sign-in link has no redirect_uri parameter."
	case len(q["redirect_uri"]) > 1 || !s.redirectAllowed(redirectURI):
		title, detail = "Callback URL mismatch", "redirect_uri: "+redirectURI
		msg = "Callback URL mismatch. The provided redirect_uri is not in the list of allowed callback URLs." // Auth0's words
	case len(q["response_mode"]) > 1 || (mode != modeQuery && mode != modeFormPost):
		title, msg = "Unsupported response mode",
			"The sign-in link asks for response_mode "+mode+"; this server answers with query or form_post."
	}
	if title != "" {
		s.log.Info("auth0sim: authorize refused", "reason", title)
		s.messagePage(w, http.StatusBadRequest, title, msg, detail)
		return
	}
	req := authRequest{
		redirectURI:  redirectURI,
		responseMode: mode,
		state:        q.Get("state"),
		challenge:    q.Get("code_challenge"),
		scope:        normalizeScope(q.Get("scope")),
		nonce:        q.Get("nonce"),
	}
	if code, desc := s.checkAuthorize(q, req); code != "" {
		s.log.Info("auth0sim: authorize refused", "error", code, "reason", desc)
		s.respond(w, req, url.Values{"error": {code}, "error_description": {desc}})
		return
	}
	// The page is prefilled, and prompt=none signs in, with login_hint or
	// else whoever signed in with this browser before.
	browser := s.browserID(w, r)
	email := normalizeEmail(q.Get("login_hint"))
	if email == "" {
		s.mu.Lock()
		email = s.sessions[browser]
		s.mu.Unlock()
	}
	if q.Get("prompt") == "none" {
		if !validEmail(email) {
			s.respond(w, req, url.Values{
				"error": {"login_required"}, "error_description": {"Login required"},
			})
			return
		}
		s.approve(w, req, browser, email)
		return
	}
	tx := s.newTx(req, browser)
	s.signInPage(w, http.StatusOK, signInData{TxID: tx, Email: email, ReturnTo: returnHost(req.redirectURI)})
}

// checkAuthorize validates what is checked once the redirect URI is known;
// it returns an RFC 6749 §4.1.2.1 error code and description, or "".
func (s *Server) checkAuthorize(q url.Values, req authRequest) (code, desc string) {
	for name, vals := range q {
		if len(vals) > 1 {
			return "invalid_request", "Parameter " + name + " is repeated."
		}
	}
	rt := q.Get("response_type")
	switch {
	case rt == "":
		return "invalid_request", "Missing required parameter: response_type"
	case rt != "code":
		return "unsupported_response_type", "Unsupported response type: " + rt
	case req.challenge == "":
		return "invalid_request", "Missing required parameter: code_challenge (PKCE is required)"
	case q.Get("code_challenge_method") != "S256":
		return "invalid_request", "code_challenge_method must be S256"
	case !validChallenge(req.challenge):
		return "invalid_request", "code_challenge must be 43 base64url characters"
	case cmp.Or(q.Get("audience"), s.audience) != s.audience:
		return "access_denied", "Service not found: " + q.Get("audience")
	}
	switch q.Get("prompt") {
	case "", "none", "login", "consent", "select_account":
	default:
		return "invalid_request", "Unsupported prompt: " + q.Get("prompt")
	}
	return "", ""
}

// handleDecision serves the POST of the sign-in page. The form carries the
// transaction's token (the hidden field "tx", known only to the page), and
// the transaction belongs to the browser cookie (SameSite=Lax) that the
// page's GET set: a page elsewhere has neither, so it cannot sign anyone in
// (the package documentation says why Origin is not checked).
func (s *Server) handleDecision(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.messagePage(w, http.StatusBadRequest, "Bad request", "The sign-in form could not be read.", "")
		return
	}
	txID, action := r.PostForm.Get("tx"), r.PostForm.Get("action")
	email := normalizeEmail(r.PostForm.Get("email"))
	if txID == "" {
		s.messagePage(w, http.StatusForbidden, "Request refused",
			"The sign-in form carries no sign-in token, so it did not come from this sign-in page. "+
				"Go back to the application and start the sign-in again.", "")
		return
	}
	// The transaction is looked up, checked and, when the form ends it,
	// removed at once: a page is submitted successfully only once.
	c, cerr := r.Cookie(browserCookie)
	s.mu.Lock()
	tx, ok := s.txs[txID]
	ok = ok && s.now().Before(tx.expires)
	sameBrowser := ok && cerr == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(tx.browser)) == 1
	if sameBrowser && (action == "deny" || action == "approve" && validEmail(email)) {
		delete(s.txs, txID)
	}
	s.mu.Unlock()
	switch {
	case !ok:
		s.messagePage(w, http.StatusBadRequest, "This sign-in page has expired",
			"It was already used or is too old. Go back to the application and start the sign-in again.", "")
	case !sameBrowser:
		s.log.Info("auth0sim: sign-in form refused: the browser cookie does not match the transaction")
		s.messagePage(w, http.StatusForbidden, "Request refused",
			"This sign-in page was opened in another browser, or cookies are blocked. "+
				"Allow cookies for this site and start the sign-in again from the application.", "")
	case action == "deny":
		s.log.Info("auth0sim: sign-in denied")
		s.respond(w, tx.req, url.Values{
			"error": {"access_denied"}, "error_description": {"User did not authorize the request"},
		})
	case action != "approve":
		s.messagePage(w, http.StatusBadRequest, "Bad request", "Choose Sign in or Deny.", "")
	case !validEmail(email):
		s.signInPage(w, http.StatusBadRequest, signInData{
			TxID: txID, Email: r.PostForm.Get("email"), ReturnTo: returnHost(tx.req.redirectURI),
			Error: "Enter an email address like name@example.com.",
		})
	default:
		s.approve(w, tx.req, tx.browser, email)
	}
}

// approve signs email in on this browser and redirects with a new code.
func (s *Server) approve(w http.ResponseWriter, req authRequest, browser, email string) {
	s.mu.Lock()
	s.sessions[browser] = email
	s.mu.Unlock()
	code := s.newCode(&grant{email: email, scope: req.scope, nonce: req.nonce, authTime: s.now()},
		req.redirectURI, req.challenge)
	s.log.Info("auth0sim: sign-in approved, code issued", "sub", Subject(email))
	s.respond(w, req, url.Values{"code": {code}})
}

// respond sends the result (params and the state) to the validated
// redirect URI in the request's response mode: a 302 with them in the query
// (RFC 6749 §4.1.2), or a page whose form posts them there (form_post).
func (s *Server) respond(w http.ResponseWriter, req authRequest, params url.Values) {
	if req.state != "" {
		params.Set("state", req.state)
	}
	if req.responseMode == modeFormPost {
		s.formPostPage(w, req.redirectURI, params)
		return
	}
	u, _ := url.Parse(req.redirectURI) // an allowed callback URL, so valid
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	found(w, u.String())
}

// found redirects to loc, uncached.
func found(w http.ResponseWriter, loc string) {
	noStore(w.Header())
	w.Header().Set("Location", loc)
	w.WriteHeader(http.StatusFound)
}

// browserID returns the browser cookie, setting a new one when absent.
func (s *Server) browserID(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(browserCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	id := randomToken(32)
	http.SetCookie(w, &http.Cookie{
		Name: browserCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	return id
}

// validChallenge: an S256 challenge is the base64url SHA-256 of the
// verifier, 43 characters (RFC 7636 §4.2).
func validChallenge(c string) bool {
	_, err := base64.RawURLEncoding.DecodeString(c)
	return len(c) == 43 && err == nil
}

// validEmail accepts a plain address: one "@", a local part and a dotted
// domain, no spaces or angle brackets, at most 254 bytes.
func validEmail(e string) bool {
	local, domain, ok := strings.Cut(e, "@")
	return ok && local != "" && len(e) <= 254 && strings.Contains(domain, ".") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".") &&
		!strings.ContainsAny(e, " \t\r\n<>()[],;:\\\"") && !strings.Contains(domain, "@")
}

// normalizeScope removes repeated and extra spaces, keeping the order.
func normalizeScope(scope string) string {
	var out []string
	for _, s := range strings.Fields(scope) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}

func hasScope(scope, want string) bool {
	return slices.Contains(strings.Fields(scope), want)
}

// returnHost is where the browser goes after the page, for people to read.
func returnHost(redirectURI string) string {
	u, _ := url.Parse(redirectURI) // an allowed callback URL, so valid
	return u.Host
}

func noStore(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
}
