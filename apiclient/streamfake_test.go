package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Test doubles of the stream tests: a small Pieces OS (health, GET /user and
// WS /user/stream), a fake Clock, and a harness that runs a Follower and
// collects its updates. The tests of follower_sim_test.go use the real
// simulator (internal/piecesos) instead.

// waitLong bounds every wait for something that should happen soon; it is
// generous because the tests share a loaded 2-core machine.
const waitLong = 10 * time.Second

// fakeOS is a minimal Pieces OS. It can stop and start again on the same or
// another address, stall its streams and send raw frames.
type fakeOS struct {
	t *testing.T

	mu        sync.Mutex
	user      *UserProfile
	userBody  []byte // when set, GET /user answers this instead of user
	silent    bool   // send nothing on connect
	ln        net.Listener
	hs        *http.Server
	conns     map[*fakeConn]struct{}
	connected chan struct{} // one value per accepted stream

	wg        sync.WaitGroup // stream handlers
	pings     atomic.Int64   // pings received from clients
	userReads atomic.Int64   // GET /user served
}

type fakeConn struct {
	ws      *websocket.Conn
	out     chan []byte
	stalled atomic.Bool
	once    sync.Once
	gone    chan struct{}
}

func (c *fakeConn) close() {
	c.once.Do(func() { close(c.gone); c.ws.Close() })
}

// newFakeOS starts a fake Pieces OS on addr ("127.0.0.1:0" for any port).
func newFakeOS(t *testing.T, addr string, user *UserProfile) *fakeOS {
	t.Helper()
	s := &fakeOS{t: t, user: user, conns: map[*fakeConn]struct{}{}, connected: make(chan struct{}, 100)}
	s.start(addr)
	t.Cleanup(s.stop)
	return s
}

func (s *fakeOS) start(addr string) {
	s.t.Helper()
	var ln net.Listener
	var err error
	for deadline := time.Now().Add(waitLong); ; { // the port may linger briefly
		if ln, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("fakeOS: listen %s: %v", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/health", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	})
	mux.HandleFunc("GET /user", func(w http.ResponseWriter, r *http.Request) {
		s.userReads.Add(1)
		s.mu.Lock()
		ret, body := ReturnedUserProfile{User: s.user}, s.userBody
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if body != nil {
			w.Write(body)
			return
		}
		json.NewEncoder(w).Encode(ret)
	})
	mux.HandleFunc("/user/stream", s.stream)
	hs := &http.Server{Handler: mux}
	s.mu.Lock()
	s.ln, s.hs = ln, hs
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		hs.Serve(ln)
	}()
}

// stop closes the listener and every connection, like a Pieces OS that quit.
func (s *fakeOS) stop() {
	s.mu.Lock()
	hs := s.hs
	s.hs = nil
	for c := range s.conns {
		c.close()
	}
	s.mu.Unlock()
	if hs != nil {
		hs.Close()
	}
	s.wg.Wait()
}

func (s *fakeOS) addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ln.Addr().String()
}

func (s *fakeOS) url() string { return "http://" + s.addr() }

func (s *fakeOS) port() int {
	_, p, _ := net.SplitHostPort(s.addr())
	n, _ := strconv.Atoi(p)
	return n
}

func (s *fakeOS) stream(w http.ResponseWriter, r *http.Request) {
	// s.mu is held from the upgrade to the registration of the connection:
	// a client is live only after GET /user, which waits for s.mu, so a
	// test that saw "live" finds the connection registered.
	s.mu.Lock()
	if s.hs == nil { // stopping
		s.mu.Unlock()
		http.Error(w, "stopping", http.StatusServiceUnavailable)
		return
	}
	ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
	if err != nil {
		s.mu.Unlock()
		return
	}
	c := &fakeConn{ws: ws, out: make(chan []byte, 64), gone: make(chan struct{})}
	ws.SetPingHandler(func(data string) error {
		s.pings.Add(1)
		if c.stalled.Load() {
			return nil
		}
		return ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	s.wg.Add(1)
	s.conns[c] = struct{}{}
	if !s.silent {
		c.out <- profileFrame(s.user)
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.close()
		s.wg.Done()
	}()
	select {
	case s.connected <- struct{}{}:
	default:
	}
	go func() { // the reader answers pings (unless stalled)
		for {
			if _, _, err := ws.NextReader(); err != nil {
				c.close()
				return
			}
		}
	}()
	for {
		select {
		case f := <-c.out:
			if c.stalled.Load() {
				continue
			}
			ws.SetWriteDeadline(time.Now().Add(time.Second))
			if err := ws.WriteMessage(websocket.TextMessage, f); err != nil {
				return
			}
		case <-c.gone:
			return
		}
	}
}

// setUser changes the user and pushes a frame, as Pieces OS does.
func (s *fakeOS) setUser(p *UserProfile) {
	s.mu.Lock()
	s.user = p
	s.mu.Unlock()
	s.send(profileFrame(p))
}

// setUserQuietly changes what GET /user answers without a frame.
func (s *fakeOS) setUserQuietly(p *UserProfile) {
	s.mu.Lock()
	s.user = p
	s.mu.Unlock()
}

// send queues a raw frame on every stream.
func (s *fakeOS) send(frame []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		select {
		case c.out <- frame:
		default:
			s.t.Errorf("fakeOS: frame queue full")
		}
	}
}

// stall stops every open stream from answering pings and writing frames.
func (s *fakeOS) stall() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.stalled.Store(true)
	}
}

