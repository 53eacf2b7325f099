package piecesos

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"piecestray/apiclient"
	"piecestray/internal/auth0sim"
	"piecestray/internal/scriptbrowser"
)

// auth0Key is generated once: 2048-bit keys are slow under -race.
var auth0Key = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// browser plays the system browser for POST /os/sign_in: it records the
// URLs it is asked to open and acts on them with act (nil: open nothing).
type browser struct {
	act func(ctx context.Context, url string) error

	mu     sync.Mutex
	opened []string
	calls  chan string // each URL opened, as it is opened
}

func newBrowser(act func(ctx context.Context, url string) error) *browser {
	return &browser{act: act, calls: make(chan string, 16)}
}

// heldBrowser signs ada in once release is closed.
func heldBrowser(release <-chan struct{}) *browser {
	return newBrowser(func(ctx context.Context, u string) error {
		select {
		case <-release:
		case <-ctx.Done():
			return ctx.Err()
		}
		return scriptbrowser.Visit(ctx, u, "ada@example.com", scriptbrowser.Silent)
	})
}

func (b *browser) open(ctx context.Context, u string) error {
	b.mu.Lock()
	b.opened = append(b.opened, u)
	b.mu.Unlock()
	b.calls <- u
	if b.act == nil {
		return nil
	}
	return b.act(ctx, u)
}

func (b *browser) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.opened)
}

// visit is a browser act: a person who signs in as email (or denies) on
// the sign-in page.
func visit(email, action string) func(ctx context.Context, u string) error {
	return func(ctx context.Context, u string) error {
		return scriptbrowser.Visit(ctx, u, email, action)
	}
}

// startSignInPair starts an Auth0 stand-in and a simulator whose sign-in
// callback it allows, with cfg's browser and timeout.
func startSignInPair(t *testing.T, cfg Config) (*Server, *auth0sim.Server) {
	t.Helper()
	a0 := auth0sim.New(auth0sim.Config{Key: auth0Key()})
	if err := a0.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a0.Close() })
	cfg.Auth0URL = a0.URL()
	s := startSim(t, cfg)
	if err := a0.AllowRedirectURI(s.SignInRedirectURI()); err != nil {
		t.Fatal(err)
	}
	return s, a0
}

// signInCall is POST /os/sign_in answered, in the background.
func signInCall(t *testing.T, ctx context.Context, base string) <-chan reply {
	t.Helper()
	out := make(chan reply, 1)
	c := newClient(t)
	c.Timeout = 0 // the call waits for the person
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/os/sign_in", nil)
		resp, err := c.Do(req)
		if err != nil {
			out <- reply{status: -1, body: err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		out <- reply{status: resp.StatusCode, body: string(b), header: resp.Header}
	}()
	return out
}

func await(t *testing.T, ch <-chan reply) reply {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(waitLong):
		t.Fatal("POST /os/sign_in did not answer")
	}
	return reply{}
}

