package piecesos

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
	"unicode"

	"piecestray/apiclient"
	"piecestray/internal/auth0sim"
)

// Pieces OS's own sign-in (OSApi): POST /os/sign_in opens the system browser
// at the sign-in server and answers when the person finishes there;
// POST /os/sign_out signs out.

// DefaultSignInTimeout is how long POST /os/sign_in waits for the person
// when Config.SignInTimeout is zero: the 120 s that the CLI and the SDK wait.
const DefaultSignInTimeout = 120 * time.Second

const (
	// signInCallbackPath is where the sign-in server sends the browser back.
	signInCallbackPath = "/os/sign_in/callback"
	// maxErrorText bounds an error text from the sign-in server that is
	// passed on.
	maxErrorText = 200
)

// signInResult is how a sign-in ended: a profile, or a status and message.
type signInResult struct {
	profile *apiclient.UserProfile // signed in (a private copy, never changed)
	status  int                    // else: 500, 503 or 504
	msg     string
}

// signInAttempt is one browser sign-in started by POST /os/sign_in. Every
// POST /os/sign_in made while it runs waits for the same attempt.
type signInAttempt struct {
	state       string // sent to the sign-in server and checked on the way back
	verifier    string // PKCE code_verifier; never logged
	redirectURI string // the callback on this server

	mu     sync.Mutex    // serialises end
	done   chan struct{} // closed once result is set
	result signInResult  // read only after done is closed
}

// end sets the result that fn computes and closes done, unless the attempt
// has already ended; fn runs with a.mu held, so a sign-in that completes is
// never also reported as timed out. It reports whether fn ran.
func (a *signInAttempt) end(fn func() signInResult) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	select {
	case <-a.done:
		return false
	default:
	}
	a.result = fn()
	close(a.done)
	return true
}

// fail ends the attempt with status and msg unless it has already ended.
func (a *signInAttempt) fail(status int, msg string) bool {
	return a.end(func() signInResult { return signInResult{status: status, msg: msg} })
}

// SignInRedirectURI is the callback URL POST /os/sign_in gives the sign-in
// server, such as "http://127.0.0.1:39300/os/sign_in/callback": the sign-in
// server must allow it (auth0sim.Server.AllowRedirectURI). Empty before the
// first Start.
func (s *Server) SignInRedirectURI() string {
	if u := s.URL(); u != "" {
		return u + signInCallbackPath
	}
	return ""
}

// handleSignIn serves POST /os/sign_in (OSApi sign_into_os): it opens the
// browser at the sign-in server (Config.OpenBrowser) and answers the signed-in
// UserProfile when the person finishes; 500 when the sign-in fails (refused,
// code exchange or verification failed, no browser), 504 when nobody
// finishes within Config.SignInTimeout. A request made while a sign-in runs
// joins it: one browser window, the same answer. A caller that goes away
// does not stop the sign-in: the person can still finish, and the stream
// then shows them.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	a, status, err := s.startSignIn(r)
	if err != nil {
		writeText(w, status, err.Error())
		return
	}
	select {
	case <-a.done:
	case <-r.Context().Done():
		return
	}
	if a.result.profile == nil {
		writeText(w, a.result.status, a.result.msg)
		return
	}
	writeJSON(w, http.StatusOK, a.result.profile)
}

// startSignIn returns the sign-in under way, or starts one.
func (s *Server) startSignIn(r *http.Request) (*signInAttempt, int, error) {
	if s.cfg.Auth0URL == "" {
		return nil, http.StatusInternalServerError, errors.New("no sign-in server is configured in Pieces OS")
	}
	redirect := s.SignInRedirectURI()
	if redirect == "" { // served through ServeHTTP by another server
		redirect = "http://" + r.Host + signInCallbackPath
	}
	s.signInMu.Lock()
	defer s.signInMu.Unlock()
	if a := s.signIn; a != nil {
		select {
		case <-a.done:
		default:
			s.log.Info("piecesos: sign-in joined the one under way")
			return a, 0, nil
		}
	}
	if s.closing.Err() != nil {
		return nil, http.StatusServiceUnavailable, errors.New("the simulated Pieces OS is shutting down")
	}
	a := &signInAttempt{
		state:       randomString(24),
		verifier:    randomString(32),
		redirectURI: redirect,
		done:        make(chan struct{}),
	}
	s.signIn = a
	s.bg.Add(1)
	go s.runSignIn(a)
	return a, 0, nil
}

