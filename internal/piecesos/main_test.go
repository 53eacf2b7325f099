package piecesos

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"piecestray/apiclient"
)

// waitLong bounds every wait in these tests: generous, because they run
// beside other packages' tests on a loaded machine.
const waitLong = 10 * time.Second

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeClock is an injected clock.
type fakeClock struct {
	mu sync.Mutex
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
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// startSim starts a simulator on a free loopback port, closed at cleanup.
func startSim(t *testing.T, cfg Config) *Server {
	t.Helper()
	s := New(cfg)
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

// newClient is an HTTP client whose idle connections end with the test.
func newClient(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: waitLong}
}

// reply is an HTTP answer read whole.
type reply struct {
	status int
	body   string
	header http.Header
}

// call sends method url with body (none when empty) and reads the answer.
func call(t *testing.T, c *http.Client, method, url, body string) reply {
	t.Helper()
	return callHeader(t, c, method, url, body, "")
}

// fromToken posts body to base's from_token with the body's access_token
// (if any) in "Authorization: Bearer", as the SDK's auth0 scheme sends it.
func fromToken(t *testing.T, c *http.Client, base, body string) reply {
	t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	auth := ""
	if json.Unmarshal([]byte(body), &tok) == nil && tok.AccessToken != "" {
		auth = "Bearer " + tok.AccessToken
	}
	return callHeader(t, c, "POST", base+"/users/authenticate/from_token", body, auth)
}

// callHeader is call with an Authorization header (none when empty).
func callHeader(t *testing.T, c *http.Client, method, url, body, authorization string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return reply{status: resp.StatusCode, body: string(b), header: resp.Header}
}

// decodeAs decodes r.body as JSON into a new T.
func decodeAs[T any](t *testing.T, r reply) *T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("decode %T from %q: %v", v, r.body, err)
	}
	return &v
}

// mustJSON encodes v.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return string(b)
}

// testProfile is a complete profile of a user with a personal cloud.
func testProfile(email string) *apiclient.UserProfile {
	id := userIDForSubject("test|" + email)
	p := newProfile(id, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	p.Email = email
	p.Name = "Test " + email
	return p
}

// stubAuth0 is an Auth0 /userinfo stub: the token "good-token" belongs to
// the claims, every other token gets 401.
type stubAuth0 struct {
	srv    *httptest.Server
	claims map[string]any
	mu     sync.Mutex
	calls  int
	status int // when non-zero, answer this instead
	body   string
}

func newStubAuth0(t *testing.T) *stubAuth0 {
	t.Helper()
	a := &stubAuth0{claims: map[string]any{
		"sub":            "auth0|abc123",
		"email":          "ada@example.com",
		"email_verified": true,
		"name":           "Ada Lovelace",
		"nickname":       "ada",
		"picture":        "https://example.com/ada.png",
		"updated_at":     "2026-01-01T00:00:00.000Z",
	}}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.calls++
		status, body := a.status, a.body
		a.mu.Unlock()
		if r.URL.Path != "/userinfo" || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		if status != 0 {
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
			return
		}
		if r.Header.Get("Authorization") != "Bearer good-token" {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			http.Error(w, `{"error":"invalid_token"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(a.claims)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *stubAuth0) answer(status int, body string) {
	a.mu.Lock()
	a.status, a.body = status, body
	a.mu.Unlock()
}

// wsClient reads a /user/stream connection on a goroutine of its own.
type wsClient struct {
	conn   *websocket.Conn
	frames chan string
	pongs  chan string
	end    chan error // the read error, once
	done   chan struct{}
}

// dialStream connects to base's /user/stream; the connection ends with the
// test.
func dialStream(t *testing.T, base string) *wsClient {
	t.Helper()
	url := "ws" + strings.TrimPrefix(base, "http") + "/user/stream"
	d := websocket.Dialer{HandshakeTimeout: waitLong}
	conn, resp, err := d.Dial(url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	resp.Body.Close()
	w := &wsClient{conn: conn, frames: make(chan string, 256), pongs: make(chan string, 16),
		end: make(chan error, 1), done: make(chan struct{})}
	conn.SetPongHandler(func(data string) error {
		w.pongs <- data
		return nil
	})
	go func() {
		defer close(w.done)
		for {
			typ, b, err := conn.ReadMessage()
			if err != nil {
				w.end <- err
				return
			}
			if typ == websocket.TextMessage {
				w.frames <- string(b)
			}
		}
	}()
	t.Cleanup(func() {
		conn.Close()
		<-w.done
	})
	return w
}

// next returns the next frame.
func (w *wsClient) next(t *testing.T) string {
	t.Helper()
	select {
	case f := <-w.frames:
		return f
	case err := <-w.end:
		t.Fatalf("stream ended while waiting for a frame: %v", err)
	case <-time.After(waitLong):
		t.Fatal("no stream frame")
	}
	return ""
}

// nextProfile returns the next frame decoded as a valid profile.
func (w *wsClient) nextProfile(t *testing.T) *apiclient.UserProfile {
	t.Helper()
	f := w.next(t)
	p, err := apiclient.DecodeProfile([]byte(f))
	if err != nil {
		t.Fatalf("frame %q: %v", f, err)
	}
	return p
}

// noFrame checks that no frame arrives for a short while.
func (w *wsClient) noFrame(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case f := <-w.frames:
		t.Fatalf("unexpected frame %q", f)
	case <-time.After(within):
	}
}

// ended waits for the connection to end and returns the read error.
func (w *wsClient) ended(t *testing.T) error {
	t.Helper()
	select {
	case err := <-w.end:
		return err
	case <-time.After(waitLong):
		t.Fatal("stream still open")
	}
	return nil
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// jsonEqual reports whether a and b encode the same.
func jsonEqual(t *testing.T, a, b any) bool {
	t.Helper()
	return bytes.Equal([]byte(mustJSON(t, a)), []byte(mustJSON(t, b)))
}
