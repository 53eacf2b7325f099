package auth0sim_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"piecestray/internal/auth0sim"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testKey is generated once: 2048-bit keys are slow under -race.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// fakeClock is an injected clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex // guards t
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const testEmail = "ada@example.com"

// startServer starts a Server on a free loopback port for the test.
func startServer(t *testing.T, cfg auth0sim.Config) *auth0sim.Server {
	t.Helper()
	if cfg.Key == nil {
		cfg.Key = testKey()
	}
	s := auth0sim.New(cfg)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// callback is the application's loopback redirect listener.
type callback struct {
	srv  *httptest.Server
	mu   sync.Mutex // guards hits
	hits []url.Values
}

// startCallback starts the application's listener and allows its callback
// URL on s, as the application's registration in Auth0 would.
func startCallback(t *testing.T, s *auth0sim.Server) *callback {
	t.Helper()
	cb := &callback{}
	cb.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		cb.mu.Lock()
		cb.hits = append(cb.hits, r.URL.Query())
		cb.mu.Unlock()
		_, _ = io.WriteString(w, "signed in; you can close this window")
	}))
	t.Cleanup(cb.srv.Close)
	if err := s.AllowRedirectURI(cb.redirectURI()); err != nil {
		t.Fatalf("AllowRedirectURI: %v", err)
	}
	return cb
}

// redirectURI is the callback URL on 127.0.0.1 and the listener's port.
func (cb *callback) redirectURI() string { return cb.srv.URL + "/callback" }

func (cb *callback) last(t *testing.T) url.Values {
	t.Helper()
	cb.mu.Lock()
	defer cb.mu.Unlock()
	if len(cb.hits) == 0 {
		t.Fatal("callback was not reached")
	}
	return cb.hits[len(cb.hits)-1]
}

// newBrowser is an HTTP client with cookies that follows redirects.
func newBrowser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Jar: jar, Transport: tr, Timeout: 30 * time.Second}
}

// noFollow returns a copy of c that stops at the first redirect.
func noFollow(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

// pkce is a fresh RFC 7636 verifier and its S256 challenge.
type pkce struct{ verifier, challenge string }

func newPKCE() pkce {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(v))
	return pkce{verifier: v, challenge: base64.RawURLEncoding.EncodeToString(sum[:])}
}

// authorizeURL builds an /authorize URL with valid defaults; overrides set
// a parameter ("" deletes it).
func authorizeURL(base, redirectURI string, p pkce, overrides map[string]string) string {
	q := url.Values{
		"client_id":             {auth0sim.DefaultClientID},
		"response_type":         {"code"},
		"redirect_uri":          {redirectURI},
		"code_challenge":        {p.challenge},
		"code_challenge_method": {"S256"},
		"state":                 {"st-123"},
		"audience":              {auth0sim.DefaultAudience},
		"scope":                 {"openid profile email offline_access"},
		"nonce":                 {"n-456"},
	}
	for k, v := range overrides {
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	return base + "/authorize?" + q.Encode()
}

var txRe = regexp.MustCompile(`name="tx" value="([^"]+)"`)

// openPage GETs the sign-in page and returns the transaction id in its form.
func openPage(t *testing.T, b *http.Client, authURL string) string {
	t.Helper()
	resp, err := b.Get(authURL)
	if err != nil {
		t.Fatalf("GET /authorize: %v", err)
	}
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /authorize = %d; want 200; body %s", resp.StatusCode, body)
	}
	m := txRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("sign-in page has no tx field: %s", body)
	}
	return m[1]
}

// submit posts the sign-in form as Chromium does under the page's
// Referrer-Policy: with "Origin: null".
func submit(t *testing.T, b *http.Client, base, tx, email, action string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/authorize", strings.NewReader(url.Values{
		"tx": {tx}, "email": {email}, "action": {action},
	}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "null")
	resp, err := b.Do(req)
	if err != nil {
		t.Fatalf("POST /authorize: %v", err)
	}
	return resp
}

// signIn runs the browser part of the flow and returns the code the
// callback received.
func signIn(t *testing.T, s *auth0sim.Server, cb *callback, p pkce, overrides map[string]string) string {
	t.Helper()
	b := newBrowser(t)
	tx := openPage(t, b, authorizeURL(s.URL(), cb.redirectURI(), p, overrides))
	resp := submit(t, b, s.URL(), tx, testEmail, "approve")
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in ended with %d; want 200 from the callback; body %s", resp.StatusCode, body)
	}
	q := cb.last(t)
	if q.Get("code") == "" {
		t.Fatalf("callback query %v has no code", q)
	}
	return q.Get("code")
}

// tokenResult is a decoded /oauth/token answer.
type tokenResult struct {
	status int
	header http.Header
	body   map[string]any
}

func (r tokenResult) str(k string) string {
	s, _ := r.body[k].(string)
	return s
}

func postToken(t *testing.T, base string, form url.Values) tokenResult {
	t.Helper()
	resp, err := http.PostForm(base+"/oauth/token", form)
	if err != nil {
		t.Fatalf("POST /oauth/token: %v", err)
	}
	defer resp.Body.Close()
	res := tokenResult{status: resp.StatusCode, header: resp.Header}
	if err := json.NewDecoder(resp.Body).Decode(&res.body); err != nil {
		t.Fatalf("POST /oauth/token: decode: %v", err)
	}
	return res
}

func exchange(t *testing.T, s *auth0sim.Server, code, verifier, redirectURI string) tokenResult {
	t.Helper()
	return postToken(t, s.URL(), url.Values{
		"grant_type":    {"authorization_code"},
		"client_id":     {auth0sim.DefaultClientID},
		"code":          {code},
		"code_verifier": {verifier},
		"redirect_uri":  {redirectURI},
	})
}

func refresh(t *testing.T, s *auth0sim.Server, rt string) tokenResult {
	t.Helper()
	return postToken(t, s.URL(), url.Values{
		"grant_type":    {"refresh_token"},
		"client_id":     {auth0sim.DefaultClientID},
		"refresh_token": {rt},
	})
}

// mustTokens runs a full sign-in and exchange and returns the tokens.
func mustTokens(t *testing.T, s *auth0sim.Server, cb *callback) tokenResult {
	t.Helper()
	p := newPKCE()
	code := signIn(t, s, cb, p, nil)
	res := exchange(t, s, code, p.verifier, cb.redirectURI())
	if res.status != http.StatusOK {
		t.Fatalf("code exchange = %d %v; want 200", res.status, res.body)
	}
	return res
}

// userinfo calls /userinfo with an Authorization header value.
func userinfo(t *testing.T, s *auth0sim.Server, authorization string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL()+"/userinfo", nil)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /userinfo: %v", err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return string(b)
}
