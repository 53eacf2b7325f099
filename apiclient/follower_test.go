package apiclient

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// discoveryOf looks for Pieces OS on the given ports only (never the real
// range, never the legacy port).
func discoveryOf(ports ...int) Discovery {
	return Discovery{Ports: ports, LegacyPorts: []int{}, ProbeTimeout: time.Second}
}

func wantProfile(t *testing.T, u StreamUpdate, want *UserProfile) {
	t.Helper()
	if !u.HasProfile {
		t.Fatalf("update %+v has no profile; want %+v", u, want)
	}
	if !reflect.DeepEqual(u.Profile, want) {
		t.Fatalf("update profile = %+v; want %+v", u.Profile, want)
	}
}

func TestFollowerReportsChangesInOrder(t *testing.T) {
	s := newFakeOS(t, "127.0.0.1:0", nil)
	r := startFollower(t, FollowerConfig{Discovery: discoveryOf(s.port()), Clock: newFakeClock(false)})

	if u := r.next(t); u.Status != StreamConnecting || u.BaseURL != "" || u.HasProfile {
		t.Fatalf("first update = %+v; want connecting without a base URL", u)
	}
	if u := r.next(t); u.Status != StreamConnecting || u.BaseURL != s.url() {
		t.Fatalf("second update = %+v; want connecting to %s", u, s.url())
	}
	u := r.next(t)
	if u.Status != StreamLive || u.BaseURL != s.url() || u.Err != nil {
		t.Fatalf("third update = %+v; want live at %s", u, s.url())
	}
	wantProfile(t, u, nil) // nobody signed in, from GET /user

	ada := testProfile("u-1", "ada")
	ada2 := testProfile("u-1", "ada")
	ada2.VanityName = "ada"
	steps := []struct {
		name string
		set  *UserProfile
		want *UserProfile
	}{
		{"sign in", ada, ada},
		{"profile change", ada2, ada2},
		{"sign out", nil, nil},
		{"sign in again", ada, ada},
	}
	for _, st := range steps {
		s.setUser(st.set)
		if st.set != nil {
			s.setUser(st.set) // identical: not reported again
		}
		u := r.next(t)
		if u.Status != StreamLive {
			t.Fatalf("%s: status = %q; want live", st.name, u.Status)
		}
		wantProfile(t, u, st.want)
	}
	s.send([]byte("null")) // JSON null and whitespace also mean signed out
	wantProfile(t, r.next(t), nil)
	s.send([]byte(" \r\n\t"))
	s.send([]byte(""))
	r.quiet(t, 50*time.Millisecond)
	if n := s.userReads.Load(); n != 1 {
		t.Errorf("GET /user read %d times; want 1", n)
	}
}

func TestFollowerReadsUserAfterConnect(t *testing.T) {
	ada := testProfile("u-1", "ada")
	s := newFakeOS(t, "127.0.0.1:0", ada)
	s.silent = true // the state must come from GET /user
	r := startFollower(t, FollowerConfig{Discovery: discoveryOf(s.port()), Clock: newFakeClock(false)})
	u := r.waitFor(t, "live", isStatus(StreamLive))
	wantProfile(t, u, ada)
}

