package windowcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"piecestray/app"
	"piecestray/internal/control"
	"piecestray/internal/winetest"
	"piecestray/tray"
)

func TestMain(m *testing.M) {
	// Fyne's GL driver starts its main-thread queue when the package loads.
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("fyne.io/fyne/v2/internal/async.(*UnboundedChan[...]).processing"))
}

// fakeConn answers calls with err or result and hands out raw states.
type fakeConn struct {
	raw      chan json.RawMessage
	watchErr error
	result   string
	err      error
	gotCall  string
	gotArgs  any
}

func (f *fakeConn) Call(ctx context.Context, action string, args any, result any) error {
	f.gotCall, f.gotArgs = action, args
	if f.err != nil {
		return f.err
	}
	return json.Unmarshal([]byte(f.result), result)
}

func (f *fakeConn) Watch(ctx context.Context) (<-chan json.RawMessage, error) {
	return f.raw, f.watchErr
}

func TestRemoteDo(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name     string
		ctx      context.Context
		conn     *fakeConn
		want     app.Result
		wantCode app.ErrorCode
	}{
		{"result", context.Background(), &fakeConn{result: `{"message":"Done.","confirmed":true}`}, app.Result{Message: "Done.", Confirmed: true}, ""},
		{"remote error", context.Background(), &fakeConn{err: &control.RemoteError{Code: "taken", Message: "The name is taken."}}, app.Result{}, app.CodeTaken},
		{"wrapped remote error", context.Background(), &fakeConn{err: errors.Join(errors.New("x"), &control.RemoteError{Code: "not_signed_in", Message: "Sign in."})}, app.Result{}, app.CodeNotSignedIn},
		{"socket error", context.Background(), &fakeConn{err: errors.New("control: call set_vanity: connection reset")}, app.Result{}, app.CodeInternal},
		{"cancelled", cancelled, &fakeConn{err: context.Canceled}, app.Result{}, app.CodeCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := newRemote(tt.conn).Do(tt.ctx, app.ActionSetVanity, app.VanityArgs{Name: "ada"})
			if got != tt.want {
				t.Errorf("Do() = %+v; want %+v", got, tt.want)
			}
			if tt.conn.gotCall != "set_vanity" || tt.conn.gotArgs != (app.VanityArgs{Name: "ada"}) {
				t.Errorf("Call(%q, %v); want set_vanity {ada}", tt.conn.gotCall, tt.conn.gotArgs)
			}
			var ae *app.ActionError
			switch {
			case tt.wantCode == "" && err != nil:
				t.Errorf("Do() error %v; want none", err)
			case tt.wantCode != "" && (!errors.As(err, &ae) || ae.Code != tt.wantCode || ae.Message == ""):
				t.Errorf("Do() error %#v; want *app.ActionError with code %s", err, tt.wantCode)
			}
		})
	}
}

func TestRemoteWatch(t *testing.T) {
	raw := make(chan json.RawMessage)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	states, err := newRemote(&fakeConn{raw: raw}).Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	send := func(s string) {
		t.Helper()
		select {
		case raw <- json.RawMessage(s):
		case <-time.After(5 * time.Second):
			t.Fatal("Watch does not read")
		}
	}
	send(`{"seq":1,"phase":"signed_out"}`)
	send(`not json`)
	send(`{"seq":2,"phase":"not_running"}`)
	send(`{"seq":3,"phase":"signed_in","user":{"id":"u1","aesthetics":{"theme":{"dark":false},"font":{"size":12}},"name":"Ada"}}`)
	send(`{"seq":4,"phase":"signed_out"}`) // the reader may get seq 3 or only the newest
	var last app.State
	deadline := time.After(5 * time.Second)
	for last.Seq != 4 {
		select {
		case s := <-states:
			if s.Seq <= last.Seq {
				t.Fatalf("state %d after %d", s.Seq, last.Seq)
			}
			if s.Seq == 3 && (s.User == nil || s.User.Name != "Ada") {
				t.Errorf("state 3 user = %+v; want Ada", s.User)
			}
			last = s
		case <-deadline:
			t.Fatalf("newest state not delivered; last seq %d", last.Seq)
		}
	}
	close(raw)
	select {
	case _, open := <-states:
		if open {
			t.Error("state after the stream ended")
		}
	case <-time.After(5 * time.Second):
		t.Error("states not closed after the stream ended")
	}
}

func TestRemoteWatchEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	states, err := newRemote(&fakeConn{raw: make(chan json.RawMessage)}).Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-states:
	case <-time.After(5 * time.Second):
		t.Error("states not closed after ctx ended")
	}
}

