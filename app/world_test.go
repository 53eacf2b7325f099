package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"piecestray/apiclient"
	"piecestray/auth"
	"piecestray/auth/authtest"
	"piecestray/internal/auth0sim"
	"piecestray/internal/piecesos"
	"piecestray/internal/scriptbrowser"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// wait is how long a test waits for the core to reach a state. It is
// generous: the suite shares two cores with every other package's tests.
const wait = 15 * time.Second

// world is a core running against the real Pieces OS simulator, the
// Auth0-compatible server and the fake keyring, with a fake clock for the
// core's own timers (renewal, event coalescing, outage grace).
type world struct {
	t        *testing.T
	a0       *auth0sim.Server
	sim      *piecesos.Server
	store    *authtest.Store
	browser  *scriptbrowser.Browser
	signer   *gateSigner
	follower *countingFollower
	clock    *fakeClock
	events   *eventLog
	core     *Core
	userGets atomic.Int64 // GET /user calls of the core (not the follower)
	cancel   context.CancelFunc
	done     chan struct{}
}

type worldOption func(*worldSetup)

type worldSetup struct {
	piecesos piecesos.Config
	auth0    auth0sim.Config
	store    *authtest.Store
	action   string
	simDown  bool
	verifier string        // Auth0 URL the simulator verifies tokens with, when not ours
	timeout  time.Duration // sign-in timeout
	mode     SignInMode
	mark     string // Config.SignedOutMark
	a0       *auth0sim.Server
	sim      *piecesos.Server
}

func withPiecesOS(f func(*piecesos.Config)) worldOption {
	return func(s *worldSetup) { f(&s.piecesos) }
}
func withStore(st *authtest.Store) worldOption { return func(s *worldSetup) { s.store = st } }
func withBrowser(action string) worldOption    { return func(s *worldSetup) { s.action = action } }
func withPiecesOSDown() worldOption            { return func(s *worldSetup) { s.simDown = true } }

func withMode(m SignInMode) worldOption { return func(s *worldSetup) { s.mode = m } }

func withSignedOutMark(path string) worldOption { return func(s *worldSetup) { s.mark = path } }

func withSignInTimeout(d time.Duration) worldOption {
	return func(s *worldSetup) { s.timeout = d }
}

// withPiecesOSVerifyingWith makes the simulator check tokens with another
// identity provider, so that it rejects ours.
func withPiecesOSVerifyingWith(auth0URL string) worldOption {
	return func(s *worldSetup) { s.verifier = auth0URL }
}

// sharing runs the new core against another world's servers (a restart of
// the agent).
func sharing(w *world) worldOption {
	return func(s *worldSetup) { s.a0, s.sim, s.store = w.a0, w.sim, w.store }
}