// TestFollowerInvalidFrames: a frame that is not JSON is logged and
// skipped; a profile this version cannot read is reported with the live
// status and ErrUnreadableProfile, keeping the connection and the last
// profile, until the next readable frame. Neither quotes the frame.
func TestFollowerInvalidFrames(t *testing.T) {
	ada := testProfile("u-1", "ada")
	s := newFakeOS(t, "127.0.0.1:0", ada)
	var logs syncBuffer
	r := startFollower(t, FollowerConfig{Discovery: discoveryOf(s.port()), Clock: newFakeClock(false),
		Logger: testLogger(t, &logs)})
	wantProfile(t, r.waitFor(t, "live", isStatus(StreamLive)), ada)

	notJSON := []string{
		`{"id":"SECRET-1"`, // truncated JSON
		`SECRET-8`,
	}
	unreadable := []string{
		`{"id":"SECRET-2"}`, // aesthetics missing
		`{"aesthetics":{"theme":{"dark":true},"font":{"size":1}},"name":"SECRET-3"}`, // id missing
		`"SECRET-4"`,          // not an object
		`[{"id":"SECRET-5"}]`, // not an object
		`{"id":"u","aesthetics":{"theme":{"dark":true},"font":{"size":"SECRET-6"}}}`, // wrong type
		`{"id":"u","aesthetics":{"theme":{"dark":true},"font":{"size":1}},"created":{"value":"SECRET-7"}}`,
	}
	for _, f := range append(notJSON, unreadable...) {
		s.send([]byte(f))
	}
	bob := testProfile("u-2", "bob")
	s.setUser(bob)
	for range unreadable {
		u := r.next(t)
		if u.Status != StreamLive || u.HasProfile || !errors.Is(u.Err, ErrUnreadableProfile) {
			t.Fatalf("update = %+v; want live, no profile, ErrUnreadableProfile", u)
		}
		if strings.Contains(u.Err.Error(), "SECRET") {
			t.Errorf("update error %q quotes a frame", u.Err)
		}
	}
	u := r.next(t) // the connection stayed; the readable frame clears the error
	if u.Status != StreamLive || u.Err != nil {
		t.Fatalf("update = %+v; want live without error", u)
	}
	wantProfile(t, u, bob)

	out := logs.String()
	if n, want := strings.Count(out, "ignoring an invalid stream frame"), len(notJSON)+len(unreadable); n != want {
		t.Errorf("log has %d invalid-frame lines; want %d:\n%s", n, want, out)
	}
	if strings.Contains(out, "SECRET") {
		t.Errorf("log quotes a frame's content:\n%s", out)
	}
	if n := s.userReads.Load(); n != 1 {
		t.Errorf("GET /user read %d times; want 1", n)
	}
}

// TestFollowerUnreadableSnapshot: a GET /user this version cannot read is
// no reason to reconnect, as the same GET would fail again, forever: the
// follower goes live and says so, once, and the next frame sets the state.
func TestFollowerUnreadableSnapshot(t *testing.T) {
	s := newFakeOS(t, "127.0.0.1:0", nil)
	s.userBody = []byte(`{"user":{"id":"u-1"}}`) // aesthetics missing
	s.silent = true
	clk := newFakeClock(true) // a retry would not wait
	r := startFollower(t, FollowerConfig{Discovery: discoveryOf(s.port()), Clock: clk})

	u := r.waitFor(t, "live", isStatus(StreamLive))
	if !errors.Is(u.Err, ErrUnreadableProfile) || u.HasProfile {
		t.Fatalf("live update = %+v; want ErrUnreadableProfile and no profile", u)
	}
	ada := testProfile("u-1", "ada")
	s.setUser(ada)
	u = r.next(t)
	if u.Status != StreamLive || u.Err != nil {
		t.Fatalf("update = %+v; want live without error", u)
	}
	wantProfile(t, u, ada)
	if n := s.userReads.Load(); n != 1 {
		t.Errorf("GET /user read %d times; want 1", n)
	}
	if w := clk.recorded(); len(w) != 0 {
		t.Errorf("the follower waited %v to retry; want no retry", w)
	}
}

func TestFollowerReconnectsAfterOversizeFrame(t *testing.T) {
	ada := testProfile("u-1", "ada")
	s := newFakeOS(t, "127.0.0.1:0", ada)
	clk := newFakeClock(false)
	var logs syncBuffer
	r := startFollower(t, FollowerConfig{Discovery: discoveryOf(s.port()), Clock: clk, MaxFrameSize: 1024,
		Logger: testLogger(t, &logs)})
	wantProfile(t, r.waitFor(t, "live", isStatus(StreamLive)), ada)

	big := testProfile("u-1", strings.Repeat("x", 2048))
	s.send(profileFrame(big))
	u := r.waitFor(t, "retrying", isStatus(StreamRetrying))
	if !errors.Is(u.Err, errFrameTooLarge) {
		t.Errorf("retrying error = %v; want errFrameTooLarge", u.Err)
	}
	if !strings.Contains(logs.String(), "over the size limit; closing the connection to reconnect") {
		t.Errorf("log does not explain the oversize frame:\n%s", logs.String())
	}
	clk.fire(t)
	u = r.waitFor(t, "live again", isStatus(StreamLive))
	if u.HasProfile {
		t.Errorf("live again reports the unchanged profile: %+v", u)
	}
	if n := s.userReads.Load(); n != 2 {
		t.Errorf("GET /user read %d times; want 2 (once per connection)", n)
	}
}

