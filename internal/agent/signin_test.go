package agent

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"piecestray/apiclient"
	"piecestray/app"
	"piecestray/internal/control"
	"piecestray/internal/winetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeCore publishes a fixed sequence of states, and another once it was
// asked to run an action, and records the actions.
type fakeCore struct {
	states []app.State // at once
	after  []app.State // once an action ran
	err    error       // what Do answers, when set

	mu      sync.Mutex
	actions []app.Action
	asked   chan struct{} // closed by the first action
}

func (f *fakeCore) Subscribe(ctx context.Context) <-chan app.State {
	ch := make(chan app.State)
	f.mu.Lock()
	if f.asked == nil {
		f.asked = make(chan struct{})
	}
	asked := f.asked
	f.mu.Unlock()
	go func() {
		defer close(ch)
		send := func(states []app.State) bool {
			for _, st := range states {
				select {
				case ch <- st:
				case <-ctx.Done():
					return false
				}
			}
			return true
		}
		if !send(f.states) {
			return
		}
		select {
		case <-asked:
			send(f.after)
		case <-ctx.Done():
			return
		}
		<-ctx.Done()
	}()
	return ch
}

func (f *fakeCore) Do(_ context.Context, action app.Action, _ json.RawMessage) (app.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actions = append(f.actions, action)
	if len(f.actions) == 1 && f.asked != nil {
		close(f.asked)
	}
	if f.err != nil {
		return app.Result{}, f.err
	}
	return app.Result{Message: "Continue in your browser."}, nil
}

func (f *fakeCore) done() []app.Action {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]app.Action(nil), f.actions...)
}

// serve runs a control server for core at path until the test ends.
func serve(t *testing.T, path string, core control.Core) {
	t.Helper()
	winetest.NeedUnixSockets(t)
	srv, err := control.Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, &control.CoreHandler{Core: core}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
}

func TestSignIn(t *testing.T) {
	ada := &apiclient.UserProfile{Email: "ada@example.com"}
	const page = "http://auth.example/authorize?client_id=x"
	signingIn := app.State{Phase: app.PhaseSigningIn, SignIn: &app.SignInInfo{}}
	withPage := app.State{Phase: app.PhaseSigningIn, SignIn: &app.SignInInfo{URL: page}}
	tests := []struct {
		name    string
		core    *fakeCore
		want    string // message, or error text
		wantErr bool
		asked   int // sign_in calls
	}{
		{"signed out", &fakeCore{states: []app.State{{Phase: app.PhaseSignedOut}}, after: []app.State{signingIn, withPage}},
			"Continue in your browser.\nSign-in page: " + page, false, 1},
		{"after connecting", &fakeCore{states: []app.State{{Phase: app.PhaseConnecting}, {Phase: app.PhaseSignInNeeded}}, after: []app.State{signingIn, {Phase: app.PhaseSignedIn, User: ada}}},
			"Continue in your browser.", false, 1},
		{"pieces-os mode", &fakeCore{states: []app.State{{Phase: app.PhaseSignedOut, Mode: app.ModePiecesOS}}},
			"Continue in your browser.", false, 1},
		{"signed in", &fakeCore{states: []app.State{{Phase: app.PhaseConnecting}, {Phase: app.PhaseSignedIn, User: ada}}},
			"Already signed in to Pieces as ada@example.com.", false, 0},
		{"refused", &fakeCore{states: []app.State{{Phase: app.PhaseNotRunning}}, err: &app.ActionError{Code: app.CodeNotRunning, Message: "Pieces OS is not running."}},
			"Pieces OS is not running.", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := winetest.SocketPath(t, filepath.Join("s", "control.sock"))
			serve(t, path, tt.core)
			start := time.Now()
			msg, err := SignIn(context.Background(), path, 0)
			if d := time.Since(start); d >= pageWait {
				t.Errorf("SignIn took %v: it waited for a page address that was never coming", d)
			}
			got := msg
			if err != nil {
				got = err.Error()
			}
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("SignIn = %q, %v; want %q (error: %v)", msg, err, tt.want, tt.wantErr)
			}
			if n := len(tt.core.done()); n != tt.asked {
				t.Errorf("%d actions %v; want %d sign_in", n, tt.core.done(), tt.asked)
			}
			for _, a := range tt.core.done() {
				if a != app.ActionSignIn {
					t.Errorf("action %q; want only sign_in", a)
				}
			}
		})
	}
}

func TestSignInWithoutAgent(t *testing.T) {
	start := time.Now()
	_, err := SignIn(context.Background(), winetest.SocketPath(t, filepath.Join("s", "control.sock")), 0)
	if !errors.Is(err, ErrNotRunning) {
		t.Fatalf("SignIn with no agent = %v; want ErrNotRunning", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("SignIn with no agent and no wait took %v", d)
	}
}

// TestSignInWaitsForAgent starts the agent after SignIn began waiting.
func TestSignInWaitsForAgent(t *testing.T) {
	winetest.NeedUnixSockets(t)
	path := winetest.SocketPath(t, filepath.Join("s", "control.sock"))
	core := &fakeCore{states: []app.State{{Phase: app.PhaseSignedOut}}, after: []app.State{{Phase: app.PhaseSignedIn}}}
	type answer struct {
		msg string
		err error
	}
	got := make(chan answer, 1)
	go func() {
		msg, err := SignIn(context.Background(), path, 30*time.Second)
		got <- answer{msg, err}
	}()
	// The agent comes up a moment after SignIn started (as in the demo
	// script, which starts both at once).
	time.Sleep(200 * time.Millisecond)
	serve(t, path, core)
	a := <-got
	if a.err != nil || !strings.Contains(a.msg, "browser") {
		t.Fatalf("SignIn = %q, %v; want the agent's answer", a.msg, a.err)
	}
}

func TestPrintable(t *testing.T) {
	in := "Sign in\x1b[31m at \u202ehttp://x/?a=1\x07\xff"
	if got, want := app.CleanLine(in, 8192), "Sign in[31m at http://x/?a=1"; got != want {
		t.Errorf("CleanLine(%q) = %q; want %q", in, got, want)
	}
	long := "http://auth.example/authorize?" + strings.Repeat("a", 500)
	if got := app.CleanLine(long, 8192); got != long {
		t.Errorf("printable cut or changed a long URL: %q", got)
	}
}