// TestSignInThroughBrowser: POST /os/sign_in opens the browser at the
// sign-in server with PKCE S256 and the simulator's own callback; when the
// person signs in on the page, it answers 200 with the UserProfile, the
// user is signed in, and the stream shows them, as from_token would.
func TestSignInThroughBrowser(t *testing.T) {
	b := newBrowser(visit("Grace@Example.com", scriptbrowser.Approve))
	s, a0 := startSignInPair(t, Config{OpenBrowser: b.open})
	w := dialStream(t, s.URL())
	if f := w.next(t); f != "" {
		t.Fatalf("first frame = %q; want signed out", f)
	}
	r := await(t, signInCall(t, t.Context(), s.URL()))
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("POST /os/sign_in = %d %q; want 200 JSON", r.status, r.body)
	}
	p, err := apiclient.DecodeProfile([]byte(r.body))
	if err != nil {
		t.Fatalf("answer is not a valid UserProfile: %v", err)
	}
	wantID := userIDForSubject(auth0sim.Subject("grace@example.com"))
	if p.ID != wantID || p.Email != "grace@example.com" {
		t.Errorf("profile id %q email %q; want %q grace@example.com", p.ID, p.Email, wantID)
	}
	if u := s.User(); u == nil || u.ID != wantID {
		t.Errorf("User() = %v; want grace signed in", u)
	}
	if f := w.nextProfile(t); f.ID != wantID {
		t.Errorf("stream frame id = %q; want %q", f.ID, wantID)
	}

	// The URL opened: the stand-in's /authorize, code flow with PKCE S256,
	// back to the simulator's own callback.
	if b.count() != 1 {
		t.Fatalf("browser opened %d times; want 1", b.count())
	}
	u, err := url.Parse(b.opened[0])
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if got := u.Scheme + "://" + u.Host + u.Path; got != a0.URL()+"/authorize" {
		t.Errorf("opened %q; want the stand-in's /authorize", got)
	}
	want := map[string]string{
		"response_type": "code", "client_id": auth0sim.DefaultClientID, "redirect_uri": s.SignInRedirectURI(),
		"code_challenge_method": "S256", "audience": auth0sim.DefaultAudience,
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("authorize %s = %q; want %q", k, q.Get(k), v)
		}
	}
	if len(q.Get("code_challenge")) != 43 || len(q.Get("state")) < 16 || !strings.Contains(q.Get("scope"), "openid") {
		t.Errorf("authorize query %v; want an S256 challenge, a random state and openid", q)
	}
	if got := s.SignInRedirectURI(); got != s.URL()+"/os/sign_in/callback" {
		t.Errorf("SignInRedirectURI() = %q", got)
	}

	// A second sign-in is a new one (another browser visit, another state).
	if r := await(t, signInCall(t, t.Context(), s.URL())); r.status != http.StatusOK {
		t.Fatalf("second POST /os/sign_in = %d %q", r.status, r.body)
	}
	if b.count() != 2 {
		t.Errorf("browser opened %d times after two sign-ins; want 2", b.count())
	}
}

// TestSignInDenied: Deny on the sign-in page is a 500 with the reason;
// nobody is signed in, and the browser is told.
func TestSignInDenied(t *testing.T) {
	b := newBrowser(visit("ada@example.com", scriptbrowser.Deny))
	s, _ := startSignInPair(t, Config{OpenBrowser: b.open})
	r := await(t, signInCall(t, t.Context(), s.URL()))
	if r.status != http.StatusInternalServerError || !strings.Contains(r.body, "access_denied") {
		t.Errorf("POST /os/sign_in after Deny = %d %q; want 500 naming access_denied", r.status, r.body)
	}
	if u := s.User(); u != nil {
		t.Errorf("User() = %v; want nobody", u.ID)
	}
}

// TestSignInTimeout: nobody finishes in the browser: 504 after
// SignInTimeout, and the callback afterwards changes nothing.
func TestSignInTimeout(t *testing.T) {
	b := newBrowser(nil) // the person walked away
	s, _ := startSignInPair(t, Config{OpenBrowser: b.open, SignInTimeout: 300 * time.Millisecond})
	start := time.Now()
	r := await(t, signInCall(t, t.Context(), s.URL()))
	if r.status != http.StatusGatewayTimeout || !strings.Contains(r.body, "timed out") {
		t.Fatalf("POST /os/sign_in = %d %q; want 504 saying it timed out", r.status, r.body)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("answered after %s; want the 300ms timeout first", d)
	}
	// The person comes back late: the page says the sign-in has ended.
	if err := scriptbrowser.Visit(t.Context(), b.opened[0], "ada@example.com", scriptbrowser.Silent); err == nil {
		t.Errorf("a late return to the callback succeeded; want an error page")
	}
	if u := s.User(); u != nil {
		t.Errorf("User() = %v after a timed-out sign-in; want nobody", u.ID)
	}
}

// joinLog signals each time a sign-in request joins the one under way.
type joinLog struct {
	slog.Handler
	joined chan struct{}
}

func (h joinLog) Enabled(context.Context, slog.Level) bool { return true }

func (h joinLog) Handle(ctx context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "joined") {
		h.joined <- struct{}{}
	}
	return nil
}

