package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"piecestray/apiclient"
	"piecestray/app"
	"piecestray/auth"
	"piecestray/auth/authtest"
	"piecestray/internal/control"
	"piecestray/internal/piecesos"
	"piecestray/internal/winetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testVersion is the version of "this program" in the tests.
const testVersion = "1.2.3"

// world is a computer on which every check passes: a simulated Pieces OS
// with Ada signed in, found through its port file; a stored session of
// Ada; an Auth0 domain (a local TLS server) whose OpenID configuration
// names it; free redirect ports; a desktop with a tray host and a
// notification server; and an agent of this version. Tests break one link
// at a time.
type world struct {
	t     *testing.T
	sim   *piecesos.Server
	pos   *httptest.Server // serves sim through wrap
	idp   *httptest.Server // the Auth0 domain
	store *authtest.Store
	agent *fakeAgent
	env   Env

	mu     sync.Mutex // guards wrap and issuer
	wrap   func(w http.ResponseWriter, r *http.Request) bool
	issuer string // what the OpenID configuration names; "" the domain itself
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t}
	w.sim = piecesos.New(piecesos.Config{})
	w.sim.SignInEmail("ada@example.com", "Ada Lovelace")
	w.pos = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		wrap := w.wrap
		w.mu.Unlock()
		if wrap != nil && wrap(rw, r) {
			return
		}
		w.sim.ServeHTTP(rw, r)
	}))
	t.Cleanup(func() {
		w.sim.Close() // ends the streams it served
		w.pos.Close()
	})

	w.idp = httptest.NewUnstartedServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(rw, r)
			return
		}
		w.mu.Lock()
		iss := w.issuer
		w.mu.Unlock()
		if iss == "" {
			iss = w.idp.URL + "/"
		}
		json.NewEncoder(rw).Encode(map[string]string{"issuer": iss, "authorization_endpoint": w.idp.URL + "/authorize"})
	}))
	w.idp.Config.ErrorLog = log.New(io.Discard, "", 0) // the TLS tests make it fail handshakes
	w.idp.StartTLS()
	t.Cleanup(w.idp.Close)
	roots := x509.NewCertPool()
	roots.AddCert(w.idp.Certificate())

	w.store = authtest.NewStore()
	if err := w.store.Put(&auth.Session{RefreshToken: "rt-secret-never-shown", Email: "ada@example.com", Subject: "auth0|ada"}); err != nil {
		t.Fatal(err)
	}
	w.agent = startAgent(t, app.State{Phase: app.PhaseSignedIn, Mode: app.ModeAuth0}, control.Info{Version: testVersion, LogFile: "/var/log/pieces-tray.log"})

	cfg := auth.DefaultConfig()
	cfg.Domain = w.idp.URL
	w.env = Env{
		Version: testVersion,
		Discovery: apiclient.Discovery{
			PortFile:    writePortFile(t, portOfURL(t, w.pos.URL)),
			Ports:       []int{}, // the port file alone finds it
			LegacyPorts: []int{},
		},
		Auth:         cfg,
		RedirectURLs: []string{"http://localhost:" + freePort(t) + "/cb", "http://localhost:" + freePort(t) + "/cb"},
		TLSConfig:    &tls.Config{RootCAs: roots},
		Store:        w.store,
		KeyringName:  "Secret Service",
		Desktop:      &fakeDesktop{host: true, name: "Fake Notifications", version: "1.0"},
		Getenv:       mapEnv{"PIECES_TRAY_ICONS": "dark"}.get,
		SocketPath:   w.agent.path,
		StreamWait:   5 * time.Second, // a loaded machine; the stream goes live in milliseconds
	}
	return w
}

// intercept makes f answer the requests to Pieces OS it handles (it
// returns true for them).
func (w *world) intercept(f func(w http.ResponseWriter, r *http.Request) bool) {
	w.mu.Lock()
	w.wrap = f
	w.mu.Unlock()
}

func (w *world) setIssuer(iss string) {
	w.mu.Lock()
	w.issuer = iss
	w.mu.Unlock()
}

// run runs the checks of w.env.
func (w *world) run() Report {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return Run(ctx, w.env)
}