func TestRemoteShutdownKeepsChannelOpen(t *testing.T) {
	raw := make(chan json.RawMessage)
	r := newRemote(&fakeConn{raw: raw})
	states, err := r.Watch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r.shutdown() // returns once the goroutine has ended
	close(raw)   // the connection closing afterwards is not reported
	select {
	case s, open := <-states:
		t.Errorf("after shutdown: state %+v, open %v; want nothing", s, open)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestRemoteWatchError(t *testing.T) {
	want := errors.New("control: watch: closed")
	if _, err := newRemote(&fakeConn{watchErr: want}).Watch(context.Background()); !errors.Is(err, want) {
		t.Errorf("Watch() error %v; want %v", err, want)
	}
}

func TestDialProblem(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("control: dial: %w", syscall.ENOENT), "nothing is listening at /s.sock"},
		{fmt.Errorf("control: dial: %w", syscall.ECONNREFUSED), "nothing is listening at /s.sock"},
		{fmt.Errorf("control: dial: %w", context.DeadlineExceeded), "no answer from Pieces Tray at /s.sock within 5s"},
		{errors.New("control: handshake: unsupported version"), "control: handshake: unsupported version"},
	}
	for _, tt := range tests {
		if got := dialProblem("/s.sock", tt.err).Error(); got != tt.want {
			t.Errorf("dialProblem(%v) = %q; want %q", tt.err, got, tt.want)
		}
	}
}

func TestRunRejectsUnknownWindow(t *testing.T) {
	var stderr strings.Builder
	if code := run(context.Background(), "nope", "/nonexistent.sock", "", false, &stderr); code != ExitUsage {
		t.Errorf("run(nope) = %d; want %d", code, ExitUsage)
	}
	if stderr.String() == "" {
		t.Error("nothing said about the unknown window")
	}
}

// showAgent is an agent that records show_window and refuses "beta".
type showAgent struct {
	shown chan string
}

func (a showAgent) Watch(ctx context.Context) <-chan json.RawMessage {
	ch := make(chan json.RawMessage)
	context.AfterFunc(ctx, func() { close(ch) })
	return ch
}

func (a showAgent) Call(_ context.Context, action string, args json.RawMessage) (json.RawMessage, error) {
	var w app.WindowArgs
	if action != string(app.ActionShowWindow) || json.Unmarshal(args, &w) != nil {
		return nil, &control.RemoteError{Code: string(app.CodeInvalid), Message: "no"}
	}
	if w.Name == control.WindowBeta {
		return nil, &control.RemoteError{Code: string(app.CodeInternal), Message: "The window could not be opened."}
	}
	a.shown <- w.Name
	return nil, nil
}

// TestRunByHandAsksTheAgent checks that `pieces-tray window NAME` without a
// token has the agent show the window instead of showing one of its own,
// which could not register.
func TestRunByHandAsksTheAgent(t *testing.T) {
	sock := winetest.SocketPath(t, "c.sock")
	srv, err := control.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	agent := showAgent{shown: make(chan string, 1)}
	go func() { served <- srv.Serve(ctx, agent) }()
	defer func() { cancel(); <-served }()

	var stderr strings.Builder
	if code := run(context.Background(), control.WindowVanity, sock, "", false, &stderr); code != ExitOK {
		t.Errorf("run(vanity) without a token = %d; want %d (stderr %q)", code, ExitOK, stderr.String())
	}
	select {
	case got := <-agent.shown:
		if got != control.WindowVanity {
			t.Errorf("the agent was asked for %q; want vanity", got)
		}
	default:
		t.Error("the agent was not asked to show the window")
	}
	stderr.Reset()
	if code := run(context.Background(), control.WindowBeta, sock, "", false, &stderr); code != ExitUnavailable || !strings.Contains(stderr.String(), "could not be opened") {
		t.Errorf("run(beta) refused by the agent = %d, %q; want %d and the agent's reason", code, stderr.String(), ExitUnavailable)
	}
}

func TestOpenedWhy(t *testing.T) {
	for reason, want := range map[string]bool{"": false, tray.ReasonNoTrayHost: true, "something new": false} {
		t.Setenv(tray.WindowReasonEnv, reason)
		if got := openedWhy(); got != want {
			t.Errorf("openedWhy() with %s=%q = %v; want %v", tray.WindowReasonEnv, reason, got, want)
		}
		if v, ok := os.LookupEnv(tray.WindowReasonEnv); ok {
			t.Errorf("%s=%q is still set after openedWhy", tray.WindowReasonEnv, v)
		}
	}
}
