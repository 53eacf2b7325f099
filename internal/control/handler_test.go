package control

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"piecestray/apiclient"
	"piecestray/app"
	"piecestray/internal/winetest"
)

// fakeCore is a Core whose states the test publishes. Its subscriptions do
// not coalesce: publish waits until each subscriber took the state, so that
// CoreHandler's own coalescing shows.
type fakeCore struct {
	mu   sync.Mutex
	cur  app.State
	subs map[chan app.State]struct{}
	do   func(ctx context.Context, action app.Action, args json.RawMessage) (app.Result, error)
}

func newFakeCore(st app.State) *fakeCore {
	return &fakeCore{cur: st, subs: make(map[chan app.State]struct{})}
}

func (f *fakeCore) Subscribe(ctx context.Context) <-chan app.State {
	ch := make(chan app.State)
	f.mu.Lock()
	f.subs[ch] = struct{}{}
	cur := f.cur
	f.mu.Unlock()
	go func() {
		defer close(ch)
		defer func() {
			f.mu.Lock()
			delete(f.subs, ch)
			f.mu.Unlock()
		}()
		select {
		case ch <- cur:
		case <-ctx.Done():
			return
		}
		<-ctx.Done()
	}()
	return ch
}

// publish hands st to every subscriber that has taken its first state.
func (f *fakeCore) publish(t *testing.T, st app.State) {
	t.Helper()
	f.mu.Lock()
	f.cur = st
	subs := make([]chan app.State, 0, len(f.subs))
	for ch := range f.subs {
		subs = append(subs, ch)
	}
	f.mu.Unlock()
	for _, ch := range subs {
		select {
		case ch <- st:
		case <-time.After(waitLong):
			t.Fatal("the handler does not take the core's states")
		}
	}
}

func (f *fakeCore) Do(ctx context.Context, action app.Action, args json.RawMessage) (app.Result, error) {
	if f.do != nil {
		return f.do(ctx, action, args)
	}
	return app.Result{}, &app.ActionError{Code: app.CodeInvalid, Message: "Unknown action."}
}

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

func TestCoreHandlerOverTheSocket(t *testing.T) {
	core := newFakeCore(app.State{Seq: 1, Phase: app.PhaseSignedOut})
	core.do = func(ctx context.Context, action app.Action, args json.RawMessage) (app.Result, error) {
		switch action {
		case app.ActionSignIn:
			return app.Result{Message: "Continue in your browser."}, nil
		case app.ActionSetVanity:
			var a app.VanityArgs
			json.Unmarshal(args, &a)
			return app.Result{}, &app.ActionError{Code: app.CodeTaken, Message: "The name " + a.Name + " is already taken."}
		case app.ActionRefresh:
			return app.Result{}, errors.New("app: the session ended")
		}
		return app.Result{}, &app.ActionError{Code: app.CodeInvalid, Message: "Unknown action."}
	}
	windows := &fakeWindows{}
	_, path := serve(t, &CoreHandler{Core: core, Windows: windows})
	c := client(t, path)
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()

	states, err := c.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var st app.State
	if err := json.Unmarshal(<-states, &st); err != nil || st.Phase != app.PhaseSignedOut {
		t.Errorf("first state over the socket: %+v, %v; want signed out", st, err)
	}
	core.publish(t, app.State{Seq: 2, Phase: app.PhaseSignedIn, User: &apiclient.UserProfile{Email: "ada@example.com"}})
	if err := json.Unmarshal(<-states, &st); err != nil || st.Phase != app.PhaseSignedIn || st.User == nil || st.User.Email != "ada@example.com" {
		t.Errorf("next state over the socket: %+v, %v; want signed in as ada", st, err)
	}

	var res app.Result
	if err := c.Call(ctx, string(app.ActionSignIn), nil, &res); err != nil || res.Message != "Continue in your browser." {
		t.Errorf("sign_in: %+v, %v", res, err)
	}
	// An action's failure arrives with its code and sentence.
	err = c.Call(ctx, string(app.ActionSetVanity), app.VanityArgs{Name: "ada"}, nil)
	var re *RemoteError
	if !errors.As(err, &re) || re.Code != string(app.CodeTaken) || re.Message != "The name ada is already taken." {
		t.Errorf("set_vanity over the socket: %v; want code taken and the core's sentence", err)
	}
	// Any other failure is internal, with its text.
	err = c.Call(ctx, string(app.ActionRefresh), nil, nil)
	if !errors.As(err, &re) || re.Code != CodeInternal || !strings.Contains(re.Message, "the session ended") {
		t.Errorf("refresh over the socket: %v; want code internal with the error's text", err)
	}

	// show_window goes to the launcher; unknown names and bad arguments are refused.
	if err := c.Call(ctx, string(app.ActionShowWindow), app.WindowArgs{Name: WindowVanity}, nil); err != nil {
		t.Errorf("show_window vanity: %v", err)
	}
	for _, args := range []any{app.WindowArgs{Name: "settings"}, nil, []int{1}} {
		err = c.Call(ctx, string(app.ActionShowWindow), args, nil)
		if !errors.As(err, &re) || re.Code != string(app.CodeInvalid) {
			t.Errorf("show_window %v: err = %v; want code %s", args, err, app.CodeInvalid)
		}
	}
	if got := windows.names(); len(got) != 1 || got[0] != WindowVanity {
		t.Errorf("windows shown = %v; want [vanity]", got)
	}
}

