package status

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"piecestray/app"
	"piecestray/internal/control"
	"piecestray/internal/neterr"
	"piecestray/internal/piecesos"
	"piecestray/internal/winetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// agent serves one fixed state on a control socket.
type agent struct{ state app.State }

func (a agent) Watch(ctx context.Context) <-chan json.RawMessage {
	ch := make(chan json.RawMessage, 1)
	b, _ := json.Marshal(a.state)
	ch <- b
	go func() { <-ctx.Done(); close(ch) }()
	return ch
}

func (a agent) Call(context.Context, string, json.RawMessage) (json.RawMessage, error) {
	return nil, &control.RemoteError{Code: "invalid", Message: "no"}
}

func serve(t *testing.T, h control.Handler) string {
	winetest.NeedUnixSockets(t)
	path := winetest.SocketPath(t, "control.sock")
	srv, err := control.Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ctx, h) }()
	t.Cleanup(func() { cancel(); <-done })
	return path
}

// closedURL is a loopback URL nobody listens on.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func run(t *testing.T, opts Options) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	opts.Now = func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) }
	code := Run(context.Background(), opts, &out, &errOut)
	if errOut.Len() > 0 {
		t.Logf("stderr: %s", errOut.String())
	}
	return out.String(), code
}

func TestFromAgent(t *testing.T) {
	st := app.State{
		Phase:    app.PhaseSignedIn,
		User:     signedInUser(),
		PiecesOS: app.PiecesOSInfo{URL: "http://127.0.0.1:39300", Version: "12.3.0"},
		Stream:   app.StreamInfo{Status: app.StreamLive},
		Storage:  app.StorageInfo{Kind: app.StorageKeyring},
	}
	path := serve(t, agent{st})
	out, code := run(t, Options{SocketPath: path, PiecesOSURL: closedURL(t)})
	if code != 0 {
		t.Errorf("exit code = %d; want 0", code)
	}
	for _, want := range []string{"Signed in to Pieces as Ada Lovelace (ada@example.com)", "system keyring", "http://127.0.0.1:39300 (version 12.3.0)", "Live updates: connected"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, code = run(t, Options{SocketPath: path, JSON: true})
	var got Report
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.State != "signed_in" || got.User == nil || code != 0 {
		t.Errorf("--json: %v, %+v, code %d; want a signed-in report and 0:\n%s", err, got, code, out)
	}
}

func TestDirectWithoutAgent(t *testing.T) {
	sim := piecesos.New(piecesos.Config{})
	if err := sim.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	nobody := winetest.SocketPath(t, "control.sock")

	out, code := run(t, Options{SocketPath: nobody, PiecesOSURL: sim.URL()})
	if code != 1 || !strings.Contains(out, "Not signed in") {
		t.Errorf("signed out: code %d, output:\n%s\nwant 1 and 'Not signed in'", code, out)
	}
	sim.SignInEmail("ada@example.com", "Ada Lovelace")
	out, code = run(t, Options{SocketPath: nobody, PiecesOSURL: sim.URL()})
	if code != 0 || !strings.Contains(out, "Signed in to Pieces as Ada Lovelace") || !strings.Contains(out, "not followed") {
		t.Errorf("signed in: code %d, output:\n%s", code, out)
	}
	out, code = run(t, Options{SocketPath: nobody, PiecesOSURL: closedURL(t)})
	if code != 2 || !strings.Contains(out, "Pieces OS is not running") {
		t.Errorf("not running: code %d, output:\n%s\nwant 2", code, out)
	}
}

// TestDirectSaysWhyWithoutSockets: without an agent, status asks Pieces OS
// directly and says nothing of it (that is normal), except on a system
// without unix sockets (Wine 8), where it says why it cannot ask the agent.
func TestDirectSaysWhyWithoutSockets(t *testing.T) {
	nobody := winetest.SocketPath(t, "control.sock")
	_, dialErr := net.Dial("unix", nobody)
	var out, errOut bytes.Buffer
	code := Run(context.Background(), Options{SocketPath: nobody, PiecesOSURL: closedURL(t)}, &out, &errOut)
	if code != 2 || !strings.Contains(out.String(), "Pieces OS is not running") {
		t.Errorf("code %d, output:\n%s\nwant 2 and 'Pieces OS is not running'", code, out.String())
	}
	noSockets := neterr.IsAFNotSupported(dialErr)
	const note = "this system has no unix sockets (AF_UNIX); asking Pieces OS directly"
	if got := errOut.String(); strings.Contains(got, note) != noSockets || (!noSockets && got != "") {
		t.Errorf("stderr = %q with dial error %v; want the note %q only without unix sockets, and nothing else", got, dialErr, note)
	}
}

// TestAgentNote: only a missing socket family is worth a word.
func TestAgentNote(t *testing.T) {
	dial := func(errno syscall.Errno) error {
		return fmt.Errorf("control: watch: %w", &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("socket", errno)})
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"no error", nil, false},
		{"no socket file", dial(syscall.ENOENT), false},
		{"nobody listening", dial(syscall.ECONNREFUSED), false},
		{"EAFNOSUPPORT", dial(syscall.EAFNOSUPPORT), true},
		{"WSAEAFNOSUPPORT (Wine)", dial(10047), true},
	}
	for _, tt := range tests {
		if got := agentNote(tt.err); (got != "") != tt.want {
			t.Errorf("agentNote(%s: %v) = %q; want a note: %v", tt.name, tt.err, got, tt.want)
		}
	}
}

