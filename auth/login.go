package auth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"piecestray/internal/neterr"
)

// shutdownWait bounds how long the loopback server may take to finish
// writing the last page once Login is done.
const shutdownWait = 5 * time.Second

// Login runs one browser sign-in: the authorization code flow with PKCE
// S256 (RFC 7636), response_mode=form_post and a loopback redirect (RFC 8252
// §7.3) on the configured redirect URI, or else on DefaultRedirectURL, or
// FallbackRedirectURL when port 3000 is taken. It calls onURL (when not nil)
// with the authorize URL, so the person can copy it if no browser opens,
// asks the Browser to open it, and waits until the browser comes back, ctx
// ends, or the login timeout passes.
//
// Only one Login runs at a time: a second one returns ErrInProgress. A
// person who denies access, or a cancelled ctx, gives an error that
// errors.Is ErrCancelled; both default ports taken gives
// ErrRedirectPortsInUse. The listeners are closed on every path.
func (s *Signer) Login(ctx context.Context, onURL func(string)) (*Token, error) {
	if !s.running.CompareAndSwap(false, true) {
		return nil, ErrInProgress
	}
	defer s.running.Store(false)

	if err := s.cfg.Validate(); err != nil {
		return nil, err
	}
	oc, err := s.oauthConfig()
	if err != nil {
		return nil, err
	}
	// The state parameter (RFC 6749 §10.12) needs 32 random bytes,
	// base64url-encoded, just like a PKCE verifier.
	state := oauth2.GenerateVerifier()
	lns, redirect, err := s.listen()
	if err != nil {
		return nil, err
	}
	oc.RedirectURL = redirect.String()
	verifier := oauth2.GenerateVerifier() // fresh per attempt
	authURL := oc.AuthCodeURL(state,
		oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("audience", s.cfg.Audience),
		// Auth0 then posts the result from its page instead of putting the
		// code in a URL (browser history, Referer).
		oauth2.SetAuthURLParam("response_mode", "form_post"))

	cb := &callbackHandler{path: redirect.Path, state: state, calls: make(chan *callback), done: make(chan struct{})}
	srv := &http.Server{Handler: cb, ReadHeaderTimeout: 10 * time.Second}
	var wg sync.WaitGroup
	for _, ln := range lns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = srv.Serve(ln) // closes ln; returns http.ErrServerClosed after Shutdown
		}()
	}
	defer func() {
		close(cb.done) // pending callbacks get "this sign-in has ended"
		sctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
		cancel()
		wg.Wait()
		s.log.Debug("auth: sign-in listener closed", "redirect", redirect.String())
	}()
	s.log.Debug("auth: sign-in listening", "redirect", redirect.String(), "listeners", len(lns))

	if onURL != nil {
		onURL(authURL)
	}
	if s.browser != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.browser.Open(authURL); err != nil {
				// The URL stays available to copy; the error names no secret.
				s.log.Warn("auth: could not open the browser", "err", err)
			}
		}()
	}

	wait, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	select {
	case <-wait.Done():
		return nil, s.waitError(wait)
	case c := <-cb.calls:
		// The exchange gets its own bound (the HTTP client's), not what is
		// left of the wait.
		tok, err := s.finish(ctx, oc, c, verifier)
		if err != nil {
			c.reply <- pageFor(err)
			return nil, err
		}
		c.reply <- successPage(tok.Email())
		s.log.Info("auth: signed in")
		return tok, nil
	}
}

// waitError explains why the wait for the browser ended.
func (s *Signer) waitError(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		s.log.Info("auth: sign-in cancelled")
		return &kindError{kind: ErrCancelled, cause: context.Canceled}
	}
	s.log.Info("auth: sign-in timed out")
	return &kindError{kind: context.DeadlineExceeded, msg: "auth: the sign-in was not finished in the browser in time; choose Sign in to try again"}
}