// runSignIn opens the browser and ends the attempt when the browser cannot
// be opened, at the timeout, or when the server closes; the callback ends it
// otherwise.
func (s *Server) runSignIn(a *signInAttempt) {
	defer s.bg.Done()
	timeout := s.cfg.SignInTimeout
	ctx, cancel := context.WithTimeout(s.closing, timeout)
	defer cancel()
	s.log.Info("piecesos: sign-in started: opening the browser")
	if err := s.cfg.OpenBrowser(ctx, s.authorizeURL(a)); err != nil && ctx.Err() == nil {
		s.log.Warn("piecesos: sign-in: the browser could not be opened", "err", err)
		a.fail(http.StatusInternalServerError, "Pieces OS could not open a browser to sign in: "+err.Error())
	}
	select {
	case <-a.done:
	case <-ctx.Done():
		if s.closing.Err() != nil {
			a.fail(http.StatusServiceUnavailable, "Pieces OS is shutting down; the sign-in was abandoned")
		} else if a.fail(http.StatusGatewayTimeout, fmt.Sprintf(
			"the sign-in timed out: nobody finished signing in in the browser within %s", timeout)) {
			s.log.Info("piecesos: sign-in timed out", "after", timeout)
		}
	}
}

// authorizeURL is the sign-in server's /authorize for a: the authorization
// code flow with PKCE S256, back to this server.
func (s *Server) authorizeURL(a *signInAttempt) string {
	sum := sha256.Sum256([]byte(a.verifier))
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {auth0sim.DefaultClientID},
		"redirect_uri":          {a.redirectURI},
		"scope":                 {"openid profile email"}, // who the person is, for the profile
		"audience":              {auth0sim.DefaultAudience},
		"state":                 {a.state},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	return s.cfg.Auth0URL + "/authorize?" + q.Encode()
}

// handleSignInCallback serves GET /os/sign_in/callback, where the sign-in
// server sends the browser: it exchanges the code, reads /userinfo and signs
// the person in as from_token does, ending the attempt, and shows the
// person a page saying how it went.
func (s *Server) handleSignInCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.signInMu.Lock()
	a := s.signIn
	s.signInMu.Unlock()
	if a == nil || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(a.state)) != 1 {
		callbackPage(w, http.StatusBadRequest, "Unknown sign-in",
			"Pieces OS did not start this sign-in, or started a newer one. Start the sign-in again from your application.")
		return
	}
	select {
	case <-a.done:
		callbackPage(w, http.StatusBadRequest, "This sign-in has ended",
			"It finished or timed out before you came back. Start the sign-in again from your application.")
		return
	default:
	}
	if e := q.Get("error"); e != "" {
		msg := fmt.Sprintf("the sign-in was refused: %s: %s", cleanText(e), cleanText(q.Get("error_description")))
		a.fail(http.StatusInternalServerError, msg)
		s.log.Info("piecesos: sign-in refused", "error", cleanText(e))
		callbackPage(w, http.StatusOK, "Sign-in cancelled", "Pieces OS was told: "+msg+". You can close this window.")
		return
	}
	c, err := s.exchangeCode(r.Context(), a, q.Get("code"))
	if err != nil {
		s.log.Warn("piecesos: sign-in failed", "err", err) // never the code
		a.fail(http.StatusInternalServerError, "the sign-in failed: "+err.Error())
		callbackPage(w, http.StatusBadGateway, "Sign-in failed", "Pieces OS could not finish the sign-in: "+err.Error()+".")
		return
	}
	if !a.end(func() signInResult { return signInResult{profile: s.signInClaims(c)} }) {
		callbackPage(w, http.StatusBadRequest, "This sign-in has ended",
			"It timed out while Pieces OS was finishing it. Start the sign-in again from your application.")
		return
	}
	s.log.Info("piecesos: signed in through the browser", "user", a.result.profile.ID)
	callbackPage(w, http.StatusOK, "You are signed in to Pieces OS",
		"Signed in as "+firstNonEmpty(a.result.profile.Email, a.result.profile.Name)+". You can close this window.")
}

