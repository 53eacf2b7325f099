package auth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"piecestray/auth"
	"piecestray/internal/auth0sim"
	"piecestray/internal/neterr"
)

// TestLoginFullFlow signs in on Login's default redirect URI, coming back
// by GET (the server's redirect) and by form POST (response_mode=form_post).
func TestLoginFullFlow(t *testing.T) {
	redirects := freeRedirects(t)
	sim := startSim(t, auth0sim.Config{RedirectURIs: redirects})
	tests := []struct {
		name, action string
		post         bool
	}{
		{"sign-in page", "approve", false},
		{"prompt=none", "none", false},
		{"sign-in page, form_post", "approve", true},
		{"prompt=none, form_post", "none", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := newBrowser(t, "Ada@Example.com", tt.action)
			br.post = tt.post
			rec := newURLRecorder()
			s := auth.NewSigner(simConfig(sim.URL()), br, auth.WithHTTPClient(testClient(t)))
			ctx, cancel := context.WithTimeout(context.Background(), waitLong)
			defer cancel()
			tok, err := s.Login(ctx, rec.onURL)
			res := br.result(t)
			if err != nil {
				t.Fatalf("Login() error = %v (browser %+v)", err, res)
			}
			if res.err != nil || res.status != http.StatusOK {
				t.Fatalf("browser ended on status %d, err %v; want 200", res.status, res.err)
			}
			if !strings.Contains(res.body, "Signed in") || !strings.Contains(res.body, "ada@example.com") {
				t.Errorf("success page = %q; want it to say signed in as ada@example.com", res.body)
			}
			if got := res.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("success page Cache-Control = %q; want no-store", got)
			}
			if tok.AccessToken == "" || tok.RefreshToken == "" || tok.IDToken == "" {
				t.Errorf("token lacks access, refresh or id token: access %t refresh %t id %t",
					tok.AccessToken != "", tok.RefreshToken != "", tok.IDToken != "")
			}
			if want := auth0sim.Subject("ada@example.com"); tok.Subject() != want {
				t.Errorf("Subject() = %q; want %q", tok.Subject(), want)
			}
			if tok.Email() != "ada@example.com" {
				t.Errorf("Email() = %q; want %q", tok.Email(), "ada@example.com")
			}
			if tok.TokenType != "Bearer" || !strings.Contains(tok.Scope, "openid") {
				t.Errorf("TokenType, Scope = %q, %q; want Bearer and a scope with openid", tok.TokenType, tok.Scope)
			}
			if n := tok.ExpiresIn(time.Now()); n < 3500 || n > 3600 {
				t.Errorf("ExpiresIn(now) = %d; want about 3600", n)
			}
			checkAuthorizeURL(t, rec.wait(t), redirects[0])
			assertPortFree(t, redirectPort(t, rec.wait(t)))
		})
	}
}

// checkAuthorizeURL checks the parameters of RFC 6749 §4.1.1 and RFC 7636,
// response_mode=form_post and the redirect URI.
func checkAuthorizeURL(t *testing.T, raw, wantRedirect string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("authorize URL: %v", err)
	}
	q := u.Query()
	want := map[string]string{
		"response_type":         "code",
		"response_mode":         "form_post",
		"client_id":             auth.DefaultClientID,
		"audience":              auth.DefaultAudience,
		"scope":                 "openid profile email offline_access",
		"code_challenge_method": "S256",
		"redirect_uri":          wantRedirect,
	}
	for k, v := range want {
		if got := q.Get(k); got != v {
			t.Errorf("authorize URL %s = %q; want %q", k, got, v)
		}
	}
	if len(q.Get("code_challenge")) != 43 {
		t.Errorf("code_challenge has %d characters; want 43 (base64url SHA-256)", len(q.Get("code_challenge")))
	}
	if len(q.Get("state")) != 43 {
		t.Errorf("state has %d characters; want 43 (32 random bytes)", len(q.Get("state")))
	}
	if q.Has("client_secret") {
		t.Error("authorize URL carries a client_secret")
	}
}

