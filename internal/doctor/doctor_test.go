package doctor

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"piecestray/apiclient"
	"piecestray/app"
	"piecestray/auth"
	"piecestray/auth/authtest"
	"piecestray/internal/control"
	"piecestray/internal/winetest"
)

// TestAllWell: on a computer where every link works, every check passes
// (or does not apply) and the exit code is 0.
func TestAllWell(t *testing.T) {
	w := newWorld(t)
	r := w.run()
	for _, c := range r.Checks {
		if c.Status == Fail || c.Status == Warn {
			t.Errorf("%s = %s %q → %q; want it to pass", c.ID, c.Status, c.Found, c.Fix)
		}
	}
	if r.Exit() != 0 {
		t.Errorf("Exit() = %d; want 0:\n%s", r.Exit(), r.Text())
	}
	want(t, mustCheck(t, r, IDPiecesOS), OK, "version 12.3.0 at "+w.pos.URL+", named by its port file", "")
	want(t, mustCheck(t, r, IDAccount), OK, "a***@example.com on Pieces OS; a session of a***@example.com is stored here, the same account", "")
	want(t, mustCheck(t, r, IDStream), OK, "goes live", "")
	want(t, mustCheck(t, r, IDAgent), OK, "running, version 1.2.3 (as this program); log: /var/log/pieces-tray.log", "")
}

func mustCheck(t *testing.T, r Report, id string) Check {
	t.Helper()
	c, ok := r.Check(id)
	if !ok {
		t.Fatalf("the report has no check %q", id)
	}
	return c
}

// TestOrder: the checks come in the order of the ID constants, each once.
func TestOrder(t *testing.T) {
	w := newWorld(t)
	r := w.run()
	var got []string
	for _, c := range r.Checks {
		got = append(got, c.ID)
	}
	if strings.Join(got, " ") != strings.Join(allIDs, " ") {
		t.Errorf("checks = %v;\nwant %v", got, allIDs)
	}
}

var allIDs = []string{IDPiecesOS, IDPortFile, IDStream, IDAccount, IDSignInMode, IDAuth0Domain, IDAuth0TLS,
	IDAuth0Issuer, IDRedirectPorts, IDOSSignIn, IDKeyring, IDTrayHost, IDNotifications, IDIcons, IDAgent, IDClock}

func TestPiecesOSAbsent(t *testing.T) {
	w := newWorld(t)
	w.env.Discovery = apiclient.Discovery{PortFile: "-", Ports: []int{closedPort(t)}, LegacyPorts: []int{}}
	r := w.run()
	want(t, mustCheck(t, r, IDPiecesOS), Fail, "not running at http://127.0.0.1:", "Start Pieces OS")
	for _, id := range []string{IDStream, IDAccount, IDClock} {
		want(t, mustCheck(t, r, id), Skip, "Pieces OS was not found", "")
	}
	if r.Exit() != 1 {
		t.Errorf("Exit() = %d; want 1", r.Exit())
	}
}

// TestPiecesOSOnAnotherPort: the URL set names a port where nothing
// answers, while Pieces OS answers on another: the fix names it.
func TestPiecesOSOnAnotherPort(t *testing.T) {
	w := newWorld(t)
	wrong := portURL(closedPort(t))
	w.env.Discovery = apiclient.Discovery{URL: wrong, PortFile: "-", Ports: []int{portOfURL(t, w.pos.URL)}, LegacyPorts: []int{}}
	r := w.run()
	want(t, mustCheck(t, r, IDPiecesOS), Fail, "nothing answers at "+wrong+" (--pieces-os-url or PIECES_OS_URL), but Pieces OS answers at "+w.pos.URL,
		"Set PIECES_OS_URL (or --pieces-os-url) to "+w.pos.URL)
	want(t, mustCheck(t, r, IDPortFile), Skip, "the Pieces OS URL is set", "")
}

// TestPiecesOSOfAnotherUser: a port held by another user's program is
// named, never used.
func TestPiecesOSOfAnotherUser(t *testing.T) {
	f := piecesOSFacts{err: &apiclient.NotRunningError{Tried: []string{"http://127.0.0.1:39300"}, Err: &apiclient.ForeignListenerError{Port: 39300, UID: 1001}}}
	want(t, f.check(), Fail, "port 39300 belongs to a program of another user (uid 1001)", "Start Pieces OS as yourself")
}