// check runs the checks and returns the one with id.
func (w *world) check(id string) Check {
	w.t.Helper()
	r := w.run()
	c, ok := r.Check(id)
	if !ok {
		w.t.Fatalf("the report has no check %q:\n%s", id, r.Text())
	}
	return c
}

// want fails t unless c has status and its found and fix texts contain
// found and fix.
func want(t *testing.T, c Check, status Status, found, fix string) {
	t.Helper()
	if c.Status != status || !strings.Contains(c.Found, found) || !strings.Contains(c.Fix, fix) {
		t.Errorf("%s = %s %q → %q;\nwant %s, found containing %q, fix containing %q", c.ID, c.Status, c.Found, c.Fix, status, found, fix)
	}
	if (c.Status == Fail || c.Status == Warn) && c.Fix == "" {
		t.Errorf("%s is %s without a fix", c.ID, c.Status)
	}
}

// mapEnv is an environment for Env.Getenv.
type mapEnv map[string]string

func (m mapEnv) get(k string) string { return m[k] }

// fakeDesktop is a Desktop with fixed answers.
type fakeDesktop struct {
	host          bool
	hostErr       error
	hostHangs     bool // TrayHost answers only when its wait is over
	name, version string
	notesErr      error
}

func (d *fakeDesktop) TrayHost(ctx context.Context) (bool, error) {
	if d.hostHangs {
		<-ctx.Done()
		return false, ctx.Err()
	}
	return d.host, d.hostErr
}

func (d *fakeDesktop) NotificationServer(ctx context.Context) (string, string, error) {
	if err := ctx.Err(); err != nil {
		return "", "", err
	}
	return d.name, d.version, d.notesErr
}

// fakeAgent serves the control socket with a fixed state and info.
type fakeAgent struct {
	path  string
	state json.RawMessage
	info  *control.Info // nil: an agent from before /v1/info
}

func (a *fakeAgent) Watch(ctx context.Context) <-chan json.RawMessage {
	ch := make(chan json.RawMessage, 1)
	ch <- a.state
	context.AfterFunc(ctx, func() { close(ch) })
	return ch
}

func (a *fakeAgent) Call(context.Context, string, json.RawMessage) (json.RawMessage, error) {
	return nil, errors.New("no actions here")
}

// describedAgent is a fakeAgent that answers GET /v1/info.
type describedAgent struct{ *fakeAgent }

func (a describedAgent) AgentInfo() control.Info { return *a.info }

// startAgent serves an agent in state st; info nil is an agent from
// before GET /v1/info.
func startAgent(t *testing.T, st app.State, info control.Info) *fakeAgent {
	t.Helper()
	return serveAgent(t, st, &info)
}

func serveAgent(t *testing.T, st app.State, info *control.Info) *fakeAgent {
	t.Helper()
	winetest.NeedUnixSockets(t)
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	a := &fakeAgent{path: winetest.SocketPath(t, "c.sock"), state: raw, info: info}
	srv, err := control.Listen(a.path)
	if err != nil {
		t.Fatal(err)
	}
	var h control.Handler = a
	if info != nil {
		h = describedAgent{a}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve() = %v", err)
		}
	})
	return a
}

// writePortFile writes a Pieces OS port file naming port.
func writePortFile(t *testing.T, port int) string {
	t.Helper()
	path := filepath.Join(winetest.TempDir(t), ".port.txt")
	if err := os.WriteFile(path, []byte(strconv.Itoa(port)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// freePort is a loopback port nothing listens on (at the time of asking).
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// holdPort listens on 127.0.0.1:port until the test ends: another program.
func holdPort(t *testing.T, port string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
}

// closedPort is a port where nothing answers.
func closedPort(t *testing.T) int {
	t.Helper()
	p, _ := strconv.Atoi(freePort(t))
	return p
}

func portOfURL(t *testing.T, u string) int {
	t.Helper()
	_, port, err := net.SplitHostPort(strings.TrimPrefix(u, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	return p
}

// portURL is the base URL of a loopback port.
func portURL(port int) string { return fmt.Sprintf("http://127.0.0.1:%d", port) }

// writeFile writes a file of content and returns its path.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(winetest.TempDir(t), "file")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
