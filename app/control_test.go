package app

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"piecestray/internal/control"
)

// fakeWindows records the windows the agent was asked to show.
type fakeWindows struct {
	mu    sync.Mutex
	shown []string
	err   error
}

func (f *fakeWindows) ShowWindow(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.shown = append(f.shown, name)
	return f.err
}

func (f *fakeWindows) names() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.shown...)
}

// serveControl serves w's core on a control socket and returns its path.
func serveControl(t *testing.T, w *world, windows WindowLauncher) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "control.sock")
	srv, err := control.Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ctx, &ControlHandler{Core: w.core, Windows: windows})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return path
}

func dial(t *testing.T, path string) *control.Client {
	t.Helper()
	c, err := control.Dial(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestControlWatchAndCall(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	windows := &fakeWindows{}
	c := dial(t, serveControl(t, w, windows))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	states, err := c.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var st State
	if err := json.Unmarshal(<-states, &st); err != nil {
		t.Fatal(err)
	}
	if st.Phase != PhaseSignedOut {
		t.Errorf("first state over the socket: phase %q; want signed out", st.Phase)
	}

	// An action's failure arrives with its code and sentence.
	err = c.Call(ctx, string(ActionSetVanity), VanityArgs{Name: "-bad-"}, nil)
	var re *control.RemoteError
	if !errors.As(err, &re) || re.Code != string(CodeInvalid) || re.Message == "" {
		t.Errorf("set_vanity(-bad-) over the socket: err = %v; want code %s with a message", err, CodeInvalid)
	}

	// Sign in through the socket; the watch follows.
	var res Result
	if err := c.Call(ctx, string(ActionSignIn), nil, &res); err != nil {
		t.Fatalf("sign_in: %v", err)
	}
	for raw := range states {
		if err := json.Unmarshal(raw, &st); err != nil {
			t.Fatal(err)
		}
		if st.Phase == PhaseSignedIn {
			break
		}
	}
	if st.User == nil || st.User.Email != "ada@example.com" {
		t.Errorf("signed-in state over the socket: %+v", st.User)
	}

	// show_window goes to the launcher; unknown names are refused.
	if err := c.Call(ctx, string(ActionShowWindow), WindowArgs{Name: "vanity"}, nil); err != nil {
		t.Errorf("show_window vanity: %v", err)
	}
	err = c.Call(ctx, string(ActionShowWindow), WindowArgs{Name: "settings"}, nil)
	if !errors.As(err, &re) || re.Code != string(CodeInvalid) {
		t.Errorf("show_window settings: err = %v; want code %s", err, CodeInvalid)
	}
	if got := windows.names(); len(got) != 1 || got[0] != "vanity" {
		t.Errorf("windows shown = %v; want [vanity]", got)
	}
}

func TestControlShowWindowWithoutLauncher(t *testing.T) {
	w := newWorld(t)
	c := dial(t, serveControl(t, w, nil))
	err := c.Call(context.Background(), string(ActionShowWindow), WindowArgs{Name: "account"}, nil)
	var re *control.RemoteError
	if !errors.As(err, &re) || re.Code != string(CodeInternal) {
		t.Errorf("show_window without a launcher: err = %v; want code %s", err, CodeInternal)
	}
}

// TestSingleInstanceHandshake is what a second `pieces-tray` does: Listen
// finds the live agent, and the newcomer asks it for the account window.
func TestSingleInstanceHandshake(t *testing.T) {
	w := newWorld(t)
	windows := &fakeWindows{}
	path := serveControl(t, w, windows)
	if _, err := control.Listen(path); !errors.Is(err, control.ErrAlreadyRunning) {
		t.Fatalf("second Listen: err = %v; want ErrAlreadyRunning", err)
	}
	c := dial(t, path)
	if err := c.Call(context.Background(), string(ActionShowWindow), WindowArgs{Name: "account"}, nil); err != nil {
		t.Fatal(err)
	}
	if got := windows.names(); len(got) != 1 || got[0] != "account" {
		t.Errorf("windows shown = %v; want [account]", got)
	}
}