// TestSignInConcurrent: a POST /os/sign_in made while one runs joins it:
// the browser opens once and both get the same profile.
func TestSignInConcurrent(t *testing.T) {
	release := make(chan struct{})
	b := heldBrowser(release)
	log := joinLog{Handler: slog.DiscardHandler, joined: make(chan struct{}, 4)}
	s, _ := startSignInPair(t, Config{OpenBrowser: b.open, Logger: slog.New(log)})
	first := signInCall(t, t.Context(), s.URL())
	<-b.calls
	second := signInCall(t, t.Context(), s.URL())
	select {
	case <-log.joined:
	case <-time.After(waitLong):
		t.Fatal("the second POST /os/sign_in did not join the first")
	}
	close(release)
	r1, r2 := await(t, first), await(t, second)
	if r1.status != http.StatusOK || r2.status != http.StatusOK || r1.body != r2.body {
		t.Fatalf("answers %d %q and %d %q; want the same 200 profile", r1.status, r1.body, r2.status, r2.body)
	}
	if b.count() != 1 {
		t.Errorf("browser opened %d times; want once", b.count())
	}
}

// TestSignInCallerGone: the caller of POST /os/sign_in goes away; the
// person still finishes in the browser, is signed in, and the stream shows
// them.
func TestSignInCallerGone(t *testing.T) {
	release := make(chan struct{})
	b := heldBrowser(release)
	s, _ := startSignInPair(t, Config{OpenBrowser: b.open})
	w := dialStream(t, s.URL())
	w.next(t) // signed out
	ctx, cancel := context.WithCancel(t.Context())
	r := signInCall(t, ctx, s.URL())
	<-b.calls
	cancel()
	if got := await(t, r); got.status != -1 {
		t.Fatalf("cancelled call = %d %q; want a cancelled request", got.status, got.body)
	}
	close(release)
	if p := w.nextProfile(t); p.Email != "ada@example.com" {
		t.Errorf("stream frame email %q; want ada signed in", p.Email)
	}
}

// TestSignInFailures: the browser cannot be opened, or the code does not
// work at the sign-in server: 500 with the reason.
func TestSignInFailures(t *testing.T) {
	t.Run("browser fails", func(t *testing.T) {
		b := newBrowser(func(context.Context, string) error { return errors.New("no display") })
		s, _ := startSignInPair(t, Config{OpenBrowser: b.open})
		r := await(t, signInCall(t, t.Context(), s.URL()))
		if r.status != http.StatusInternalServerError || !strings.Contains(r.body, "no display") {
			t.Errorf("POST /os/sign_in = %d %q; want 500 with the browser's error", r.status, r.body)
		}
	})
	t.Run("BROWSER unset", func(t *testing.T) {
		t.Setenv("BROWSER", "")
		s, _ := startSignInPair(t, Config{})
		r := await(t, signInCall(t, t.Context(), s.URL()))
		if r.status != http.StatusInternalServerError || !strings.Contains(r.body, "BROWSER") {
			t.Errorf("POST /os/sign_in = %d %q; want 500 naming BROWSER", r.status, r.body)
		}
	})
	t.Run("BROWSER fails", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("uses the Unix command false")
		}
		t.Setenv("BROWSER", "false")
		s, _ := startSignInPair(t, Config{})
		r := await(t, signInCall(t, t.Context(), s.URL()))
		if r.status != http.StatusInternalServerError || !strings.Contains(r.body, "exit status 1") {
			t.Errorf("POST /os/sign_in = %d %q; want 500 with the command's failure", r.status, r.body)
		}
	})
	t.Run("code refused", func(t *testing.T) {
		// The browser comes back with the right state and a code the
		// sign-in server never issued.
		b := newBrowser(func(ctx context.Context, u string) error {
			au, _ := url.Parse(u)
			q := au.Query()
			back := q.Get("redirect_uri") + "?" + url.Values{"code": {"forged"}, "state": {q.Get("state")}}.Encode()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, back, nil)
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			return nil
		})
		s, _ := startSignInPair(t, Config{OpenBrowser: b.open})
		r := await(t, signInCall(t, t.Context(), s.URL()))
		if r.status != http.StatusInternalServerError || !strings.Contains(r.body, "refused the code") {
			t.Errorf("POST /os/sign_in = %d %q; want 500 saying the code was refused", r.status, r.body)
		}
		if s.User() != nil {
			t.Error("signed in with a forged code")
		}
	})
	t.Run("no sign-in server", func(t *testing.T) {
		s := startSim(t, Config{OpenBrowser: newBrowser(nil).open})
		if r := await(t, signInCall(t, t.Context(), s.URL())); r.status != http.StatusInternalServerError {
			t.Errorf("POST /os/sign_in without Auth0URL = %d %q; want 500", r.status, r.body)
		}
	})
}