// listen opens the loopback listeners of the redirect URI and returns them
// with the redirect URI to send. A configured RedirectURL is the only one
// tried; otherwise the documented ones are tried in order while their port
// is taken.
func (s *Signer) listen() ([]net.Listener, *url.URL, error) {
	if s.cfg.RedirectURL != "" {
		u, err := parseRedirect(s.cfg.RedirectURL)
		if err != nil {
			return nil, nil, err
		}
		lns, err := s.listenLoopback(u)
		if neterr.IsAddrInUse(err) {
			return nil, nil, &kindError{kind: err, msg: fmt.Sprintf("auth: port %s is in use by another program: close that program, or configure another redirect URL (--redirect-url or PIECES_AUTH0_REDIRECT_URL)", u.Port())}
		}
		return lns, u, err
	}
	var ports []string
	var inUse error
	for _, raw := range defaultRedirects {
		u, err := parseRedirect(raw)
		if err != nil {
			return nil, nil, err
		}
		lns, err := s.listenLoopback(u)
		if !neterr.IsAddrInUse(err) {
			return lns, u, err
		}
		s.log.Info("auth: a sign-in port is in use by another program", "port", u.Port())
		ports = append(ports, u.Port())
		inUse = err
	}
	return nil, nil, &kindError{kind: ErrRedirectPortsInUse, cause: inUse, msg: fmt.Sprintf(
		"auth: ports %s, which Pieces' sign-in sends you back to, are in use by other programs. Close one of them, or set --redirect-url (PIECES_AUTH0_REDIRECT_URL)",
		joinAnd(ports))}
}

// listenLoopback listens where the browser may connect for u, never on all
// interfaces (RFC 8252 §7.3, §8.3): on u's IP literal, or for localhost on
// both 127.0.0.1 and ::1, since browsers may try either. The port counts as
// taken when either address has it (the browser could reach the other
// program there); a machine without IPv6 is served on 127.0.0.1 alone. A
// port 0 in u becomes the port bound.
func (s *Signer) listenLoopback(u *url.URL) ([]net.Listener, error) {
	host := u.Hostname()
	localhost := strings.EqualFold(host, "localhost")
	if localhost {
		host = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, u.Port()))
	if err != nil {
		return nil, fmt.Errorf("auth: listen for the browser on %s: %w", net.JoinHostPort(host, u.Port()), err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	u.Host = net.JoinHostPort(u.Hostname(), port)
	if !localhost {
		return []net.Listener{ln}, nil
	}
	ln6, err := net.Listen("tcp", net.JoinHostPort("::1", port))
	switch {
	case err == nil:
		return []net.Listener{ln, ln6}, nil
	case neterr.IsAddrInUse(err):
		ln.Close()
		return nil, fmt.Errorf("auth: listen for the browser on [::1]:%s: %w", port, err)
	default:
		s.log.Debug("auth: no IPv6 loopback; listening on 127.0.0.1 only", "err", err)
		return []net.Listener{ln}, nil
	}
}

// joinAnd joins words as "a, b and c".
func joinAnd(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// finish handles the callback whose state matched: an error from the
// server, or a code to exchange (with the PKCE verifier) and verify.
func (s *Signer) finish(ctx context.Context, oc *oauth2.Config, c *callback, verifier string) (*Token, error) {
	switch {
	case c.errCode == "access_denied":
		s.log.Info("auth: sign-in denied in the browser")
		return nil, &kindError{kind: ErrCancelled, msg: "auth: sign-in was cancelled in the browser"}
	case c.errCode != "":
		s.log.Warn("auth: sign-in failed in the browser", "error", c.errCode, "description", c.errDesc)
		if c.errDesc == "" {
			return nil, fmt.Errorf("auth: the sign-in service reported %q", c.errCode)
		}
		return nil, fmt.Errorf("auth: the sign-in service reported: %s (%s)", c.errDesc, c.errCode)
	case c.code == "":
		return nil, errors.New("auth: the browser came back without an authorization code")
	}
	if s.tamperVerifier != nil {
		verifier = s.tamperVerifier(verifier)
	}
	ot, err := oc.Exchange(s.clientContext(ctx), c.code, oauth2.VerifierOption(verifier))
	if err != nil {
		if ctx.Err() != nil {
			return nil, s.waitError(ctx)
		}
		return nil, tokenError("exchange the authorization code", err, false)
	}
	tok := fromOAuth2(ot)
	if err := s.verify(ctx, tok); err != nil {
		return nil, err
	}
	s.log.Debug("auth: code exchanged", "renewable", tok.RefreshToken != "", "expires_in", tok.ExpiresIn(s.now()))
	return tok, nil
}