// dropStreams closes every stream connection; the listener stays.
func (s *fakeOS) dropStreams() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.close()
	}
}

func profileFrame(p *UserProfile) []byte {
	if p == nil {
		return []byte{}
	}
	b, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	return b
}

// testProfile is a minimal valid profile.
func testProfile(id, name string) *UserProfile {
	return &UserProfile{
		ID:         id,
		Name:       name,
		Email:      name + "@example.com",
		Aesthetics: &Aesthetics{Theme: &Theme{Dark: true}, Font: &Font{Size: 12}},
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

// fakeClock is a Clock whose waits fire only when the test says so (manual)
// or after a millisecond of real time (auto). Now moves on by each fired
// wait.
type fakeClock struct {
	auto bool

	mu      sync.Mutex
	now     time.Time
	pending []fakeWait
	waits   []time.Duration // every AfterFunc, in order
	added   chan struct{}   // capacity 1: a wait was added
}

type fakeWait struct {
	d    time.Duration
	f    func()
	done *bool // stopped or fired
}

type fakeTimer struct {
	c    *fakeClock
	done *bool
}

// Stop prevents the call if it has not happened.
func (t fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !*t.done
	*t.done = true
	return was
}

func newFakeClock(auto bool) *fakeClock {
	return &fakeClock{auto: auto, now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), added: make(chan struct{}, 1)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	done := new(bool)
	if c.auto {
		c.now = c.now.Add(d)
		time.AfterFunc(time.Millisecond, func() {
			c.mu.Lock()
			run := !*done
			*done = true
			c.mu.Unlock()
			if run {
				f()
			}
		})
		return fakeTimer{c, done}
	}
	c.pending = append(c.pending, fakeWait{d, f, done})
	select {
	case c.added <- struct{}{}:
	default:
	}
	return fakeTimer{c, done}
}

// advance moves Now without firing anything.
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// fire waits until someone waits on the clock, then ends every pending wait
// and returns the longest.
func (c *fakeClock) fire(t *testing.T) time.Duration {
	t.Helper()
	return c.await(t, true)
}

// waitPending waits until someone waits on the clock.
func (c *fakeClock) waitPending(t *testing.T) {
	t.Helper()
	c.await(t, false)
}

func (c *fakeClock) await(t *testing.T, fire bool) time.Duration {
	t.Helper()
	deadline := time.After(waitLong)
	for {
		c.mu.Lock()
		if len(c.pending) > 0 && !fire {
			c.mu.Unlock()
			return 0
		}
		if len(c.pending) > 0 {
			var longest time.Duration
			for _, w := range c.pending {
				longest = max(longest, w.d)
			}
			c.now = c.now.Add(longest)
			var due []func()
			for _, w := range c.pending {
				if !*w.done {
					*w.done = true
					due = append(due, w.f)
				}
			}
			c.pending = nil
			c.mu.Unlock()
			for _, f := range due {
				go f()
			}
			return longest
		}
		c.mu.Unlock()
		select {
		case <-c.added:
		case <-deadline:
			t.Fatal("fakeClock: nobody waits on the clock")
		}
	}
}

func (c *fakeClock) recorded() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// followerRun runs a Follower and collects its updates.
type followerRun struct {
	updates chan StreamUpdate
	cancel  context.CancelFunc
	done    chan error
}

func startFollower(t *testing.T, cfg FollowerConfig) *followerRun {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t, nil)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &followerRun{updates: make(chan StreamUpdate, 10000), cancel: cancel, done: make(chan error, 1)}
	f := NewFollower(cfg)
	go func() { r.done <- f.Run(ctx, func(u StreamUpdate) { r.updates <- u }) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels the run and checks that Run returns promptly.
func (r *followerRun) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case err, ok := <-r.done:
		if ok && !errors.Is(err, context.Canceled) {
			t.Errorf("Run after cancel = %v; want context.Canceled", err)
		}
		if ok {
			close(r.done)
		}
	case <-time.After(waitLong):
		t.Fatal("Run did not return after cancel")
	}
}

// next returns the next update.
func (r *followerRun) next(t *testing.T) StreamUpdate {
	t.Helper()
	select {
	case u := <-r.updates:
		return u
	case <-time.After(waitLong):
		t.Fatal("no update from the follower")
	}
	return StreamUpdate{}
}

// waitFor skips updates until one matches.
func (r *followerRun) waitFor(t *testing.T, what string, match func(StreamUpdate) bool) StreamUpdate {
	t.Helper()
	deadline := time.After(waitLong)
	for {
		select {
		case u := <-r.updates:
			if match(u) {
				return u
			}
		case <-deadline:
			t.Fatalf("no update %s from the follower", what)
		}
	}
}

// quiet checks that no update arrives for d.
func (r *followerRun) quiet(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case u := <-r.updates:
		t.Fatalf("unexpected update %+v", u)
	case <-time.After(d):
	}
}

func isStatus(s StreamStatus) func(StreamUpdate) bool {
	return func(u StreamUpdate) bool { return u.Status == s }
}

// syncBuffer is a bytes.Buffer safe for a logger and a test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// testLogger logs to buf when given, and to stderr with -v.
func testLogger(t *testing.T, buf *syncBuffer) *slog.Logger {
	if buf != nil {
		return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}