func newWorld(t *testing.T, opts ...worldOption) *world {
	t.Helper()
	setup := worldSetup{action: scriptbrowser.Silent}
	for _, o := range opts {
		o(&setup)
	}
	w := &world{t: t, clock: newFakeClockAt(time.Now()), events: &eventLog{}}
	w.browser = &scriptbrowser.Browser{Action: setup.action}
	if setup.a0 == nil {
		w.a0 = auth0sim.New(setup.auth0)
		if err := w.a0.Start("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.a0.Close() })
		setup.piecesos.Auth0URL = w.a0.URL()
		if setup.verifier != "" {
			setup.piecesos.Auth0URL = setup.verifier
		}
		// POST /os/sign_in opens the same scripted browser.
		setup.piecesos.OpenBrowser = func(_ context.Context, url string) error { return w.browser.Open(url) }
		w.sim = piecesos.New(setup.piecesos)
		if err := w.sim.Start("127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.sim.Close() })
		if err := w.a0.AllowRedirectURI(w.sim.SignInRedirectURI()); err != nil {
			t.Fatal(err)
		}
	} else {
		w.a0, w.sim = setup.a0, setup.sim
	}
	if setup.simDown {
		if err := w.sim.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	w.store = setup.store
	if w.store == nil {
		w.store = authtest.NewStore()
	}
	cfg := auth.DefaultConfig()
	cfg.Domain = w.a0.URL()
	cfg.ClientID = auth0sim.DefaultClientID
	// Not Pieces' documented localhost:3000: other packages' tests run
	// beside these. Auth0 matches redirect URIs exactly, so register it.
	cfg.RedirectURL = fmt.Sprintf("http://127.0.0.1:%d/callback", freePort(t))
	if err := w.a0.AllowRedirectURI(cfg.RedirectURL); err != nil {
		t.Fatal(err)
	}
	w.signer = &gateSigner{Signer: auth.NewSigner(cfg, w.browser)}
	w.follower = &countingFollower{Follower: apiclient.NewFollower(apiclient.FollowerConfig{
		Discovery: apiclient.Discovery{URL: w.sim.URL()},
	})}
	w.core = New(Config{
		Mode:          setup.mode,
		PiecesOS:      func(base string) PiecesOS { return &countingClient{Client: apiclient.New(base), gets: &w.userGets} },
		Follower:      w.follower,
		Signer:        w.signer,
		Store:         w.store,
		SignedOutMark: setup.mark,
		Browser:       w.browser,
		Clock:         w.clock,
		OnEvent:       w.events.add,
		Issuer:        cfg.Domain,
		ClientID:      cfg.ClientID,
		// Confirmation polls GET /user every second; keep failures quick.
		ConfirmTimeout: 5 * time.Second,
		SignInTimeout:  setup.timeout,
	})
	w.start()
	return w
}

func (w *world) start() {
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel, w.done = cancel, make(chan struct{})
	go func() {
		defer close(w.done)
		w.core.Run(ctx)
	}()
	w.t.Cleanup(w.stop)
}

// stop ends the core and waits for everything it started.
func (w *world) stop() {
	w.cancel()
	select {
	case <-w.done:
	case <-time.After(wait):
		w.t.Error("core did not stop")
	}
	w.browser.Wait()
}

// waitFor waits until the published state satisfies ok.
func (w *world) waitFor(what string, ok func(State) bool) State {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	var last State
	for st := range w.core.Subscribe(ctx) {
		last = st
		if ok(st) {
			return st
		}
	}
	b, _ := json.MarshalIndent(last, "", "  ")
	w.t.Fatalf("timed out waiting for %s; last state:\n%s", what, b)
	return last
}

func (w *world) waitPhase(p Phase) State {
	w.t.Helper()
	return w.waitFor("phase "+string(p), func(s State) bool { return s.Phase == p && s.Busy == "" })
}

// signIn runs the sign-in action and waits until Pieces OS reports the user.
func (w *world) signIn() State {
	w.t.Helper()
	if _, err := w.core.SignIn(); err != nil {
		w.t.Fatalf("SignIn: %v", err)
	}
	return w.waitFor("signed in", func(s State) bool { return s.Phase == PhaseSignedIn && s.Storage.Kind != StorageNone })
}

func (w *world) do(a Action, args any) (Result, error) {
	w.t.Helper()
	var raw json.RawMessage
	if args != nil {
		b, err := json.Marshal(args)
		if err != nil {
			w.t.Fatal(err)
		}
		raw = b
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	return w.core.Do(ctx, a, raw)
}

// accessToken is the core's current access token ("" when it has none).
func (w *world) accessToken() string {
	w.core.mu.Lock()
	defer w.core.mu.Unlock()
	if w.core.token == nil {
		return ""
	}
	return w.core.token.AccessToken
}

// eventLog records the core's events.
type eventLog struct {
	mu     sync.Mutex
	events []Event
}

func (l *eventLog) add(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

func (l *eventLog) all() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event(nil), l.events...)
}

func (l *eventLog) kinds() []EventKind {
	var out []EventKind
	for _, e := range l.all() {
		out = append(out, e.Kind)
	}
	return out
}

func (l *eventLog) count(k EventKind) int {
	n := 0
	for _, e := range l.all() {
		if e.Kind == k {
			n++
		}
	}
	return n
}

// waitEvent waits until an event of kind k was delivered.
func (w *world) waitEvent(k EventKind) Event {
	w.t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		for _, e := range w.events.all() {
			if e.Kind == k {
				return e
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	w.t.Fatalf("no %s event; got %v", k, w.events.kinds())
	return Event{}
}

// countingClient counts the core's GET /user calls.
type countingClient struct {
	*apiclient.Client
	gets *atomic.Int64
}

func (c *countingClient) UserSnapshot(ctx context.Context) (*apiclient.ReturnedUserProfile, error) {
	c.gets.Add(1)
	return c.Client.UserSnapshot(ctx)
}

// quiet waits until the core has nothing under way (no background work,
// the newest state published, every event delivered) and no timer callback
// runs, so that a check that something did not happen can fail.
func (w *world) quiet() {
	w.t.Helper()
	deadline := time.Now().Add(wait)
	for !w.clock.idle() || !w.core.quiet() || !w.clock.idle() {
		if time.Now().After(deadline) {
			w.t.Fatal("the core never became quiet")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// gateSigner counts refreshes and can hold the next one until the test
// releases it, to line a renewal or restore up against other events.
type gateSigner struct {
	Signer
	refreshes atomic.Int32

	mu      sync.Mutex
	entered chan struct{} // closed when the held refresh has started
	gate    chan struct{} // the held refresh waits until it is closed
	fail    error         // refreshes fail with it while set
}

// failWith makes refreshes fail with err (nil: work again).
func (g *gateSigner) failWith(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fail = err
}

// Refresh counts the call and waits at the gate when one is set.
func (g *gateSigner) Refresh(ctx context.Context, rt string) (*auth.Token, error) {
	g.refreshes.Add(1)
	g.mu.Lock()
	entered, gate, fail := g.entered, g.gate, g.fail
	g.entered, g.gate = nil, nil
	g.mu.Unlock()
	if fail != nil {
		return nil, fail
	}
	if gate != nil {
		close(entered)
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return g.Signer.Refresh(ctx, rt)
}

// holdNext holds the next refresh: entered is closed when it starts, and it
// goes on when release is called.
func (g *gateSigner) holdNext() (entered <-chan struct{}, release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	e, gate := make(chan struct{}), make(chan struct{})
	g.entered, g.gate = e, gate
	var once sync.Once
	return e, func() { once.Do(func() { close(gate) }) }
}

// waitRefreshes waits until at least n refreshes were attempted.
func (w *world) waitRefreshes(n int32) {
	w.t.Helper()
	deadline := time.Now().Add(wait)
	for w.signer.refreshes.Load() < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := w.signer.refreshes.Load(); got < n {
		w.t.Fatalf("%d refreshes; want at least %d", got, n)
	}
}

// waitGone waits until nothing is stored.
func (w *world) waitGone() {
	w.t.Helper()
	deadline := time.Now().Add(wait)
	for w.store.Session() != nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}

// countingFollower records what the follower passed on, once the core has
// handled it: the times the stream went live, so a test can wait for a
// reconnect even when it is too quick to show in a publication, and the
// profiles, so a test can wait for a frame it caused before it checks that
// the frame changed nothing. Both are recorded after the core's handler
// returned, so that quiet, called next, covers what the update started.
type countingFollower struct {
	Follower
	lives atomic.Int32

	mu       sync.Mutex
	profiles []*apiclient.UserProfile // every profile passed on, in order (nil: nobody)
}

// Run records live and profile updates and passes every update on.
func (f *countingFollower) Run(ctx context.Context, handle func(apiclient.StreamUpdate)) error {
	live := false // this run's stream is live
	return f.Follower.Run(ctx, func(u apiclient.StreamUpdate) {
		handle(u)
		if u.HasProfile {
			f.mu.Lock()
			f.profiles = append(f.profiles, u.Profile)
			f.mu.Unlock()
		}
		// Count the times the stream went live, not every update while live
		// (a frame's update is live too).
		if u.Status == apiclient.StreamLive && !live {
			f.lives.Add(1)
		}
		live = u.Status == apiclient.StreamLive
	})
}

// profileMark is the number of profile updates the core has handled so far.
func (w *world) profileMark() int {
	w.follower.mu.Lock()
	defer w.follower.mu.Unlock()
	return len(w.follower.profiles)
}

// waitProfile waits until the core has handled a profile update, after the
// first mark ones, for which ok holds (any, when ok is nil): the sign that a
// frame the test caused has arrived. The follower passes on every profile
// that differs from the last, also one whose change no person would see.
func (w *world) waitProfile(mark int, what string, ok func(*apiclient.UserProfile) bool) {
	w.t.Helper()
	for deadline := time.Now().Add(wait); ; time.Sleep(2 * time.Millisecond) {
		w.follower.mu.Lock()
		seen := w.follower.profiles[min(mark, len(w.follower.profiles)):]
		found := false
		for _, p := range seen {
			if ok == nil || ok(p) {
				found = true
			}
		}
		w.follower.mu.Unlock()
		if found {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("the stream never reported %s", what)
		}
	}
}

// nobody and somebody are waitProfile conditions.
func nobody(p *apiclient.UserProfile) bool   { return p == nil }
func somebody(p *apiclient.UserProfile) bool { return p != nil }

// reconnected waits until the stream went live again after it had gone live
// n times.
func (w *world) reconnected(n int32) {
	w.t.Helper()
	deadline := time.Now().Add(wait)
	for w.follower.lives.Load() <= n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if w.follower.lives.Load() <= n {
		w.t.Fatal("the stream did not reconnect")
	}
}

// quiet reports whether nothing is under way: no background work, the
// newest state published, every event delivered. Tests wait for it before
// checking that something did not happen.
func (c *Core) quiet() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.work == 0 && c.publishedSeq == c.cur.Seq && c.emitted == c.delivered
}