func TestCoreHandlerShowWindowFailures(t *testing.T) {
	core := newFakeCore(app.State{})
	for _, tt := range []struct {
		name    string
		windows WindowLauncher
		want    string
	}{
		{"no launcher", nil, "cannot open windows"},
		{"launcher fails", &fakeWindows{err: errors.New("no display")}, "could not be opened: no display"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := &CoreHandler{Core: core, Windows: tt.windows}
			args, _ := json.Marshal(app.WindowArgs{Name: WindowAccount})
			_, err := h.Call(context.Background(), string(app.ActionShowWindow), args)
			var re *RemoteError
			if !errors.As(err, &re) || re.Code != string(app.CodeInternal) || !strings.Contains(re.Message, tt.want) {
				t.Errorf("show_window: err = %v; want code %s saying %q", err, app.CodeInternal, tt.want)
			}
		})
	}
}

func TestCoreHandlerWatchKeepsNewest(t *testing.T) {
	core := newFakeCore(app.State{Seq: 0})
	h := &CoreHandler{Core: core}
	ctx, cancel := context.WithCancel(context.Background())
	states := h.Watch(ctx)
	eventually(t, "the subscription", func() bool {
		core.mu.Lock()
		defer core.mu.Unlock()
		return len(core.subs) == 1
	})
	// Nobody reads: the core is never held up, and the newest state waits.
	for i := 1; i <= 100; i++ {
		core.publish(t, app.State{Seq: uint64(i)})
	}
	var st app.State
	deadline := time.After(waitLong)
	for st.Seq != 100 {
		select {
		case b := <-states:
			if err := json.Unmarshal(b, &st); err != nil {
				t.Fatal(err)
			}
		case <-deadline:
			t.Fatalf("newest state not delivered; last %d", st.Seq)
		}
	}
	cancel()
	for range states {
	}
}

// TestSingleInstance is what a second `pieces-tray` does: Listen finds the
// live agent, and the newcomer asks it for the account window.
func TestSingleInstance(t *testing.T) {
	windows := &fakeWindows{}
	_, path := serve(t, &CoreHandler{Core: newFakeCore(app.State{}), Windows: windows})
	if _, err := Listen(path); !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second Listen: err = %v; want ErrAlreadyRunning", err)
	}
	if err := client(t, path).Call(context.Background(), string(app.ActionShowWindow), app.WindowArgs{Name: WindowAccount}, nil); err != nil {
		t.Fatal(err)
	}
	if got := windows.names(); len(got) != 1 || got[0] != WindowAccount {
		t.Errorf("windows shown = %v; want [account]", got)
	}
}

func TestValidWindow(t *testing.T) {
	for _, name := range Windows {
		if !ValidWindow(name) {
			t.Errorf("ValidWindow(%q) = false", name)
		}
	}
	for _, name := range []string{"", "settings", "Account", "account "} {
		if ValidWindow(name) {
			t.Errorf("ValidWindow(%q) = true", name)
		}
	}
}

// TestInfo: GET /v1/info answers the CoreHandler's Info; a Handler that is
// no Describer answers as an agent from before /v1/info does.
func TestInfo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	want := Info{Version: "1.2.3", LogFile: "/home/ada/.local/state/pieces-tray/pieces-tray.log"}
	_, path := serve(t, &CoreHandler{Core: newFakeCore(app.State{}), Info: want})
	got, err := client(t, path).Info(ctx)
	if err != nil || got != want {
		t.Errorf("Info() = %+v, %v; want %+v", got, err, want)
	}

	// An agent that answers without its version is no answer.
	_, silent := serve(t, &CoreHandler{Core: newFakeCore(app.State{})})
	if got, err := client(t, silent).Info(ctx); err == nil {
		t.Errorf("Info() of an agent that names no version = %+v, nil; want an error", got)
	}

	_, old := serve(t, newFakeHandler())
	_, err = client(t, old).Info(ctx)
	wantRemote(t, "Info() of a handler without AgentInfo", err, CodeBadRequest)

	_, err = client(t, winetest.SocketPath(t, "c.sock")).Info(ctx)
	var re *RemoteError
	if err == nil || errors.As(err, &re) {
		t.Errorf("Info() with no agent = %v; want a transport error", err)
	}
}

// TestDoctorWindowIsValid: the doctor window can be shown.
func TestDoctorWindowIsValid(t *testing.T) {
	if !ValidWindow(WindowDoctor) {
		t.Errorf("ValidWindow(%q) = false; want true", WindowDoctor)
	}
}
