package apiclient_test

// Tests of the Follower against the Pieces OS simulator (internal/piecesos).
// They live in package apiclient_test because the simulator imports
// apiclient. The in-package tests (follower_test.go) use a small fake server
// and a fake clock; these use the real clock and default backoff.

import (
	"context"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"log/slog"

	"piecestray/apiclient"
	"piecestray/internal/piecesos"
)

const fsWait = 10 * time.Second

// fsStartSim starts a simulator on addr and returns it with its port.
func fsStartSim(t testing.TB, addr string) (*piecesos.Server, int) {
	t.Helper()
	s := piecesos.New(piecesos.Config{Logger: fsLogger()})
	var err error
	for deadline := time.Now().Add(fsWait); ; { // a just-freed port may linger
		if err = s.Start(addr); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("simulator: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	_, p, _ := net.SplitHostPort(s.Addr())
	port, _ := strconv.Atoi(p)
	return s, port
}

func fsLogger() *slog.Logger {
	if testing.Verbose() && os.Getenv("STREAM_TEST_LOGS") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.DiscardHandler)
}

// fsFollower runs a Follower and hands its updates to a channel.
func fsFollower(t testing.TB, cfg apiclient.FollowerConfig) <-chan apiclient.StreamUpdate {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = fsLogger()
	}
	if cfg.MaxBackoff == 0 {
		// Every wait well under fsAwait's: after a few failures the
		// default cap (10 s) alone could outlast it on a loaded machine.
		cfg.MaxBackoff = fsWait / 5
	}
	ctx, cancel := context.WithCancel(context.Background())
	updates := make(chan apiclient.StreamUpdate, 10000)
	done := make(chan struct{})
	go func() {
		defer close(done)
		apiclient.NewFollower(cfg).Run(ctx, func(u apiclient.StreamUpdate) { updates <- u })
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(fsWait):
			t.Error("Run did not return after cancel")
		}
	})
	return updates
}

func fsAwait(t testing.TB, updates <-chan apiclient.StreamUpdate, what string, match func(apiclient.StreamUpdate) bool) apiclient.StreamUpdate {
	t.Helper()
	deadline := time.After(fsWait)
	for {
		select {
		case u := <-updates:
			if match(u) {
				return u
			}
		case <-deadline:
			t.Fatalf("no update %s", what)
		}
	}
}

// fsWaitStreams waits until the simulator has n stream connections: it
// registers a connection just after the upgrade, so a client can be live a
// moment before its connection is counted.
func fsWaitStreams(t testing.TB, sim *piecesos.Server, n int) {
	t.Helper()
	for deadline := time.Now().Add(fsWait); sim.Streams() != n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("simulator has %d streams; want %d", sim.Streams(), n)
		}
	}
}

func fsLive(u apiclient.StreamUpdate) bool { return u.Status == apiclient.StreamLive }

func fsProfileNews(u apiclient.StreamUpdate) bool { return u.HasProfile }

func fsPorts(p ...int) apiclient.Discovery {
	return apiclient.Discovery{Ports: p, LegacyPorts: []int{}}
}

func TestSimulatorSignInChangeSignOut(t *testing.T) {
	sim, port := fsStartSim(t, "127.0.0.1:0")
	updates := fsFollower(t, apiclient.FollowerConfig{Discovery: fsPorts(port)})
	u := fsAwait(t, updates, "live", fsLive)
	if !u.HasProfile || u.Profile != nil || u.BaseURL != sim.URL() {
		t.Fatalf("first live update = %+v; want signed out at %s", u, sim.URL())
	}

	want := sim.SignInEmail("ada@example.com", "Ada")
	u = fsAwait(t, updates, "sign-in", fsProfileNews)
	if u.Profile == nil || u.Profile.ID != want.ID || u.Profile.Email != "ada@example.com" {
		t.Fatalf("sign-in update profile = %+v; want %s", u.Profile, want.ID)
	}
	sim.UpdateUser(func(p *apiclient.UserProfile) { p.Name = "Ada L." })
	u = fsAwait(t, updates, "profile change", fsProfileNews)
	if u.Profile == nil || u.Profile.Name != "Ada L." {
		t.Fatalf("change update profile = %+v; want name Ada L.", u.Profile)
	}
	sim.SendRaw([]byte(`{"id":"missing-aesthetics"}`)) // ignored
	sim.SendRaw([]byte(`not json`))                    // ignored
	// The next news is the next real change: the invalid frames were
	// neither a sign-out nor a profile.
	sim.UpdateUser(func(p *apiclient.UserProfile) { p.Name = "Ada M." })
	u = fsAwait(t, updates, "profile change after invalid frames", fsProfileNews)
	if u.Profile == nil || u.Profile.Name != "Ada M." {
		t.Fatalf("update after invalid frames = %+v; want name Ada M. (invalid frames ignored)", u.Profile)
	}
	sim.SetUser(nil)
	u = fsAwait(t, updates, "sign-out", fsProfileNews)
	if u.Profile != nil || u.Status != apiclient.StreamLive {
		t.Fatalf("sign-out update = %+v; want live with nil profile", u)
	}
}