// TestPiecesOSUnwell: a Pieces OS whose health check fails runs, but is
// not well.
func TestPiecesOSUnwell(t *testing.T) {
	w := newWorld(t)
	w.intercept(func(rw http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/.well-known/health" {
			rw.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	want(t, w.check(IDPiecesOS), Fail, "running, but its health check answered 503 Service Unavailable", "start it again")
}

func TestPortFileStale(t *testing.T) {
	w := newWorld(t)
	dead := closedPort(t)
	w.env.Discovery.PortFile = writePortFile(t, dead)
	w.env.Discovery.Ports = []int{portOfURL(t, w.pos.URL)}
	r := w.run()
	want(t, mustCheck(t, r, IDPortFile), Warn, "names port "+strconv.Itoa(dead)+", where nothing answers", "restart Pieces OS")
	want(t, mustCheck(t, r, IDPiecesOS), OK, "found by a port scan", "")
	if r.Exit() != 0 {
		t.Errorf("Exit() = %d; want 0 (a warning):\n%s", r.Exit(), r.Text())
	}
}

func TestPortFileWithoutPort(t *testing.T) {
	w := newWorld(t)
	w.env.Discovery.PortFile = writeFile(t, "not a port\n")
	w.env.Discovery.Ports = []int{portOfURL(t, w.pos.URL)}
	want(t, w.check(IDPortFile), Warn, "names no port", "start it again")

	w.env.Discovery.PortFile = winetest.TempDir(t) + "/none.txt"
	want(t, w.check(IDPortFile), Skip, "none at ", "")
}

func TestStreamRefused(t *testing.T) {
	w := newWorld(t)
	w.env.StreamWait = 700 * time.Millisecond
	w.intercept(func(rw http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/user/stream" {
			http.Error(rw, "no streams today", http.StatusForbidden)
			return true
		}
		return false
	})
	want(t, w.check(IDStream), Fail, "not live within 700ms: ", "start it again")
}

func TestAccounts(t *testing.T) {
	tests := []struct {
		name    string
		onOS    string // email signed in to Pieces OS; "" nobody
		stored  string // email of the stored session; "" none
		loadErr error
		status  Status
		found   string
	}{
		{"same", "ada@example.com", "ADA@example.com", nil, OK, "a***@example.com on Pieces OS; a session of A***@example.com is stored here, the same account"},
		{"disagree", "ada@example.com", "bob@example.org", nil, Fail, "a***@example.com on Pieces OS, but a session of b***@example.org is stored here: two accounts"},
		{"nobody, session stored", "", "ada@example.com", nil, Warn, "nobody on Pieces OS; a session of a***@example.com is stored here (it may have expired"},
		{"nobody, nothing stored", "", "", nil, Warn, "nobody on Pieces OS; no session is stored here"},
		{"signed in elsewhere", "ada@example.com", "", nil, OK, "no session is stored here (another Pieces app signed in"},
		{"keyring locked", "ada@example.com", "", auth.ErrLocked, Warn, "the stored session could not be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.sim.SetUser(nil)
			if tt.onOS != "" {
				w.sim.SignInEmail(tt.onOS, "Someone")
			}
			w.env.Store = authtest.NewStore()
			if tt.stored != "" {
				w.env.Store.(*authtest.Store).Put(&auth.Session{RefreshToken: "rt", Email: tt.stored})
			}
			w.env.Store.(*authtest.Store).SetErr(authtest.OpLoad, tt.loadErr)
			r := w.run()
			want(t, mustCheck(t, r, IDAccount), tt.status, tt.found, "")
			if text := r.Text(); strings.Contains(text, "ada@") || strings.Contains(text, "bob@") {
				t.Errorf("the report shows a full email address:\n%s", text)
			}
		})
	}
}