// exchangeCode trades code for an access token at the sign-in server
// (RFC 6749 §4.1.3, PKCE) and returns the claims /userinfo gives for it.
func (s *Server) exchangeCode(ctx context.Context, a *signInAttempt, code string) (claims, error) {
	if code == "" {
		return claims{}, errors.New("the sign-in server sent no code")
	}
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"client_id":     {auth0sim.DefaultClientID},
		"code":          {code},
		"code_verifier": {a.verifier},
		"redirect_uri":  {a.redirectURI},
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	status, err := s.askAuth0(ctx, "/oauth/token", form, "", &tok)
	switch {
	case status == 0:
		return claims{}, err
	case status != http.StatusOK:
		return claims{}, fmt.Errorf("the sign-in server refused the code (HTTP %d %s: %s)",
			status, cleanText(tok.Error), cleanText(tok.Description))
	case err != nil || tok.AccessToken == "":
		return claims{}, errors.New("the sign-in server's token answer has no access token")
	}
	c, _, err := s.userinfo(ctx, tok.AccessToken)
	return c, err
}

// signInClaims signs in the user with claims c: the known profile of that
// subject refreshed, or a new one; the streams get it. It returns a copy.
func (s *Server) signInClaims(c claims) *apiclient.UserProfile {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.profileFromClaims(c, s.findLocked(userIDForSubject(c.Sub)))
	s.signInLocked(p)
	return cloneProfile(p)
}

// handleSignOut serves POST /os/sign_out (OSApi sign_out_of_os): signs the
// user out (an empty stream frame) and answers the Users this Pieces OS
// still knows.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.signOutLocked()
	out := map[string]any{"iterable": s.usersLocked()} // Users, naming iterable even when empty
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// openWithBrowserEnv is the default Config.OpenBrowser: it runs the command
// named by $BROWSER with url as its one argument and waits for it, as
// xdg-open hands a URL to the browser and returns. A command still running
// when ctx ends (the sign-in timed out, or Pieces OS closed) is killed.
func openWithBrowserEnv(ctx context.Context, url string) error {
	browser := strings.TrimSpace(os.Getenv("BROWSER"))
	if browser == "" {
		return errors.New("the BROWSER environment variable is not set: set it to the command that opens a web page")
	}
	if err := exec.CommandContext(ctx, browser, url).Run(); err != nil {
		return fmt.Errorf("$BROWSER (%s): %w", browser, err)
	}
	return nil
}

// callbackPage shows the person in the browser how the sign-in went; title
// and msg are escaped.
func callbackPage(w http.ResponseWriter, status int, title, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!doctype html>
<html lang="en"><meta charset="utf-8"><title>%[1]s – Pieces OS (simulator)</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:10vh auto;padding:0 1rem}</style>
<h1>%[1]s</h1>
<p role="status">%[2]s</p>
`, html.EscapeString(title), html.EscapeString(msg))
}

// cleanText makes text from the sign-in server fit for a one-line message:
// control characters dropped, at most maxErrorText characters.
func cleanText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	if r := []rune(s); len(r) > maxErrorText {
		s = string(r[:maxErrorText]) + "…"
	}
	return s
}

// randomString is n random bytes, base64url without padding.
func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
