package auth_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"piecestray/auth"
	"piecestray/internal/auth0sim"
	"piecestray/internal/neterr"
)

// waitLong bounds waits in tests: generous, for a loaded 2-core machine.
const waitLong = 30 * time.Second

// startSim starts an Auth0-compatible server on an ephemeral port. It
// matches redirect URIs exactly; when cfg registers none, it registers those
// of freeRedirects, which Login then uses by default until t ends.
func startSim(t testing.TB, cfg auth0sim.Config) *auth0sim.Server {
	t.Helper()
	if len(cfg.RedirectURIs) == 0 {
		cfg.RedirectURIs = freeRedirects(t)
	}
	s := auth0sim.New(cfg)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatalf("auth0sim Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// simConfig is a Config for the server at base.
func simConfig(base string) auth.Config {
	c := auth.DefaultConfig()
	c.Domain = base
	return c
}

// freeRedirects makes Login's default redirect URIs two localhost URIs on
// ports free a moment ago, with the paths of the documented ones, until t
// ends, and returns them: tests never use the real 3000 and 8080.
func freeRedirects(t testing.TB) []string {
	t.Helper()
	uris := []string{
		fmt.Sprintf("http://localhost:%d/pkce/response/code", freePort(t)),
		fmt.Sprintf("http://localhost:%d/authentication/response", freePort(t)),
	}
	auth.SetDefaultRedirects(t, uris...)
	return uris
}

// freePort returns a port that was free a moment ago on 127.0.0.1 and, when
// the machine has IPv6, on ::1.
func freePort(t testing.TB) int {
	t.Helper()
	for range 10 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln6, err := net.Listen("tcp", net.JoinHostPort("::1", strconv.Itoa(port)))
		ln.Close()
		if err == nil {
			ln6.Close()
		}
		if !neterr.IsAddrInUse(err) {
			return port
		}
	}
	t.Fatal("found no port free on both 127.0.0.1 and ::1")
	return 0
}

// offlineConfig is a Config for tests that never reach the server: the
// redirect is on any free port of 127.0.0.1.
func offlineConfig() auth.Config {
	c := simConfig("http://127.0.0.1:1")
	c.RedirectURL = "http://127.0.0.1:0/pkce/response/code"
	return c
}

// testClient is an HTTP client whose idle connections are closed at the
// end of the test (goleak).
func testClient(t testing.TB) *http.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: waitLong}
}

// browserResult is what a scripted browser ended on.
type browserResult struct {
	status   int
	body     string
	header   http.Header
	callback *url.URL // the loopback redirect it followed, when it did
	err      error
}

// scriptedBrowser is an auth.Browser that plays a person in a browser: it
// loads the sign-in page, submits the form (or uses prompt=none), and
// follows the redirect into the loopback listener. Open runs the whole
// script; the result arrives on done.
type scriptedBrowser struct {
	t      testing.TB
	email  string
	action string // "approve" (default), "deny", or "none" (prompt=none)
	// badStateFirst first comes back with a wrong state, expecting 400,
	// then with the right one.
	badStateFirst bool
	// post comes back as response_mode=form_post does: a cross-site form
	// POST of the result to the redirect URI. Otherwise the browser follows
	// the server's redirect (a GET with the result in the query).
	post bool

	done chan browserResult
}

func newBrowser(t testing.TB, email, action string) *scriptedBrowser {
	return &scriptedBrowser{t: t, email: email, action: action, done: make(chan browserResult, 1)}
}

func (b *scriptedBrowser) Open(authURL string) error {
	b.done <- b.run(authURL)
	return nil
}

// result waits for the script to end.
func (b *scriptedBrowser) result(t testing.TB) browserResult {
	t.Helper()
	select {
	case r := <-b.done:
		return r
	case <-time.After(waitLong):
		t.Fatal("scripted browser did not finish")
		return browserResult{}
	}
}

var txField = regexp.MustCompile(`name="tx" value="([^"]+)"`)