// TestPiecesOSMode: in sign-in mode pieces-os, Pieces OS keeps the session:
// the keyring is not asked, the Auth0 checks do not apply, and Pieces OS
// must offer /os/sign_in.
func TestPiecesOSMode(t *testing.T) {
	w := newWorld(t)
	w.env.SignIn = "pieces-os"
	w.agent = startAgent(t, app.State{Phase: app.PhaseSignedIn, Mode: app.ModePiecesOS}, control.Info{Version: testVersion})
	w.env.SocketPath = w.agent.path
	r := w.run()
	want(t, mustCheck(t, r, IDSignInMode), OK, "pieces-os: Pieces OS runs the browser sign-in", "")
	want(t, mustCheck(t, r, IDAccount), OK, "a***@example.com on Pieces OS, which keeps the session", "")
	want(t, mustCheck(t, r, IDOSSignIn), OK, "Pieces OS offers /os/sign_in", "")
	for _, id := range []string{IDAuth0Domain, IDAuth0TLS, IDAuth0Issuer, IDRedirectPorts, IDKeyring} {
		want(t, mustCheck(t, r, id), Skip, "sign-in mode pieces-os", "")
	}
	if n := w.store.Calls(authtest.OpLoad); n != 0 {
		t.Errorf("the keyring was read %d times; want never in sign-in mode pieces-os", n)
	}
	if n := len(w.sim.Users()); n != 1 {
		t.Errorf("Pieces OS knows %d users; want the one (no sign-in started)", n)
	}

	w.intercept(func(rw http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/os/sign_in" {
			http.NotFound(rw, r)
			return true
		}
		return false
	})
	want(t, w.check(IDOSSignIn), Fail, "this Pieces OS has no /os/sign_in", "Update Pieces OS, or use --sign-in auth0")
}

func TestSignInMode(t *testing.T) {
	w := newWorld(t)
	w.env.SignIn = "magic"
	want(t, w.check(IDSignInMode), Fail, `"magic" is no sign-in mode`, "auth0 or pieces-os")

	w.env.SignIn = ""
	w.env.SocketPath = startAgent(t, app.State{Phase: app.PhaseSignedOut, Mode: app.ModePiecesOS}, control.Info{Version: testVersion}).path
	want(t, w.check(IDSignInMode), Warn, "auth0 here, but the running agent uses pieces-os", "--sign-in pieces-os")
}

func TestAuth0DomainDoesNotResolve(t *testing.T) {
	w := newWorld(t)
	w.env.Auth.Domain = "https://pieces-tray-test.invalid"
	r := w.run()
	want(t, mustCheck(t, r, IDAuth0Domain), Fail, "pieces-tray-test.invalid does not resolve", "check its spelling")
	want(t, mustCheck(t, r, IDAuth0TLS), Skip, "the domain does not resolve", "")
	want(t, mustCheck(t, r, IDAuth0Issuer), Skip, "the domain does not resolve", "")
}

// TestAuth0DomainResolves: a name resolves through the Resolver.
func TestAuth0DomainResolves(t *testing.T) {
	w := newWorld(t)
	w.env.Auth.Domain = "https://localhost:" + strconv.Itoa(portOfURL(t, strings.Replace(w.idp.URL, "https", "http", 1)))
	want(t, w.check(IDAuth0Domain), OK, "localhost resolves", "")
}

func TestAuth0TLSUntrusted(t *testing.T) {
	w := newWorld(t)
	w.env.TLSConfig = nil // the system's roots do not know the test server's certificate
	r := w.run()
	want(t, mustCheck(t, r, IDAuth0TLS), Fail, "presents a certificate this computer does not trust", "intercepts HTTPS")
	want(t, mustCheck(t, r, IDAuth0Issuer), Skip, "no TLS connection", "")
}

func TestAuth0TLSNotSpoken(t *testing.T) {
	w := newWorld(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// A plain TCP server that answers garbage to the ClientHello.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
			c.Close()
		}
	}()
	defer func() { l.Close(); <-done }()
	w.env.Auth.Domain = "https://" + l.Addr().String()
	want(t, w.check(IDAuth0TLS), Fail, "the TLS handshake with "+l.Addr().String()+" failed", "intercepts HTTPS")
}

func TestAuth0WrongIssuer(t *testing.T) {
	w := newWorld(t)
	w.setIssuer("https://evil.example/")
	want(t, w.check(IDAuth0Issuer), Fail, `names the issuer "https://evil.example/", not "`+w.idp.URL+`/"`, "--auth0-domain")
}

func TestAuth0DomainInvalid(t *testing.T) {
	w := newWorld(t)
	w.env.Auth.Domain = "http://auth.example.com" // http only on loopback
	want(t, w.check(IDAuth0Domain), Fail, "must use https", "Correct --auth0-domain")
}

