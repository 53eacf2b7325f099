package tray

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"piecestray/app"
)

// fakeCore publishes the states a test sends and records actions.
type fakeCore struct {
	states  chan app.State
	done    chan app.Action // every Do, after it returns
	block   chan struct{}   // when not nil, Do waits for it to close
	blocked chan app.Action // every Do that waits on block, as it starts waiting
}

func newFakeCore() *fakeCore {
	return &fakeCore{states: make(chan app.State, 1), done: make(chan app.Action, 16)}
}

func (c *fakeCore) Subscribe(ctx context.Context) <-chan app.State {
	out := make(chan app.State)
	go func() {
		defer close(out)
		for {
			select {
			case s := <-c.states:
				select {
				case out <- s:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

func (c *fakeCore) Do(ctx context.Context, a app.Action, args json.RawMessage) (app.Result, error) {
	defer func() { c.done <- a }()
	if c.block != nil {
		c.blocked <- a
		select {
		case <-c.block:
		case <-ctx.Done():
			return app.Result{}, ctx.Err()
		}
	}
	return app.Result{}, nil
}

type recorder struct {
	mu    sync.Mutex
	calls []string
	err   error
	seen  chan string
}

func newRecorder(err error) *recorder { return &recorder{err: err, seen: make(chan string, 16)} }

func (r *recorder) add(s string) error {
	r.mu.Lock()
	r.calls = append(r.calls, s)
	r.mu.Unlock()
	r.seen <- s
	return r.err
}

func (r *recorder) ShowWindow(name string) error { return r.add("window " + name) }
func (r *recorder) ShowWindowBecause(name, reason string) error {
	return r.add("window " + name + " because " + reason)
}
func (r *recorder) Open(url string) error  { return r.add("open " + url) }
func (r *recorder) Copy(text string) error { return r.add("copy " + text) }
func (r *recorder) Notify(ev app.Event) {
	msg := "notify " + string(ev.Kind)
	if ev.Kind == app.EventStartAtLogin {
		msg += ": " + ev.Body
	}
	_ = r.add(msg)
}

func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// waitLabel waits until item n of sh shows label.
func waitLabel(t *testing.T, sh *fakeShell, n int, label string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		sh.mu.Lock()
		built := len(sh.items) > n
		sh.mu.Unlock()
		if built && sh.item(n).Label() == label {
			return
		}
		if time.Now().After(deadline) {
			got := "(not built)"
			if built {
				got = sh.item(n).Label()
			}
			t.Fatalf("item %d shows %q; want %q", n, got, label)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type loopTest struct {
	core                *fakeCore
	sh                  *fakeShell
	windows, open, clip *recorder
	quit                chan struct{}
	cancel              context.CancelFunc
	ended               chan struct{}
	log                 lockedBuffer // the loop's log, at debug level
}

// lockedBuffer is a bytes.Buffer for several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runLoop runs r's loop on sh, from the state first, until the test ends
// or the returned cancel is called; ended is closed when the loop has
// returned.
func runLoop(t *testing.T, r *runner, sh *fakeShell, core *fakeCore, first app.State) (cancel context.CancelFunc, ended chan struct{}) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ended = make(chan struct{})
	core.states <- first
	a, states, s, m := r.begin(ctx, sh)
	go func() { defer close(ended); r.loop(ctx, a, states, s, m) }()
	t.Cleanup(func() { cancel(); <-ended })
	return cancel, ended
}

func startLoop(t *testing.T, clipErr error, first app.State) *loopTest {
	t.Helper()
	lt := &loopTest{core: newFakeCore(), sh: &fakeShell{}, windows: newRecorder(nil), open: newRecorder(nil),
		clip: newRecorder(clipErr), quit: make(chan struct{}, 1)}
	cfg := Config{Core: lt.core, Windows: lt.windows, Opener: lt.open, Clipboard: lt.clip.Copy,
		Logger: slog.New(slog.NewTextHandler(&lt.log, &slog.HandlerOptions{Level: slog.LevelDebug}))}.withDefaults()
	r := &runner{cfg: cfg, quit: func() { lt.quit <- struct{}{}; lt.cancel() }}
	lt.cancel, lt.ended = runLoop(t, r, lt.sh, lt.core, first)
	waitLabel(t, lt.sh, int(Header), Model(first, time.Now()).Item(Header).Label)
	return lt
}

// TestLoopPanelProbe checks that the panel probe's late answer changes the
// icon already shown, once.
func TestLoopPanelProbe(t *testing.T) {
	core, sh := newFakeCore(), &fakeShell{}
	panel := make(chan bool, 1)
	r := &runner{cfg: Config{Core: core, Windows: newRecorder(nil)}.withDefaults(), panel: panel}
	runLoop(t, r, sh, core, live(app.State{Phase: app.PhaseSignedOut}))
	if got := sh.take(); !contains(got, "SetIcon signed_out/dark") {
		t.Fatalf("first icon calls %q; want the dark-panel icon before the probe answers", got)
	}
	panel <- true // a light panel
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := sh.take()
		if contains(got, "SetIcon signed_out") {
			break
		}
		if len(got) != 0 || time.Now().After(deadline) {
			t.Fatalf("after the probe said light: calls %q; want SetIcon signed_out", got)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Later states keep the light-panel variant.
	core.states <- live(app.State{Phase: app.PhaseSigningIn})
	waitLabel(t, sh, int(Header), Model(live(app.State{Phase: app.PhaseSigningIn}), time.Now()).Item(Header).Label)
	for _, c := range sh.take() {
		if strings.HasPrefix(c, "SetIcon") && strings.HasSuffix(c, "/dark") {
			t.Errorf("after the probe said light the loop set %q", c)
		}
	}
}

func (lt *loopTest) click(id ItemID) {
	lt.sh.item(int(id)).clicked <- struct{}{}
}

func TestLoopClicks(t *testing.T) {
	signedOut := live(app.State{Phase: app.PhaseSignedOut})
	lt := startLoop(t, nil, signedOut)

	lt.click(SignIn)
	if a := wait(t, lt.core.done, "Do"); a != app.ActionSignIn {
		t.Errorf("Sign in… ran %q; want %q", a, app.ActionSignIn)
	}
	lt.click(Account)
	if got := wait(t, lt.windows.seen, "ShowWindow"); got != "window account" {
		t.Errorf("Account… did %q; want %q", got, "window account")
	}

	// A state change updates the header; the new items work.
	lt.core.states <- live(app.State{Phase: app.PhaseSigningIn, SignIn: &app.SignInInfo{URL: "https://auth.example/x"}})
	waitLabel(t, lt.sh, int(Header), "Signing in — continue in your browser")
	lt.click(CopyLink)
	if got := wait(t, lt.clip.seen, "Copy"); got != "copy https://auth.example/x" {
		t.Errorf("Copy sign-in link did %q", got)
	}
	lt.click(CancelSignIn)
	if a := wait(t, lt.core.done, "Do"); a != app.ActionCancelSignIn {
		t.Errorf("Cancel sign-in ran %q; want %q", a, app.ActionCancelSignIn)
	}

	lt.core.states <- live(app.State{Phase: app.PhaseSignedIn, User: withVanity(jane(), "jane")})
	waitLabel(t, lt.sh, int(Header), "Jane Doe (jane@example.com)")
	for _, c := range []struct {
		id   ItemID
		want string
	}{{Vanity, "window vanity"}, {Beta, "window beta"}, {SignOut, "window signout"}, {Diagnose, "window doctor"}} {
		lt.click(c.id)
		if got := wait(t, lt.windows.seen, "ShowWindow"); got != c.want {
			t.Errorf("%v did %q; want %q", c.id, got, c.want)
		}
	}
	lt.click(OpenCloud)
	if got := wait(t, lt.open.seen, "Open"); got != "open https://jane.pieces.cloud" {
		t.Errorf("Open cloud did %q", got)
	}
	if log := lt.log.String(); !strings.Contains(log, "menu click") || strings.Contains(log, "jane.pieces.cloud") {
		t.Errorf("the clicks' log names the person's cloud address, or no click:\n%s", log)
	}

	lt.click(Quit)
	wait(t, lt.quit, "quit")
	wait(t, lt.ended, "the loop to end")
}

func TestLoopIgnoresDisabledItems(t *testing.T) {
	lt := startLoop(t, nil, app.State{Phase: app.PhaseNotRunning})
	lt.click(SignIn) // disabled: Pieces OS is not running
	lt.click(Retry)
	if a := wait(t, lt.core.done, "Do"); a != app.ActionRetry {
		t.Errorf("the first action was %q; want %q (Sign in… is disabled)", a, app.ActionRetry)
	}
}

func TestLoopRetryReadsTheStoreAgain(t *testing.T) {
	lt := startLoop(t, nil, live(app.State{Phase: app.PhaseSignedOut,
		Storage: app.StorageInfo{Kind: app.StorageNone, Why: "The keyring is locked."}}))
	if got := lt.sh.item(int(Retry)).Label(); got != "Retry" {
		t.Errorf("Retry item shows %q; want %q", got, "Retry")
	}
	lt.click(Retry)
	if a := wait(t, lt.core.done, "Do"); a != app.ActionRetry {
		t.Errorf("Retry ran %q; want %q", a, app.ActionRetry)
	}
}

func TestLoopSignOutWithoutPiecesOS(t *testing.T) {
	lt := startLoop(t, nil, app.State{Phase: app.PhaseNotRunning, Storage: app.StorageInfo{Kind: app.StorageKeyring},
		Stream: app.StreamInfo{Status: app.StreamNotRunning}})
	lt.click(SignOut)
	if got := wait(t, lt.windows.seen, "ShowWindow"); got != "window signout" {
		t.Errorf("Sign out… did %q; want %q", got, "window signout")
	}
}

func TestLoopCopyFallsBackToBrowser(t *testing.T) {
	lt := startLoop(t, ErrNoClipboard,
		live(app.State{Phase: app.PhaseSigningIn, SignIn: &app.SignInInfo{URL: "https://auth.example/y"}}))
	lt.click(CopyLink)
	wait(t, lt.clip.seen, "Copy")
	if got := wait(t, lt.open.seen, "Open"); got != "open https://auth.example/y" {
		t.Errorf("after a failed copy the tray did %q; want the link opened", got)
	}
}

func TestLoopClickReturnsAtOnce(t *testing.T) {
	lt := startLoop(t, nil, live(app.State{Phase: app.PhaseSignedOut}))
	lt.core.block, lt.core.blocked = make(chan struct{}), make(chan app.Action, 1)
	lt.click(SignIn)
	wait(t, lt.core.blocked, "Do") // Do blocks (a state sent before the click arrives would hide Sign in)…
	// …yet the menu still follows the state.
	lt.core.states <- live(app.State{Phase: app.PhaseSignedIn, User: jane()})
	waitLabel(t, lt.sh, int(Header), "Jane Doe (jane@example.com)")
	close(lt.core.block)
	wait(t, lt.core.done, "Do")
}

func TestLoopCountdown(t *testing.T) {
	start := time.Now()
	lt := startLoop(t, nil, app.State{Phase: app.PhaseSignedOut,
		Stream: app.StreamInfo{Status: app.StreamRetrying, NextAttempt: start.Add(1500 * time.Millisecond)}})
	waitLabel(t, lt.sh, int(Header), "Reconnecting to Pieces OS in 1 s")
	waitLabel(t, lt.sh, int(Header), "Reconnecting to Pieces OS…")
}

func TestLoopNeverRecreatesItems(t *testing.T) {
	lt := startLoop(t, nil, live(app.State{Phase: app.PhaseSignedOut}))
	lt.sh.take()
	for i := 0; i < 20; i++ {
		s := live(app.State{Phase: app.PhaseSignedOut})
		if i%2 == 0 {
			s = live(app.State{Phase: app.PhaseSignedIn, User: jane()})
		}
		lt.core.states <- s
	}
	waitLabel(t, lt.sh, int(Header), "Not signed in")
	for _, c := range lt.sh.take() {
		if strings.HasPrefix(c, "Add") {
			t.Fatalf("an update re-created an item: %s", c)
		}
	}
}

func TestBeginWithoutAState(t *testing.T) {
	sh := &fakeShell{}
	defer func(d time.Duration) { firstStateWait = d }(firstStateWait)
	firstStateWait = 10 * time.Millisecond
	r := &runner{cfg: Config{Core: newFakeCore(), Windows: newRecorder(nil)}.withDefaults()}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, _, s, _ := r.begin(ctx, sh) // the fake core publishes nothing
	if s.Phase != app.PhaseConnecting {
		t.Errorf("begin without a state used phase %q; want %q", s.Phase, app.PhaseConnecting)
	}
	if got := sh.item(int(Header)).Label(); got != "Connecting to Pieces OS…" {
		t.Errorf("header = %q; want %q", got, "Connecting to Pieces OS…")
	}
}

func TestNoHost(t *testing.T) {
	windows, note := newRecorder(nil), newRecorder(nil)
	r := &runner{cfg: Config{Core: newFakeCore(), Windows: windows, Notifier: note}.withDefaults()}
	r.noHost()
	if got := wait(t, note.seen, "Notify"); got != "notify no_tray_host" {
		t.Errorf("noHost notified %q", got)
	}
	if got, want := wait(t, windows.seen, "ShowWindow"), "window account because "+ReasonNoTrayHost; got != want {
		t.Errorf("noHost did %q; want %q", got, want)
	}
	// TestRunWithoutTrayHost reads what it writes to stderr.
}

// What fyne.io/systray prints with the log package goes to the agent's
// logger, not to stderr, while the library log is routed.
func TestRouteLibraryLog(t *testing.T) {
	var stderr, logged bytes.Buffer
	w, flags, prefix := log.Writer(), log.Flags(), log.Prefix()
	log.SetOutput(&stderr)
	log.SetFlags(log.Lmsgprefix)
	log.SetPrefix("p: ")
	defer func() { log.SetOutput(w); log.SetFlags(flags); log.SetPrefix(prefix) }()
	restore := routeLibraryLog(slog.New(slog.NewTextHandler(&logged, nil)))
	log.Printf("systray error: failed to register: %v\n", "The name org.kde.StatusNotifierWatcher was not provided by any .service files")
	restore()
	if stderr.Len() != 0 {
		t.Errorf("stderr got %q; want nothing", stderr.String())
	}
	if got := logged.String(); !strings.Contains(got, "level=INFO") || !strings.Contains(got, "said=\"systray error: failed to register") {
		t.Errorf("the logger got %q; want the library's line at INFO", got)
	}
	log.Print("after")
	if got := stderr.String(); got != "p: after\n" {
		t.Errorf("after restore, stderr got %q; want %q", got, "p: after\n")
	}
}

func TestRunNeedsCore(t *testing.T) {
	if err := Run(context.Background(), Config{}); !errors.Is(err, ErrNoCore) {
		t.Errorf("Run(Config{}) = %v; want ErrNoCore", err)
	}
}

// fakeAutostart is an Autostart in memory; fail makes SetEnabled fail.
type fakeAutostart struct {
	mu   sync.Mutex
	on   bool
	fail error
}

func (f *fakeAutostart) Enabled() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.on }
func (f *fakeAutostart) SetEnabled(on bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.on = on
	return nil
}

// "Start at login" shows the setting and turns it on and off; a failure is
// told, and the check mark stays true to the setting.
func TestLoopStartAtLogin(t *testing.T) {
	core, sh, as := newFakeCore(), &fakeShell{}, &fakeAutostart{}
	note := newRecorder(nil)
	r := &runner{cfg: Config{Core: core, Windows: newRecorder(nil), Autostart: as, Notifier: note}.withDefaults(),
		startAtLogin: make(chan struct{}, 1)}
	runLoop(t, r, sh, core, live(app.State{Phase: app.PhaseSignedOut}))
	item := sh.item(int(StartAtLogin))
	waitChecked := func(want bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			label, _, visible := item.State()
			checked := item.Checked()
			if label == "Start at login" && visible && checked == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("Start at login: %q visible %v checked %v; want checked %v", label, visible, checked, want)
			}
		}
	}
	waitChecked(false)
	item.clicked <- struct{}{}
	waitChecked(true)
	if !as.Enabled() {
		t.Error("the click did not turn start at login on")
	}
	item.clicked <- struct{}{}
	waitChecked(false)
	as.mu.Lock()
	as.fail = errors.New("autostart: this pieces-tray is a temporary build; install it (make install)")
	as.mu.Unlock()
	item.clicked <- struct{}{}
	if got := wait(t, note.seen, "Notify"); !strings.HasPrefix(got, "notify start_at_login: ") || !strings.Contains(got, "make install") {
		t.Errorf("told %q; want the reason", got)
	}
	waitChecked(false)
}