// TestLoginDefaultPortTaken: when another program has the first default
// redirect's port, on 127.0.0.1 or on ::1 (where a browser may go for
// localhost), the sign-in comes back on the second.
func TestLoginDefaultPortTaken(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "::1"} {
		t.Run(host, func(t *testing.T) {
			redirects := freeRedirects(t)
			first, _ := url.Parse(redirects[0])
			ln, err := net.Listen("tcp", net.JoinHostPort(host, first.Port()))
			if err != nil {
				if host == "::1" {
					t.Skipf("no IPv6 loopback on this machine: %v", err)
				}
				t.Fatal(err)
			}
			defer ln.Close()
			sim := startSim(t, auth0sim.Config{RedirectURIs: redirects})
			br := newBrowser(t, "ada@example.com", "none")
			s := auth.NewSigner(simConfig(sim.URL()), br, auth.WithHTTPClient(testClient(t)))
			tok, res := login(t, s, br)
			if tok.Email() != "ada@example.com" {
				t.Errorf("Email() = %q; want ada@example.com", tok.Email())
			}
			if res.callback == nil || !strings.HasPrefix(res.callback.String(), redirects[1]+"?") {
				t.Errorf("browser came back to %v; want %s", res.callback, redirects[1])
			}
		})
	}
}

// TestLoginDefaultPortsTaken: with both default ports taken, Login says so
// in one sentence naming both, and how to choose another.
func TestLoginDefaultPortsTaken(t *testing.T) {
	redirects := freeRedirects(t)
	var ports []string
	for _, r := range redirects {
		u, _ := url.Parse(r)
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", u.Port()))
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		ports = append(ports, u.Port())
	}
	s := auth.NewSigner(simConfig("http://127.0.0.1:1"), nil)
	_, err := s.Login(context.Background(), func(string) { t.Error("onURL called although both ports are taken") })
	if err == nil {
		t.Fatal("Login() with both ports taken succeeded")
	}
	t.Logf("Login() error: %v", err)
	if !errors.Is(err, auth.ErrRedirectPortsInUse) || !neterr.IsAddrInUse(err) {
		t.Errorf("Login() error = %v; want errors.Is ErrRedirectPortsInUse and neterr.IsAddrInUse", err)
	}
	want := fmt.Sprintf("ports %s and %s, which Pieces' sign-in sends you back to, are in use by other programs. Close one of them, or set --redirect-url (PIECES_AUTH0_REDIRECT_URL)", ports[0], ports[1])
	if !strings.Contains(err.Error(), want) {
		t.Errorf("Login() error = %q; want it to say %q", err, want)
	}
}

// TestLoginLocalhostListensOnBoth: a localhost redirect is served on
// 127.0.0.1 and ::1 alike, by the one handler, and both close.
func TestLoginLocalhostListensOnBoth(t *testing.T) {
	if ln, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback on this machine: %v", err)
	} else {
		ln.Close()
	}
	freeRedirects(t)
	s := auth.NewSigner(simConfig("http://127.0.0.1:1"), nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := newURLRecorder()
	errc := make(chan error, 1)
	go func() {
		_, err := s.Login(ctx, rec.onURL)
		errc <- err
	}()
	au, _ := url.Parse(rec.wait(t))
	ru, _ := url.Parse(au.Query().Get("redirect_uri"))
	hc := testClient(t)
	for _, host := range []string{"127.0.0.1", "::1"} {
		target := "http://" + net.JoinHostPort(host, ru.Port()) + ru.Path + "?state=wrong"
		resp, err := hc.Get(target)
		if err != nil {
			t.Fatalf("GET %s: %v", target, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "out of date") {
			t.Errorf("GET %s = %d %q; want Login's 400 wrong-state page", target, resp.StatusCode, body)
		}
	}
	cancel()
	if err := <-errc; !errors.Is(err, auth.ErrCancelled) {
		t.Errorf("Login() error = %v; want ErrCancelled", err)
	}
	assertPortFree(t, redirectPort(t, rec.url))
}

func TestLoginConfiguredPort(t *testing.T) {
	port := freePort(t)
	redirect := fmt.Sprintf("http://127.0.0.1:%d/callback", port)
	sim := startSim(t, auth0sim.Config{RedirectURIs: []string{redirect}})
	cfg := simConfig(sim.URL())
	cfg.RedirectURL = redirect
	br := newBrowser(t, "grace@example.com", "none")
	s := auth.NewSigner(cfg, br, auth.WithHTTPClient(testClient(t)))
	tok, res := login(t, s, br)
	if tok.Email() != "grace@example.com" {
		t.Errorf("Email() = %q; want grace@example.com", tok.Email())
	}
	if res.callback == nil || res.callback.Port() != fmt.Sprint(port) || res.callback.Path != "/callback" {
		t.Errorf("browser came back to %v; want port %d path /callback", res.callback, port)
	}
	assertPortFree(t, port)
}

// TestLoginConfiguredIPv6Loopback: a redirect URI on [::1] is served on
// ::1, where the browser goes, not on 127.0.0.1.
func TestLoginConfiguredIPv6Loopback(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback on this machine: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	redirect := fmt.Sprintf("http://[::1]:%d/callback", port)
	sim := startSim(t, auth0sim.Config{RedirectURIs: []string{redirect}})
	cfg := simConfig(sim.URL())
	cfg.RedirectURL = redirect
	br := newBrowser(t, "grace@example.com", "none")
	s := auth.NewSigner(cfg, br, auth.WithHTTPClient(testClient(t)))
	tok, res := login(t, s, br)
	if tok.Email() != "grace@example.com" {
		t.Errorf("Email() = %q; want grace@example.com", tok.Email())
	}
	if res.callback == nil || res.callback.Hostname() != "::1" || res.callback.Port() != fmt.Sprint(port) {
		t.Errorf("browser came back to %v; want [::1]:%d", res.callback, port)
	}
}

func TestLoginPortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	cfg := simConfig("http://127.0.0.1:1")
	cfg.RedirectURL = fmt.Sprintf("http://localhost:%d/authentication/response", port)
	s := auth.NewSigner(cfg, nil)
	_, err = s.Login(context.Background(), func(string) { t.Error("onURL called although the port is taken") })
	if err == nil {
		t.Fatal("Login() with the port taken succeeded")
	}
	t.Logf("Login() error: %v", err)
	if want := fmt.Sprintf("port %d is in use by another program", port); !strings.Contains(err.Error(), want) {
		t.Errorf("Login() error = %q; want it to say %q", err, want)
	}
	if !neterr.IsAddrInUse(err) || errors.Is(err, auth.ErrRedirectPortsInUse) {
		t.Errorf("Login() error = %v; want neterr.IsAddrInUse, and not ErrRedirectPortsInUse (no default was tried)", err)
	}
}