func TestRedirectPorts(t *testing.T) {
	w := newWorld(t)
	first, second := portOfURLString(w.env.RedirectURLs[0]), portOfURLString(w.env.RedirectURLs[1])
	holdPort(t, first)
	want(t, w.check(IDRedirectPorts), Warn, "port "+first+" is used by another program; the sign-in uses port "+second, "close the program on port "+first)

	// The agent signing in holds the first port itself.
	w.env.SocketPath = startAgent(t, app.State{Phase: app.PhaseSigningIn, Mode: app.ModeAuth0}, control.Info{Version: testVersion}).path
	want(t, w.check(IDRedirectPorts), OK, "port "+first+" is held by Pieces Tray's sign-in under way", "")

	holdPort(t, second)
	w.env.SocketPath = startAgent(t, app.State{Phase: app.PhaseSignedOut, Mode: app.ModeAuth0}, control.Info{Version: testVersion}).path
	want(t, w.check(IDRedirectPorts), Fail, "ports "+first+" and "+second+" are used by other programs", "use --sign-in pieces-os")
}

func portOfURLString(u string) string {
	_, port, _ := net.SplitHostPort(strings.TrimSuffix(strings.TrimPrefix(u, "http://"), "/cb"))
	return port
}

func TestKeyring(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		block   bool
		status  Status
		found   string
		fix     string
		noStore bool
	}{
		{name: "holds ours", status: OK, found: "Secret Service answers and is unlocked; it holds Pieces Tray's session of a***@example.com"},
		{name: "holds nothing", noStore: true, status: OK, found: "Secret Service answers; it holds no Pieces Tray session"},
		{name: "locked", err: auth.ErrLocked, status: Fail, found: "Secret Service is locked", fix: "Unlock your keyring"},
		{name: "absent", err: auth.ErrNoSecretService, status: Fail, found: "no Secret Service answers on the session bus", fix: "Install gnome-keyring or KeePassXC"},
		{name: "hung", block: true, status: Fail, found: "Secret Service did not answer within 200ms", fix: "unlock it"},
		{name: "unreadable", err: &unreadable{}, status: Warn, found: "the session it holds is unreadable", fix: "Sign in again"},
		{name: "other", err: errors.New("auth: keyring load: the bus exploded"), status: Fail, found: "Secret Service failed: keyring load: the bus exploded", fix: "restart the keyring"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.env.KeyringWait = 200 * time.Millisecond
			store := w.store
			if tt.noStore {
				store = authtest.NewStore()
				w.env.Store = store
			}
			store.SetErr(authtest.OpLoad, tt.err)
			if tt.block {
				store.Block()
				defer store.Unblock()
			}
			want(t, w.check(IDKeyring), tt.status, tt.found, tt.fix)
		})
	}
}

// unreadable is what auth.DecodeSession answers for an item it cannot
// read: ErrNotFound with another sentence.
type unreadable struct{}

func (*unreadable) Error() string        { return "auth: the saved session is unreadable; sign in again" }
func (*unreadable) Is(target error) bool { return target == auth.ErrNotFound }

func TestDesktop(t *testing.T) {
	tests := []struct {
		name    string
		desktop Desktop
		id      string
		status  Status
		found   string
		fix     string
	}{
		{"no tray watcher", &fakeDesktop{name: "n"}, IDTrayHost, Fail, "no tray host runs (nothing owns org.kde.StatusNotifierWatcher)", "AppIndicator"},
		{"no session bus", &fakeDesktop{hostErr: errors.New("dbus: couldn't determine address of session bus")}, IDTrayHost, Fail, "the D-Bus session bus does not answer", "desktop session"},
		{"tray watcher", &fakeDesktop{host: true}, IDTrayHost, OK, "a tray host runs", ""},
		{"no notification server", &fakeDesktop{host: true, notesErr: errors.New("ServiceUnknown")}, IDNotifications, Warn, "no notification server answers", "PIECES_TRAY_NOTIFICATIONS=off"},
		{"notification server", &fakeDesktop{host: true, name: "Fake\x1b[31m Notifications", version: "1.0"}, IDNotifications, OK, "Fake[31m Notifications 1.0 answers", ""},
		{"not Linux", nil, IDTrayHost, Skip, "only on Linux", ""},
		// A bus that hangs on the first question still gets the second
		// asked in a wait of its own (this case takes the 5 s wait).
		{"hung tray question", &fakeDesktop{hostHangs: true, name: "n"}, IDNotifications, OK, "n answers", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.env.Desktop = tt.desktop
			want(t, w.check(tt.id), tt.status, tt.found, tt.fix)
		})
	}
}

