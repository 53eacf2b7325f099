package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"piecestray/apiclient"
)

func TestOneProfileChangeGivesOneEvent(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	w.waitEvent(EventSignedIn)
	w.sim.UpdateUser(func(p *apiclient.UserProfile) { p.Name = "Ada King" })
	w.waitFor("new name", func(s State) bool { return s.User != nil && s.User.Name == "Ada King" })
	if n := w.events.count(EventProfileChanged); n != 0 {
		t.Fatalf("profile event before the coalescing window ended (%d)", n)
	}
	w.clock.Advance(time.Second)
	ev := w.waitEvent(EventProfileChanged)
	if ev.Body != "Your name changed." {
		t.Errorf("event body = %q; want %q", ev.Body, "Your name changed.")
	}
	w.quiet()
	if n := w.events.count(EventProfileChanged); n != 1 {
		t.Errorf("%d profile events; want exactly 1", n)
	}
	// A frame that changes nothing a person sees is not news.
	mark := w.profileMark()
	w.sim.UpdateUser(func(p *apiclient.UserProfile) { p.Aesthetics.Font.Size++ })
	w.waitProfile(mark, "the font size change", nil)
	w.quiet()
	w.clock.Advance(time.Second)
	w.quiet()
	if n := w.events.count(EventProfileChanged); n != 1 {
		t.Errorf("%d profile events after an invisible change; want still 1", n)
	}
}

func TestBurstIsCoalesced(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pubs := 0
	states := w.core.Subscribe(ctx)
	<-states // the current state
	done := make(chan struct{})
	go func() {
		defer close(done)
		for st := range states {
			pubs++
			if st.User != nil && st.User.Name == "name 999" {
				return
			}
		}
	}()
	start := time.Now()
	for i := 0; i < 1000; i++ {
		w.sim.UpdateUser(func(p *apiclient.UserProfile) {
			p.Name = fmt.Sprintf("name %d", i)
			p.Email = fmt.Sprintf("ada+%d@example.com", i)
		})
	}
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatal("the last frame of the burst never reached the state")
	}
	elapsed := time.Since(start)
	// At most one publication per publishInterval (50 ms), plus the edges.
	limit := int(elapsed/(50*time.Millisecond)) + 3
	t.Logf("1000 frames in %v gave %d publications (limit %d)", elapsed, pubs, limit)
	if pubs > limit || pubs > 200 {
		t.Errorf("%d publications for 1000 frames in %v; want at most %d", pubs, elapsed, limit)
	}
	w.clock.Advance(time.Second)
	ev := w.waitEvent(EventProfileChanged)
	w.quiet()
	if n := w.events.count(EventProfileChanged); n != 1 {
		t.Errorf("%d profile events for one burst; want 1", n)
	}
	if !strings.Contains(ev.Body, "email") || !strings.Contains(ev.Body, "name") {
		t.Errorf("event body = %q; want both email and name", ev.Body)
	}
}

func TestSignedOutElsewhere(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	w.sim.SetUser(nil) // e.g. Pieces Desktop signed out
	w.waitPhase(PhaseSignedOut)
	ev := w.waitEvent(EventSignedOutRemote)
	if !strings.Contains(ev.Body, "outside Pieces Tray") {
		t.Errorf("event body = %q", ev.Body)
	}
	deadline := time.Now().Add(wait)
	for w.store.Session() != nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if w.store.Session() != nil {
		t.Fatal("the stored session was kept after a sign-out elsewhere")
	}
	// It is not restored against the person's will.
	w.quiet()
	if w.sim.User() != nil {
		t.Error("the session was restored after the person signed out elsewhere")
	}
}

func TestPiecesOSStoppedAndBack(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()

	// A restart under the grace period is not news.
	w.sim.Stop()
	w.waitFor("stream down", func(s State) bool { return s.Stream.Status != StreamLive })
	w.clock.Advance(2 * time.Second)
	if err := w.sim.Restart(); err != nil {
		t.Fatal(err)
	}
	w.core.Retry()
	w.waitFor("live again", func(s State) bool { return s.Stream.Status == StreamLive })
	w.clock.Advance(10 * time.Second)
	w.quiet()
	if k := w.events.kinds(); len(k) != 1 || k[0] != EventSignedIn {
		t.Errorf("events after a short restart = %v; want only the sign-in", k)
	}

	// A longer outage is.
	w.sim.Stop()
	w.waitFor("stream down", func(s State) bool { return s.Stream.Status != StreamLive })
	w.clock.Advance(5 * time.Second)
	w.waitEvent(EventPiecesOSStopped)
	if err := w.sim.Restart(); err != nil {
		t.Fatal(err)
	}
	w.core.Retry()
	w.waitEvent(EventPiecesOSBack)
	st := w.waitPhase(PhaseSignedIn)
	if st.User.Email != "ada@example.com" {
		t.Errorf("user after the outage = %s", st.User.Email)
	}
}

func TestAnotherAccountSignedInElsewhere(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	w.sim.SignInEmail("grace@example.com", "Grace Hopper")
	w.waitFor("grace", func(s State) bool { return s.User != nil && s.User.Email == "grace@example.com" })
	deadline := time.Now().Add(wait)
	for w.events.count(EventSignedIn) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	evs := w.events.all()
	last := evs[len(evs)-1]
	if last.Kind != EventSignedIn || !strings.Contains(last.Body, "Grace Hopper") {
		t.Errorf("last event = %+v; want signed in as Grace Hopper", last)
	}
	// Ada's session must not be renewed over Grace's.
	for w.store.Session() != nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if w.store.Session() != nil {
		t.Fatal("the first account's session is still stored")
	}
	w.clock.Advance(time.Hour)
	w.quiet()
	if got := w.sim.User(); got == nil || got.Email != "grace@example.com" {
		t.Errorf("Pieces OS user after the renewal time = %+v; want still grace", got)
	}
}

// After a reconnect that finds the same user, the next frame is a live
// change again: a sign-out elsewhere must not be taken for a Pieces OS
// restart and undone by a silent restore.
func TestSignedOutElsewhereAfterReconnect(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	lives := w.follower.lives.Load()
	w.sim.DropStreams()
	w.reconnected(lives)
	w.sim.SetUser(nil)
	w.waitEvent(EventSignedOutRemote)
	w.quiet()
	if w.sim.User() != nil {
		t.Fatal("the session was restored after a sign-out elsewhere")
	}
	if st := w.core.State(); st.Phase != PhaseSignedOut {
		t.Errorf("phase = %q; want signed out", st.Phase)
	}
}