func TestSimulatorStallAndOversize(t *testing.T) {
	sim, port := fsStartSim(t, "127.0.0.1:0")
	sim.SignInEmail("ada@example.com", "Ada")
	const pong = 800 * time.Millisecond // generous for a loaded machine
	updates := fsFollower(t, apiclient.FollowerConfig{Discovery: fsPorts(port),
		PongWait: pong, PingPeriod: pong / 8, WriteWait: pong, MaxFrameSize: 4096})
	fsAwait(t, updates, "live", fsLive)

	sim.Stall(true)
	u := fsAwait(t, updates, "retrying after the stall", func(u apiclient.StreamUpdate) bool {
		return u.Status == apiclient.StreamRetrying
	})
	if u.Err == nil || !strings.Contains(u.Err.Error(), "no pong") {
		t.Errorf("stall error = %v; want a ping timeout", u.Err)
	}
	sim.Stall(false)
	fsAwait(t, updates, "live after the stall", fsLive)

	fsWaitStreams(t, sim, 1) // SendRaw reaches registered streams only
	sim.SendRaw([]byte(`{"id":"` + strings.Repeat("x", 8192) + `"}`))
	u = fsAwait(t, updates, "retrying after an oversize frame", func(u apiclient.StreamUpdate) bool {
		return u.Status == apiclient.StreamRetrying
	})
	if u.Err == nil || !strings.Contains(u.Err.Error(), "size limit") {
		t.Errorf("oversize error = %v; want the size limit", u.Err)
	}
	u = fsAwait(t, updates, "live after an oversize frame", fsLive)
	if u.HasProfile {
		t.Errorf("reconnect re-reported an unchanged profile: %+v", u.Profile)
	}
}

func TestSimulatorRestartOnAnotherPort(t *testing.T) {
	sim1, p1 := fsStartSim(t, "127.0.0.1:0")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p2 := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	sim1.SignInEmail("ada@example.com", "Ada")
	updates := fsFollower(t, apiclient.FollowerConfig{Discovery: fsPorts(p1, p2)})
	fsAwait(t, updates, "live", fsLive)

	sim1.Close()
	sim2, _ := fsStartSim(t, "127.0.0.1:"+strconv.Itoa(p2))
	bob := sim2.SignInEmail("bob@example.com", "Bob")
	u := fsAwait(t, updates, "live on the other port", fsLive)
	if u.BaseURL != sim2.URL() {
		t.Errorf("live at %q; want %q", u.BaseURL, sim2.URL())
	}
	if !u.HasProfile || u.Profile == nil || u.Profile.ID != bob.ID {
		t.Errorf("live update profile = %+v; want bob (%s)", u.Profile, bob.ID)
	}
}

// TestSimulatorLiveAgainAfterRestart measures how long after a restarted
// simulator answers again the Follower is live. Each restart follows a
// healthy connection (StableAfter is tiny here: a Pieces OS that had been up
// for a while), so the first retry waits under 250 ms (full jitter). The
// times are logged, not asserted (see docs/PERFORMANCE.md).
func TestSimulatorLiveAgainAfterRestart(t *testing.T) {
	sim, port := fsStartSim(t, "127.0.0.1:0")
	sim.SignInEmail("ada@example.com", "Ada")
	updates := fsFollower(t, apiclient.FollowerConfig{Discovery: fsPorts(port), StableAfter: time.Nanosecond})
	fsAwait(t, updates, "live", fsLive)

	rounds := 20
	if testing.Short() {
		rounds = 3
	}
	var took []time.Duration
	for range rounds {
		if err := sim.Restart(); err != nil {
			t.Fatal(err)
		}
		answering := time.Now()
		fsAwait(t, updates, "live after restart", fsLive)
		took = append(took, time.Since(answering))
	}
	slices.Sort(took)
	t.Logf("live again after a restart (%d rounds): min %v, median %v, max %v", rounds,
		took[0].Round(time.Millisecond), took[len(took)/2].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond))
}

// When Pieces OS goes away and another user's program takes its port, the
// follower does not connect there: it would be handed a token next.
func TestFollowerLeavesAPortAnotherUserTook(t *testing.T) {
	sim, port := fsStartSim(t, "127.0.0.1:0")
	updates := fsFollower(t, apiclient.FollowerConfig{Discovery: apiclient.Discovery{URL: sim.URL()}})
	fsAwait(t, updates, "live", fsLive)
	sim.Close()
	var got int
	for deadline := time.Now().Add(fsWait); ; time.Sleep(20 * time.Millisecond) {
		if p, ok := tryOtherUsersListener(t, port); ok {
			got = p
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the port did not come free")
		}
	}
	if got != port {
		t.Fatalf("the other user's listener is on %d; want %d", got, port)
	}
	u := fsAwait(t, updates, "the port refused", func(u apiclient.StreamUpdate) bool {
		return u.Err != nil && strings.Contains(u.Err.Error(), "something else is listening on port")
	})
	if u.Status == apiclient.StreamLive {
		t.Fatalf("live at another user's port: %+v", u)
	}
	select {
	case u := <-updates:
		if u.Status == apiclient.StreamLive {
			t.Fatalf("went live at another user's port: %+v", u)
		}
	case <-time.After(500 * time.Millisecond):
	}
}