func TestIcons(t *testing.T) {
	w := newWorld(t)
	w.env.Getenv = mapEnv{"PIECES_TRAY_ICONS": "light"}.get
	want(t, w.check(IDIcons), OK, "for a light panel (PIECES_TRAY_ICONS chooses)", "")
}

func TestAgent(t *testing.T) {
	signedIn := app.State{Phase: app.PhaseSignedIn, Mode: app.ModeAuth0}
	tests := []struct {
		name   string
		path   func(t *testing.T) string
		status Status
		found  string
		fix    string
	}{
		{"other version", func(t *testing.T) string { return startAgent(t, signedIn, control.Info{Version: "0.9.0"}).path },
			Fail, "running version 0.9.0, but this program is 1.2.3", "Quit Pieces Tray from its menu and start it again"},
		{"too old for /v1/info", func(t *testing.T) string { return serveAgent(t, signedIn, nil).path },
			Fail, "running, but too old to say its version", "start it again"},
		{"not running", func(t *testing.T) string { return winetest.SocketPath(t, "c.sock") }, Fail, "not running (nothing answers at ", "Start Pieces Tray"},
		{"logs to stderr", func(t *testing.T) string { return startAgent(t, signedIn, control.Info{Version: testVersion}).path },
			OK, "running, version 1.2.3 (as this program); it logs to its standard error", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.env.SocketPath = tt.path(t)
			want(t, w.check(IDAgent), tt.status, tt.found, tt.fix)
		})
	}
}

func TestClockSkew(t *testing.T) {
	w := newWorld(t)
	w.intercept(func(rw http.ResponseWriter, r *http.Request) bool {
		rw.Header().Set("Date", time.Now().Add(-2*time.Hour).UTC().Format(http.TimeFormat))
		return false
	})
	want(t, w.check(IDClock), Warn, "2 h ahead of Pieces OS's", "network time (NTP)")

	w.intercept(func(rw http.ResponseWriter, r *http.Request) bool {
		rw.Header().Set("Date", time.Now().Add(90*time.Minute).UTC().Format(http.TimeFormat))
		return false
	})
	want(t, w.check(IDClock), Warn, "1 h 30 min behind Pieces OS's", "NTP")

	w.intercept(nil)
	want(t, w.check(IDClock), OK, "agrees with Pieces OS's", "")
}

// TestIncomplete: a report cut short by its context exits 2.
func TestIncomplete(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := Run(ctx, w.env)
	if !r.Incomplete || r.Exit() != 2 || !strings.Contains(r.Summary(), "stopped before every check had run") {
		t.Errorf("Run(cancelled) = incomplete %v, exit %d, %q; want incomplete, 2", r.Incomplete, r.Exit(), r.Summary())
	}
}

func TestExit(t *testing.T) {
	tests := []struct {
		statuses []Status
		want     int
	}{
		{nil, 0},
		{[]Status{OK, Skip}, 0},
		{[]Status{OK, Warn}, 0},
		{[]Status{Warn, Fail, OK}, 1},
	}
	for _, tt := range tests {
		var r Report
		for _, s := range tt.statuses {
			r.Checks = append(r.Checks, Check{Status: s})
		}
		if got := r.Exit(); got != tt.want {
			t.Errorf("Exit(%v) = %d; want %d", tt.statuses, got, tt.want)
		}
	}
}

func TestWho(t *testing.T) {
	tests := []struct {
		p    *apiclient.UserProfile
		want string
	}{
		{&apiclient.UserProfile{ID: "4b1d6f0e-6b2c", Email: "ada@example.com"}, "a***@example.com"},
		{&apiclient.UserProfile{ID: "4b1d6f0e-6b2c"}, "user 4b1d6f0e…"},
		{&apiclient.UserProfile{ID: "ééééééééé"}, "user éééééééé…"},
		{&apiclient.UserProfile{ID: "short"}, "user short"},
	}
	for _, tt := range tests {
		if got := who(tt.p); got != tt.want {
			t.Errorf("who(%+v) = %q; want %q", tt.p, got, tt.want)
		}
	}
}