// slowAgent is connecting at first, then signed in.
type slowAgent struct{ later app.State }

func (a slowAgent) Watch(ctx context.Context) <-chan json.RawMessage {
	ch := make(chan json.RawMessage, 1)
	first, _ := json.Marshal(app.State{Phase: app.PhaseConnecting})
	ch <- first
	go func() {
		defer close(ch)
		select {
		case <-time.After(200 * time.Millisecond):
			b, _ := json.Marshal(a.later)
			ch <- b
			<-ctx.Done()
		case <-ctx.Done():
		}
	}()
	return ch
}

func (a slowAgent) Call(context.Context, string, json.RawMessage) (json.RawMessage, error) {
	return nil, &control.RemoteError{Code: "invalid", Message: "no"}
}

func TestWaitsForAStartingAgent(t *testing.T) {
	path := serve(t, slowAgent{later: app.State{Phase: app.PhaseSignedIn, User: signedInUser()}})
	out, code := run(t, Options{SocketPath: path})
	if code != 0 || !strings.Contains(out, "Signed in to Pieces as Ada Lovelace") {
		t.Errorf("code %d, output:\n%s\nwant the settled signed-in state and 0", code, out)
	}
}

// TestReportKeys pins the keys of `status --json`, which scripts rely on
// and the README documents: a change here is a change for them.
func TestReportKeys(t *testing.T) {
	expires := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	st := app.State{Phase: app.PhaseSignedIn, User: signedInUser(),
		PiecesOS: app.PiecesOSInfo{URL: "http://127.0.0.1:39300", Version: "12.3.0"},
		Storage:  app.StorageInfo{Kind: app.StorageKeyring, Expires: expires}, LastError: "x"}
	b, err := json.Marshal(NewReport(st, expires))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"":          {"error", "pieces_os", "session", "state", "user"},
		"user":      {"beta", "email", "id", "name", "vanity_name"},
		"pieces_os": {"url", "version"},
		"session":   {"expires", "kept_in"},
	}
	for obj, keys := range want {
		m := got
		if obj != "" {
			m, _ = got[obj].(map[string]any)
		}
		var have []string
		for k := range m {
			have = append(have, k)
		}
		slices.Sort(have)
		if !slices.Equal(have, keys) {
			t.Errorf("status --json %q keys = %v; want %v", obj, have, keys)
		}
	}
	if got["state"] != "signed_in" || got["session"].(map[string]any)["kept_in"] != "keyring" ||
		got["session"].(map[string]any)["expires"] != "2026-12-06T12:00:00Z" {
		t.Errorf("status --json = %s", b)
	}
	// Signed out: user is null, not absent.
	b, _ = json.Marshal(NewReport(app.State{Phase: app.PhaseSignedOut}, expires))
	if !strings.Contains(string(b), `"user":null`) || !strings.Contains(string(b), `"kept_in":"none"`) || !strings.Contains(string(b), `"expires":null`) {
		t.Errorf("signed out: status --json = %s", b)
	}
}