func (b *scriptedBrowser) run(authURL string) browserResult {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	var loopback *url.URL
	hc := &http.Client{
		Transport: tr,
		Jar:       jar,
		Timeout:   waitLong,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if h := req.URL.Hostname(); h == "127.0.0.1" || h == "localhost" || h == "::1" {
				if req.URL.Port() != via[0].URL.Port() {
					loopback = req.URL
					if b.badStateFirst || b.post {
						return http.ErrUseLastResponse
					}
				}
			}
			return nil
		},
	}
	u, err := url.Parse(authURL)
	if err != nil {
		return browserResult{err: err}
	}
	// auth0sim refuses response_mode=form_post and answers by redirect
	// only; b.post delivers that answer as a form_post page would.
	q := u.Query()
	q.Del("response_mode")
	u.RawQuery = q.Encode()
	var resp *http.Response
	if b.action == "none" {
		q := u.Query()
		q.Set("prompt", "none")
		q.Set("login_hint", b.email)
		u.RawQuery = q.Encode()
		resp, err = hc.Get(u.String())
	} else {
		resp, err = hc.Get(u.String())
		if err != nil {
			return browserResult{err: err}
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := txField.FindSubmatch(page)
		if m == nil {
			return browserResult{err: fmt.Errorf("sign-in page has no form (status %d): %.300s", resp.StatusCode, page)}
		}
		action := b.action
		if action == "" {
			action = "approve"
		}
		form := url.Values{"tx": {string(m[1])}, "email": {b.email}, "action": {action}}
		req, _ := http.NewRequest(http.MethodPost, u.Scheme+"://"+u.Host+"/authorize", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", u.Scheme+"://"+u.Host)
		resp, err = hc.Do(req)
	}
	if err != nil {
		return browserResult{err: err}
	}
	if loopback != nil && (b.badStateFirst || b.post) {
		resp.Body.Close()
		if b.badStateFirst {
			r, err := b.comeBack(hc, loopback, u, "forged-")
			if err != nil {
				return browserResult{err: err}
			}
			body, _ := io.ReadAll(r.Body)
			r.Body.Close()
			if r.StatusCode != http.StatusBadRequest {
				return browserResult{err: fmt.Errorf("wrong state: status %d, want 400: %s", r.StatusCode, body)}
			}
		}
		resp, err = b.comeBack(hc, loopback, u, "")
		if err != nil {
			return browserResult{err: err}
		}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return browserResult{status: resp.StatusCode, body: string(body), header: resp.Header, callback: loopback}
}

// comeBack brings the result in the server's redirect to loopback back to
// the app, with statePrefix before its state: by GET, or, when b.post, as
// the form a form_post page on the server's site (authURL) posts.
func (b *scriptedBrowser) comeBack(hc *http.Client, loopback, authURL *url.URL, statePrefix string) (*http.Response, error) {
	target := *loopback
	q := target.Query()
	q.Set("state", statePrefix+q.Get("state"))
	if !b.post {
		target.RawQuery = q.Encode()
		return hc.Get(target.String())
	}
	target.RawQuery = ""
	req, _ := http.NewRequest(http.MethodPost, target.String(), strings.NewReader(q.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", authURL.Scheme+"://"+authURL.Host)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	return hc.Do(req)
}

// login runs a full sign-in of email against sim through a scripted
// browser.
func login(t testing.TB, s *auth.Signer, br *scriptedBrowser) (*auth.Token, browserResult) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	tok, err := s.Login(ctx, nil)
	res := br.result(t)
	if err != nil {
		t.Fatalf("Login() error = %v (browser: status %d, err %v, body %.300s)", err, res.status, res.err, res.body)
	}
	return tok, res
}

// redirectPort returns the loopback port named by an authorize URL (never
// 0: an ephemeral port is replaced by the one bound).
func redirectPort(t testing.TB, authURL string) int {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatalf("parse authorize URL: %v", err)
	}
	ru, err := url.Parse(u.Query().Get("redirect_uri"))
	if err != nil {
		t.Fatalf("parse redirect_uri: %v", err)
	}
	p, err := strconv.Atoi(ru.Port())
	if err != nil || p == 0 {
		t.Fatalf("redirect_uri %q has no port", ru)
	}
	return p
}

// assertPortFree fails unless port can be bound again on 127.0.0.1 and
// (when the machine has IPv6) on ::1.
func assertPortFree(t testing.TB, port int) {
	t.Helper()
	for _, host := range []string{"127.0.0.1", "::1"} {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if neterr.IsAddrInUse(err) || (err != nil && host == "127.0.0.1") {
			t.Fatalf("loopback port %d still in use on %s after Login returned: %v", port, host, err)
		}
		if err == nil {
			ln.Close()
		}
	}
}

// urlRecorder records the authorize URL handed to onURL.
type urlRecorder struct {
	mu  sync.Mutex
	url string
	got chan struct{}
}

func newURLRecorder() *urlRecorder { return &urlRecorder{got: make(chan struct{})} }

func (r *urlRecorder) onURL(u string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.url = u
	close(r.got)
}

func (r *urlRecorder) wait(t testing.TB) string {
	t.Helper()
	select {
	case <-r.got:
	case <-time.After(waitLong):
		t.Fatal("onURL was not called")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.url
}

// startLogin starts s.Login in the background and returns the sign-in page
// it asks for, and where Login's error will come.
func startLogin(t testing.TB, s *auth.Signer) (*url.URL, <-chan error) {
	t.Helper()
	rec := newURLRecorder()
	errc := make(chan error, 1)
	go func() {
		_, err := s.Login(context.Background(), rec.onURL)
		errc <- err
	}()
	au, err := url.Parse(rec.wait(t))
	if err != nil {
		t.Fatal(err)
	}
	return au, errc
}

// sessionOf is the session app.Core stores for tok, signed in with cfg.
func sessionOf(cfg auth.Config, tok *auth.Token) *auth.Session {
	iss, _ := cfg.Issuer()
	return &auth.Session{RefreshToken: tok.RefreshToken, Subject: tok.Subject(), Email: tok.Email(),
		Issuer: iss, ClientID: cfg.ClientID, SavedAt: time.Now().UTC()}
}