// TestLoginAnyFreePort: a configured port 0 on an IP literal listens on a
// free port and sends that port in the redirect URI.
func TestLoginAnyFreePort(t *testing.T) {
	s := auth.NewSigner(offlineConfig(), nil)
	au, errc := startLogin(t, s)
	redirect := au.Query().Get("redirect_uri")
	port := redirectPort(t, au.String()) // fails on port 0
	if want := fmt.Sprintf("http://127.0.0.1:%d/pkce/response/code", port); redirect != want {
		t.Errorf("redirect_uri = %q; want %q", redirect, want)
	}
	resp, err := testClient(t).Get(redirect + "?" + url.Values{"state": {au.Query().Get("state")}, "error": {"access_denied"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := <-errc; !errors.Is(err, auth.ErrCancelled) {
		t.Errorf("Login() error = %v; want ErrCancelled from the callback on port %d", err, port)
	}
	assertPortFree(t, port)
}

// TestLoginWrongState: a callback with a wrong state gets 400, by GET and
// by POST, and the sign-in goes on to the right one.
func TestLoginWrongState(t *testing.T) {
	sim := startSim(t, auth0sim.Config{})
	for _, post := range []bool{false, true} {
		t.Run(fmt.Sprintf("post=%t", post), func(t *testing.T) {
			br := newBrowser(t, "ada@example.com", "none")
			br.badStateFirst = true
			br.post = post
			s := auth.NewSigner(simConfig(sim.URL()), br, auth.WithHTTPClient(testClient(t)))
			tok, res := login(t, s, br)
			if res.err != nil || res.status != http.StatusOK {
				t.Fatalf("browser ended on status %d, err %v; want 200 after the right state", res.status, res.err)
			}
			if tok.Email() != "ada@example.com" {
				t.Errorf("Email() = %q; want ada@example.com", tok.Email())
			}
		})
	}
}

// TestLoginDenied: Deny on the sign-in page, coming back by GET or by POST,
// is a cancellation.
func TestLoginDenied(t *testing.T) {
	sim := startSim(t, auth0sim.Config{})
	for _, post := range []bool{false, true} {
		t.Run(fmt.Sprintf("post=%t", post), func(t *testing.T) {
			br := newBrowser(t, "ada@example.com", "deny")
			br.post = post
			rec := newURLRecorder()
			s := auth.NewSigner(simConfig(sim.URL()), br, auth.WithHTTPClient(testClient(t)))
			_, err := s.Login(context.Background(), rec.onURL)
			res := br.result(t)
			if !errors.Is(err, auth.ErrCancelled) {
				t.Fatalf("Login() error = %v; want ErrCancelled", err)
			}
			if want := "sign-in was cancelled in the browser"; !strings.Contains(err.Error(), want) {
				t.Errorf("Login() error = %q; want it to say %q", err, want)
			}
			if res.callback == nil || !strings.Contains(res.body, "Sign-in cancelled") {
				t.Errorf("denied page (callback %v) = %q; want it to say the sign-in was cancelled", res.callback, res.body)
			}
			assertPortFree(t, redirectPort(t, rec.wait(t)))
		})
	}
}

func TestLoginWrongVerifier(t *testing.T) {
	sim := startSim(t, auth0sim.Config{})
	br := newBrowser(t, "ada@example.com", "none")
	rec := newURLRecorder()
	tamper := auth.WithVerifierTamper(func(v string) string { return strings.Repeat("x", len(v)) })
	s := auth.NewSigner(simConfig(sim.URL()), br, auth.WithHTTPClient(testClient(t)), tamper)
	_, err := s.Login(context.Background(), rec.onURL)
	res := br.result(t)
	if err == nil {
		t.Fatal("Login() with a wrong verifier succeeded; want the server to reject it")
	}
	t.Logf("Login() error: %v", err)
	if errors.Is(err, auth.ErrSignInNeeded) || errors.Is(err, auth.ErrCancelled) {
		t.Errorf("Login() error = %v; want a failed sign-in, not ErrSignInNeeded or ErrCancelled", err)
	}
	if !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("Login() error = %q; want the server's invalid_grant", err)
	}
	if res.status != http.StatusBadRequest || !strings.Contains(res.body, "Sign-in did not finish") {
		t.Errorf("browser page = %d %q; want 400 and the failure page", res.status, res.body)
	}
	if strings.Contains(res.body, "Signed in") {
		t.Error("the failure page claims success")
	}
	assertPortFree(t, redirectPort(t, rec.wait(t)))
}

func TestLoginTimeout(t *testing.T) {
	s := auth.NewSigner(offlineConfig(), nil, auth.WithLoginTimeout(100*time.Millisecond))
	rec := newURLRecorder()
	_, err := s.Login(context.Background(), rec.onURL)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, auth.ErrCancelled) {
		t.Fatalf("Login() error = %v; want a timeout (DeadlineExceeded, not ErrCancelled)", err)
	}
	assertPortFree(t, redirectPort(t, rec.wait(t)))
}

func TestLoginCancel(t *testing.T) {
	s := auth.NewSigner(offlineConfig(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	rec := newURLRecorder()
	errc := make(chan error, 1)
	go func() {
		_, err := s.Login(ctx, rec.onURL)
		errc <- err
	}()
	port := redirectPort(t, rec.wait(t))
	cancel()
	err := <-errc
	if !errors.Is(err, auth.ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Login() after cancel: error = %v; want ErrCancelled and context.Canceled", err)
	}
	assertPortFree(t, port)
}

func TestLoginSecondAttempt(t *testing.T) {
	s := auth.NewSigner(offlineConfig(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := newURLRecorder()
	errc := make(chan error, 1)
	go func() {
		_, err := s.Login(ctx, rec.onURL)
		errc <- err
	}()
	port := redirectPort(t, rec.wait(t))
	if _, err := s.Login(context.Background(), nil); !errors.Is(err, auth.ErrInProgress) {
		t.Errorf("second Login() error = %v; want ErrInProgress", err)
	}
	cancel()
	<-errc
	assertPortFree(t, port)
	// Once the first attempt is over, a new one may start.
	ctx2, cancel2 := context.WithCancel(context.Background())
	rec2 := newURLRecorder()
	go func() {
		_, err := s.Login(ctx2, rec2.onURL)
		errc <- err
	}()
	rec2.wait(t)
	cancel2()
	if err := <-errc; !errors.Is(err, auth.ErrCancelled) {
		t.Errorf("third Login() error = %v; want ErrCancelled after cancel", err)
	}
}

// TestCallbackHandling drives the loopback listener directly, as a browser
// would, with the results an authorization server can send, by GET (query)
// and by POST (form_post).
func TestCallbackHandling(t *testing.T) {
	tests := []struct {
		name       string
		params     func(state string) url.Values
		wantErr    string // substring of Login's error
		wantIs     error
		wantStatus int
		wantBody   string
	}{
		{
			name: "server error is reported with its description, escaped",
			params: func(st string) url.Values {
				return url.Values{"state": {st}, "error": {"server_error"}, "error_description": {"<b>down</b> & out"}}
			},
			wantErr:    "<b>down</b> & out (server_error)",
			wantStatus: http.StatusBadRequest,
			wantBody:   "&lt;b&gt;down&lt;/b&gt; &amp; out",
		},
		{
			name:       "access_denied is a cancellation",
			params:     func(st string) url.Values { return url.Values{"state": {st}, "error": {"access_denied"}} },
			wantIs:     auth.ErrCancelled,
			wantStatus: http.StatusOK,
			wantBody:   "Sign-in cancelled",
		},
		{
			name:       "no code",
			params:     func(st string) url.Values { return url.Values{"state": {st}} },
			wantErr:    "without an authorization code",
			wantStatus: http.StatusBadRequest,
			wantBody:   "Sign-in did not finish",
		},
	}
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		for _, tt := range tests {
			t.Run(method+" "+tt.name, func(t *testing.T) {
				freeRedirects(t)
				s := auth.NewSigner(simConfig("http://127.0.0.1:1"), nil)
				au, errc := startLogin(t, s)
				redirect := au.Query().Get("redirect_uri")
				state := au.Query().Get("state")
				hc := testClient(t)

				// Noise first: none of it ends the wait.
				good := url.Values{"state": {state}, "code": {"x"}}.Encode()
				const form = "application/x-www-form-urlencoded"
				noise := []struct {
					name, method, url, contentType, body string
					want                                 int
					outOfDate                            bool // the wrong-state page
				}{
					{"other path", http.MethodGet, strings.TrimSuffix(redirect, "/code") + "/other?" + good, "", "", http.StatusNotFound, false},
					{"PUT", http.MethodPut, redirect, form, good, http.StatusMethodNotAllowed, false},
					{"POST, not a form", http.MethodPost, redirect, "text/plain", good, http.StatusUnsupportedMediaType, false},
					{"POST, body too large", http.MethodPost, redirect, form, good + "&pad=" + strings.Repeat("a", 64<<10), http.StatusBadRequest, false},
					{"POST, state in the URL only", http.MethodPost, redirect + "?" + good, form, "", http.StatusBadRequest, true},
					{"GET, wrong state", http.MethodGet, redirect + "?state=wrong&code=x", "", "", http.StatusBadRequest, true},
					{"POST, wrong state", http.MethodPost, redirect, form, "state=wrong&code=x", http.StatusBadRequest, true},
					{"GET, no state", http.MethodGet, redirect + "?code=x", "", "", http.StatusBadRequest, true},
				}
				for _, n := range noise {
					req, _ := http.NewRequest(n.method, n.url, strings.NewReader(n.body))
					if n.contentType != "" {
						req.Header.Set("Content-Type", n.contentType)
					}
					resp, err := hc.Do(req)
					if err != nil {
						t.Fatalf("%s: %v", n.name, err)
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != n.want {
						t.Errorf("%s: status %d; want %d", n.name, resp.StatusCode, n.want)
					}
					if n.want == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "GET, POST" {
						t.Errorf("%s: Allow = %q; want %q", n.name, resp.Header.Get("Allow"), "GET, POST")
					}
					if n.outOfDate && (resp.Header.Get("Cache-Control") != "no-store" || !strings.Contains(string(body), "out of date")) {
						t.Errorf("%s: Cache-Control %q, body %q; want no-store and the wrong-state page", n.name, resp.Header.Get("Cache-Control"), body)
					}
				}
				select {
				case err := <-errc:
					t.Fatalf("Login() ended on a bad request: %v", err)
				default:
				}

				var resp *http.Response
				var err error
				if method == http.MethodGet {
					resp, err = hc.Get(redirect + "?" + tt.params(state).Encode())
				} else {
					// Cross-site, as a form_post page on the server's site.
					req, _ := http.NewRequest(http.MethodPost, redirect, strings.NewReader(tt.params(state).Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
					req.Header.Set("Origin", "https://auth.pieces.services")
					resp, err = hc.Do(req)
				}
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				err = <-errc
				if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
					t.Errorf("Login() error = %v; want %v", err, tt.wantIs)
				}
				if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
					t.Errorf("Login() error = %v; want it to contain %q", err, tt.wantErr)
				}
				if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
					t.Errorf("page = %d %q; want %d containing %q", resp.StatusCode, body, tt.wantStatus, tt.wantBody)
				}
				if resp.Header.Get("Cache-Control") != "no-store" {
					t.Errorf("page Cache-Control = %q; want no-store", resp.Header.Get("Cache-Control"))
				}
				assertPortFree(t, redirectPort(t, au.String()))
			})
		}
	}
}
