package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/oauth2"
)

// shutdownWait bounds how long the loopback server may take to finish
// writing the last page once Login is done.
const shutdownWait = 5 * time.Second

// Login runs one browser sign-in: the authorization code flow with PKCE
// S256 (RFC 7636) and a loopback redirect on 127.0.0.1 (RFC 8252 §7.3). It
// calls onURL (when not nil) with the authorize URL, so the person can copy
// it if no browser opens, asks the Browser to open it, and waits until the
// browser comes back, ctx ends, or the login timeout passes.
//
// Only one Login runs at a time: a second one returns ErrInProgress. A
// person who denies access, or a cancelled ctx, gives an error that
// errors.Is ErrCancelled. The listener is closed on every path.
func (s *Signer) Login(ctx context.Context, onURL func(string)) (*Token, error) {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return nil, ErrInProgress
	}
	s.running = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
	}()

	if err := s.cfg.Validate(); err != nil {
		return nil, err
	}
	ln, redirect, err := s.listen()
	if err != nil {
		return nil, err
	}
	bound := ln.Addr().(*net.TCPAddr).Port

	oc, err := s.oauthConfig(redirect.String())
	if err != nil {
		ln.Close()
		return nil, err
	}
	verifier := oauth2.GenerateVerifier() // fresh per attempt
	state, err := randomState()
	if err != nil {
		ln.Close()
		return nil, err
	}
	authURL := oc.AuthCodeURL(state,
		oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("audience", s.cfg.Audience))

	cb := &callbackHandler{path: redirect.Path, state: state, calls: make(chan *callback), done: make(chan struct{})}
	srv := &http.Server{Handler: cb, ReadHeaderTimeout: 10 * time.Second}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = srv.Serve(ln) // returns http.ErrServerClosed after Shutdown
	}()
	defer func() {
		close(cb.done) // pending callbacks get "this sign-in has ended"
		sctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
		cancel()
		wg.Wait()
		s.log.Debug("auth: sign-in listener closed", "port", bound)
	}()
	s.log.Debug("auth: sign-in listening", "port", bound)

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

// listen opens the loopback listener, never on all interfaces (RFC 8252
// §7.3, §8.3): on 127.0.0.1 and an ephemeral port, or exactly the configured
// redirect URI's port, on 127.0.0.1 for "localhost" or on the URI's own
// loopback address (such as ::1), where the browser will connect. It
// returns the redirect URI built from the port actually bound; a configured
// URI keeps its host spelling (localhost ≠ 127.0.0.1 to the server).
func (s *Signer) listen() (net.Listener, *url.URL, error) {
	port, tmpl, err := s.cfg.redirect()
	if err != nil {
		return nil, nil, err
	}
	host := "127.0.0.1"
	if tmpl != nil {
		if ip := net.ParseIP(tmpl.Hostname()); ip != nil && ip.IsLoopback() {
			host = ip.String()
		}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		if port != 0 && errors.Is(err, syscall.EADDRINUSE) {
			return nil, nil, &kindError{kind: err, msg: fmt.Sprintf("auth: port %d is in use by another program: close that program, or configure another redirect URL (PIECES_AUTH0_REDIRECT_URL)", port)}
		}
		return nil, nil, fmt.Errorf("auth: listen for the browser on %s: %w", host, err)
	}
	bound := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	if tmpl == nil {
		return ln, &url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", bound), Path: defaultCallbackPath}, nil
	}
	redirect := *tmpl
	redirect.Host = net.JoinHostPort(tmpl.Hostname(), bound)
	return ln, &redirect, nil
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

// randomState returns 32 random bytes, base64url-encoded, for the state
// parameter (RFC 6749 §10.12).
func randomState() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: random state: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