func TestFollowerServerRestartSamePort(t *testing.T) {
	ada, bob := testProfile("u-1", "ada"), testProfile("u-2", "bob")
	s := newFakeOS(t, "127.0.0.1:0", ada)
	clk := newFakeClock(false)
	r := startFollower(t, FollowerConfig{Discovery: discoveryOf(s.port()), Clock: clk})
	wantProfile(t, r.waitFor(t, "live", isStatus(StreamLive)), ada)

	s.stop()
	s.setUserQuietly(bob) // changed while the client was away, and silent on connect
	s.silent = true
	u := r.waitFor(t, "retrying", isStatus(StreamRetrying))
	if u.BaseURL != s.url() || u.Err == nil {
		t.Errorf("retrying update = %+v; want base URL %s and an error", u, s.url())
	}
	s.start(s.addr())
	clk.fire(t)
	u = r.waitFor(t, "live", isStatus(StreamLive))
	if u.BaseURL != s.url() {
		t.Errorf("live at %q; want %q", u.BaseURL, s.url())
	}
	wantProfile(t, u, bob)
}

func TestFollowerFindsPiecesOSOnAnotherPort(t *testing.T) {
	ada, bob := testProfile("u-1", "ada"), testProfile("u-2", "bob")
	s1 := newFakeOS(t, "127.0.0.1:0", ada)
	p2 := freePort(t)
	clk := newFakeClock(false)
	r := startFollower(t, FollowerConfig{Discovery: discoveryOf(s1.port(), p2), Clock: clk})
	wantProfile(t, r.waitFor(t, "live", isStatus(StreamLive)), ada)

	s1.stop()
	r.waitFor(t, "retrying", isStatus(StreamRetrying))
	s2 := newFakeOS(t, "127.0.0.1:"+strconv.Itoa(p2), bob)
	clk.fire(t)
	u := r.waitFor(t, "live", isStatus(StreamLive))
	if u.BaseURL != s2.url() {
		t.Errorf("live at %q; want %q", u.BaseURL, s2.url())
	}
	wantProfile(t, u, bob)
}

func TestFollowerDetectsStalledServer(t *testing.T) {
	s := newFakeOS(t, "127.0.0.1:0", nil)
	clk := newFakeClock(false)
	// Generous for a loaded machine: a pong held up longer than PongWait
	// would end the connection before the stall.
	const pong = 800 * time.Millisecond
	r := startFollower(t, FollowerConfig{Discovery: discoveryOf(s.port()), Clock: clk,
		PongWait: pong, PingPeriod: pong / 8, WriteWait: pong})
	r.waitFor(t, "live", isStatus(StreamLive))
	r.quiet(t, pong+pong/2) // pongs keep a quiet stream alive past PongWait

	s.stall()
	start := time.Now()
	u := r.waitFor(t, "retrying", isStatus(StreamRetrying))
	took := time.Since(start)
	if u.Err == nil || !strings.Contains(u.Err.Error(), "no pong") {
		t.Errorf("retrying error = %v; want a ping timeout", u.Err)
	}
	t.Logf("stalled server noticed after %v (PongWait %v)", took.Round(time.Millisecond), pong)
	clk.fire(t)
	r.waitFor(t, "live again", isStatus(StreamLive))
}

func TestFollowerNotRunning(t *testing.T) {
	port := freePort(t)
	clk := newFakeClock(false)
	r := startFollower(t, FollowerConfig{Discovery: discoveryOf(port), Clock: clk})
	r.next(t) // connecting
	u := r.next(t)
	want := []string{"http://127.0.0.1:" + strconv.Itoa(port)}
	if u.Status != StreamNotRunning || !reflect.DeepEqual(u.Tried, want) || !errors.Is(u.Err, ErrNotRunning) {
		t.Fatalf("update = %+v; want not_running, tried %v, ErrNotRunning", u, want)
	}
	for range 3 { // still not running: nothing new to report
		clk.fire(t)
	}
	r.quiet(t, 20*time.Millisecond)

	clk.waitPending(t)
	s := newFakeOS(t, "127.0.0.1:"+strconv.Itoa(port), nil)
	clk.fire(t)
	if u := r.next(t); u.Status != StreamConnecting || u.BaseURL != s.url() {
		t.Fatalf("update = %+v; want connecting to %s", u, s.url())
	}
	if u := r.next(t); u.Status != StreamLive {
		t.Fatalf("update = %+v; want live", u)
	}
}