// TestSignInBrowserEnv: by default the command in $BROWSER gets the URL as
// its one argument.
func TestSignInBrowserEnv(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in browser is a shell script")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "browser")
	out := filepath.Join(dir, "args")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s\\n' \"$#\" \"$1\" > \""+out+"\"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BROWSER", script)
	s, _ := startSignInPair(t, Config{SignInTimeout: 2 * time.Second})
	r := signInCall(t, t.Context(), s.URL())
	var args []string
	waitFor(t, "$BROWSER to run", func() bool {
		b, err := os.ReadFile(out)
		args = strings.Split(strings.TrimSpace(string(b)), "\n")
		return err == nil && len(args) == 2
	})
	if args[0] != "1" || !strings.Contains(args[1], "/authorize?") || !strings.Contains(args[1], url.QueryEscape(s.SignInRedirectURI())) {
		t.Errorf("$BROWSER got %q; want one argument, the authorize URL", args)
	}
	// The person finishes in the browser the command opened.
	if err := scriptbrowser.Visit(t.Context(), args[1], "ada@example.com", scriptbrowser.Silent); err != nil {
		t.Fatal(err)
	}
	if got := await(t, r); got.status != http.StatusOK {
		t.Errorf("POST /os/sign_in = %d %q; want 200", got.status, got.body)
	}
}

// TestSignInCallbackUnknown: a return with a state Pieces OS did not send
// changes nothing and shows the person why.
func TestSignInCallbackUnknown(t *testing.T) {
	s, _ := startSignInPair(t, Config{OpenBrowser: newBrowser(nil).open})
	r := call(t, newClient(t), "GET", s.SignInRedirectURI()+"?code=x&state=made-up", "")
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "<h1>Unknown sign-in</h1>") {
		t.Errorf("callback with an unknown state = %d %q; want 400 and a page", r.status, r.body)
	}
	if s.User() != nil {
		t.Error("signed in by an unknown callback")
	}
}

// TestSignInClose: Close ends a sign-in under way (its browser context
// too): the waiting call gets 503 or loses its connection, and no goroutine
// is left (goleak in TestMain).
func TestSignInClose(t *testing.T) {
	b := newBrowser(func(ctx context.Context, _ string) error {
		<-ctx.Done()
		return ctx.Err()
	})
	a0 := auth0sim.New(auth0sim.Config{Key: auth0Key()})
	if err := a0.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer a0.Close()
	s := New(Config{Auth0URL: a0.URL(), OpenBrowser: b.open})
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	r := signInCall(t, t.Context(), s.URL())
	<-b.calls
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := await(t, r); got.status != http.StatusServiceUnavailable && got.status != -1 {
		t.Errorf("sign-in during Close = %d %q; want 503 or a closed connection", got.status, got.body)
	}
}

// TestSignOut: POST /os/sign_out signs out (an empty stream frame) and
// answers the Users still known, as {"iterable":[...]}.
func TestSignOut(t *testing.T) {
	s := startSim(t, Config{})
	c := newClient(t)
	if r := call(t, c, "POST", s.URL()+"/os/sign_out", ""); r.status != http.StatusOK || r.body != `{"iterable":[]}` {
		t.Errorf("sign_out with nobody known = %d %q; want 200 {\"iterable\":[]}", r.status, r.body)
	}
	ada := testProfile("ada@example.com")
	s.SetUser(ada)
	w := dialStream(t, s.URL())
	w.nextProfile(t)
	r := call(t, c, "POST", s.URL()+"/os/sign_out", "")
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("sign_out = %d %q; want 200 JSON", r.status, r.body)
	}
	users := decodeAs[apiclient.Users](t, r)
	if len(users.Iterable) != 1 || users.Iterable[0].ID != ada.ID {
		t.Errorf("sign_out answer %s; want the users still known (ada)", r.body)
	}
	for _, p := range users.Iterable {
		if err := checkProfile(&p); err != nil {
			t.Errorf("sign_out answer has an invalid profile: %v", err)
		}
	}
	if f := w.next(t); f != "" {
		t.Errorf("stream frame after sign_out = %q; want an empty frame", f)
	}
	if s.User() != nil {
		t.Error("still signed in after sign_out")
	}
}