func TestFollowerBackoffSchedule(t *testing.T) {
	port := freePort(t)
	clk := newFakeClock(false)
	longest := func(n int64) int64 { return n - 1 } // the top of every range
	r := startFollower(t, FollowerConfig{Discovery: discoveryOf(port), Clock: clk, Rand: longest})

	var got []time.Duration
	for range 8 {
		got = append(got, clk.fire(t))
	}
	want := []time.Duration{250, 500, 1000, 2000, 4000, 8000, 10000, 10000}
	for i := range want {
		want[i] = want[i]*time.Millisecond - 1
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("waits while not running = %v; want %v", got, want)
	}

	clk.waitPending(t) // the follower waits: Pieces OS appears meanwhile
	s := newFakeOS(t, "127.0.0.1:"+strconv.Itoa(port), nil)
	clk.fire(t)
	r.waitFor(t, "live", isStatus(StreamLive))
	// A connection dropped at once was not healthy: the backoff goes on.
	s.dropStreams()
	u := r.waitFor(t, "retrying", isStatus(StreamRetrying))
	if d := u.NextAttempt.Sub(clk.Now()); d != 10*time.Second-1 {
		t.Errorf("retry after a short connection in %v; want %v", d, 10*time.Second-1)
	}
	clk.fire(t)
	r.waitFor(t, "live", isStatus(StreamLive))
	// A connection live for a second (the default StableAfter) was healthy:
	// the backoff starts over, so a second restart soon after is quick too.
	clk.advance(time.Second)
	s.dropStreams()
	u = r.waitFor(t, "retrying", isStatus(StreamRetrying))
	if d := u.NextAttempt.Sub(clk.Now()); d != 250*time.Millisecond-1 {
		t.Errorf("retry after a healthy connection in %v; want %v", d, 250*time.Millisecond-1)
	}
}

func TestFollowerIdleDoesNothingButPing(t *testing.T) {
	s := newFakeOS(t, "127.0.0.1:0", testProfile("u-1", "ada"))
	clk := newFakeClock(false)
	const period = 20 * time.Millisecond
	r := startFollower(t, FollowerConfig{Discovery: discoveryOf(s.port()), Clock: clk,
		PongWait: 100 * period, PingPeriod: period})
	r.waitFor(t, "live", isStatus(StreamLive))

	pings, reads := s.pings.Load(), s.userReads.Load()
	const idle = 500 * time.Millisecond
	r.quiet(t, idle) // no update: no handler call
	if n := s.pings.Load() - pings; n < 5 || n > int64(idle/period)+1 {
		t.Errorf("%d pings in %v with PingPeriod %v; want about %d", n, idle, period, idle/period)
	}
	if n := s.userReads.Load() - reads; n != 0 {
		t.Errorf("%d GET /user while idle; want 0", n)
	}
	if w := clk.recorded(); len(w) != 0 {
		t.Errorf("backoff waits while live: %v; want none", w)
	}
	t.Logf("idle %v: %d pings, 0 updates, 0 requests, 0 clock waits", idle, s.pings.Load()-pings)
}

func TestFollowerLeavesNoGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	s := newFakeOS(t, "127.0.0.1:0", nil)
	clk := newFakeClock(false)
	for _, phase := range []string{"live", "waiting"} {
		t.Run(phase, func(t *testing.T) {
			r := startFollower(t, FollowerConfig{Discovery: discoveryOf(s.port()), Clock: clk})
			r.waitFor(t, "live", isStatus(StreamLive))
			if phase == "waiting" {
				s.dropStreams()
				r.waitFor(t, "retrying", isStatus(StreamRetrying))
			}
			r.stop(t)
		})
	}
	s.stop()
}
