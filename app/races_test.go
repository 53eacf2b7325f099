package app

import (
	"context"
	"testing"
	"time"

	"piecestray/auth"
	"piecestray/auth/authtest"
	"piecestray/internal/scriptbrowser"
)

// These tests line a renewal or restore up against the events that end or
// replace a session. They guard the rules of session.go: one refresher, and
// no result from a session that has ended.

// A renewal under way when the person signs out elsewhere must not sign
// them back in.
func TestRenewalDoesNotUndoSignOutElsewhere(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	entered, release := w.signer.holdNext()
	defer release()
	w.clock.Advance(50 * time.Minute)
	<-entered
	w.sim.SetUser(nil)
	w.waitEvent(EventSignedOutRemote)
	w.waitGone()
	release()
	w.quiet()
	if w.store.Session() != nil {
		t.Error("the stored session came back after a sign-out elsewhere")
	}
	if u := w.sim.User(); u != nil {
		t.Errorf("Pieces OS was signed in again as %s after a sign-out elsewhere", u.Email)
	}
}

// Signing out here while a renewal runs stops the renewal; it neither
// stores the session again nor signs Pieces OS in again.
func TestSignOutStopsARenewal(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	entered, release := w.signer.holdNext()
	defer release() // the sign-out must not need it: it cancels the renewal
	w.clock.Advance(50 * time.Minute)
	<-entered
	mark := w.profileMark()
	done := make(chan error, 1)
	go func() {
		_, err := w.do(ActionSignOut, nil)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(wait):
		t.Fatal("Sign out waited for the renewal instead of stopping it")
	}
	w.waitProfile(mark, "the sign-out", nobody)
	w.quiet()
	if w.store.Session() != nil {
		t.Error("the stored session came back after Sign out")
	}
	if u := w.sim.User(); u != nil {
		t.Errorf("Pieces OS was signed in again as %s after Sign out", u.Email)
	}
	if st := w.core.State(); st.Phase != PhaseSignedOut || st.LastError != "" {
		t.Errorf("after sign-out: phase %q, LastError %q; want signed out, no error", st.Phase, st.LastError)
	}
}

// A renewal under way when Pieces OS restarts without the user: the restore
// must not refresh with the refresh token the renewal is using (rotation
// would revoke the whole family and force a sign-in).
func TestRenewalAndRestoreShareOneRefresher(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	entered, release := w.signer.holdNext()
	defer release()
	w.clock.Advance(50 * time.Minute)
	<-entered
	// Less than minReuseLife is left on the access token, so the restore
	// must refresh too.
	w.clock.Skip(6 * time.Minute)
	w.sim.Stop()
	w.waitPhase(PhaseNotRunning)
	w.sim.SetUser(nil)
	if err := w.sim.Restart(); err != nil {
		t.Fatal(err)
	}
	w.core.Retry()
	w.waitFor("stream live", func(s State) bool { return s.Stream.Status == StreamLive })
	mark := w.profileMark() // the restore's frame comes after this
	release()
	w.waitRefreshes(2)
	st := w.waitFor("signed in again", func(s State) bool { return s.Phase == PhaseSignedIn && w.sim.User() != nil })
	w.waitProfile(mark, "the restored user", somebody)
	w.quiet()
	if st = w.core.State(); st.Phase != PhaseSignedIn {
		t.Errorf("phase = %q (%q); want signed in", st.Phase, st.Reason)
	}
	if n := w.events.count(EventSessionExpired); n != 0 {
		t.Errorf("%d session-expired events; want none (one refresh token used twice?)", n)
	}
}

// Cancelling a sign-in started from "sign-in needed" does not announce the
// expiry again.
func TestSessionExpiredIsAnnouncedOnce(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	w.a0.RevokeAll()
	w.clock.Advance(50 * time.Minute)
	w.waitPhase(PhaseSignInNeeded)
	w.waitEvent(EventSessionExpired)
	w.browser.Action = scriptbrowser.Ignore
	if _, err := w.core.SignIn(); err != nil {
		t.Fatal(err)
	}
	w.waitFor("signing in", func(s State) bool { return s.Phase == PhaseSigningIn })
	w.core.CancelSignIn()
	w.waitPhase(PhaseSignInNeeded)
	w.quiet()
	if n := w.events.count(EventSessionExpired); n != 1 {
		t.Errorf("%d session-expired events; want 1 (%v)", n, w.events.kinds())
	}
}

// A restore that fails for a passing reason after a Pieces OS restart keeps
// the session for a later try, and says so rather than "signed out
// elsewhere".
func TestPassingRestoreFailureIsNotASignOut(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	w.waitEvent(EventSignedIn)
	w.a0.Close() // the identity provider is unreachable
	w.sim.Stop()
	w.waitPhase(PhaseNotRunning)
	w.sim.SetUser(nil)
	if err := w.sim.Restart(); err != nil {
		t.Fatal(err)
	}
	w.core.Retry()
	st := w.waitFor("restore failed", func(s State) bool { return s.LastError != "" && s.Stream.Status == StreamLive })
	w.quiet()
	if !containsAll(st.LastError, "could not be restored yet", "will try again") {
		t.Errorf("LastError = %q", st.LastError)
	}
	if n := w.events.count(EventSignedOutRemote); n != 0 {
		t.Errorf("%d signed-out-elsewhere events while the session is kept for a retry", n)
	}
	if w.store.Session() == nil {
		t.Error("the session was dropped after a passing failure")
	}
}

// Sign-in needed ends when Pieces OS reports the person signed in again
// another way (Pieces Desktop): the tray agrees with Pieces OS.
func TestSignInNeededEndsWhenPiecesOSSignsIn(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	w.a0.RevokeAll()
	w.clock.Advance(50 * time.Minute)
	w.waitPhase(PhaseSignInNeeded)
	w.sim.SetUser(nil)
	w.waitFor("nobody", func(s State) bool { return s.User == nil })
	w.sim.SignInEmail("ada@example.com", "Ada Lovelace")
	st := w.waitPhase(PhaseSignedIn)
	if st.Reason != "" {
		t.Errorf("Reason = %q; want none", st.Reason)
	}
}

// A stored session made with another sign-in service is never sent to ours.
func TestForeignSessionIsNotUsed(t *testing.T) {
	store := authtest.NewStore()
	if err := store.Save(context.Background(), &auth.Session{RefreshToken: "from-elsewhere", Email: "ada@example.com", Issuer: "https://other.example"}); err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, withStore(store))
	st := w.waitPhase(PhaseSignedOut)
	w.quiet()
	if n := w.signer.refreshes.Load(); n != 0 {
		t.Errorf("%d refreshes with a session of another service; want 0", n)
	}
	if st.Phase != PhaseSignedOut || len(w.events.all()) != 0 {
		t.Errorf("phase %q, events %v; want signed out quietly", st.Phase, w.events.kinds())
	}
}

func TestSameIssuer(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"auth.pieces.services", "https://auth.pieces.services/", true},
		{"https://auth.pieces.services", "https://Auth.Pieces.Services/", true},
		{"http://127.0.0.1:4000", "http://127.0.0.1:4000/", true},
		{"https://other.example", "auth.pieces.services", false},
		{"http://127.0.0.1:4000/", "http://127.0.0.1:4001/", false},
	} {
		if got := sameIssuer(tt.a, tt.b); got != tt.want {
			t.Errorf("sameIssuer(%q, %q) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// A keyring locked at start while a session is stored: the state says why,
// and once the keyring is unlocked the session is restored without a click.
func TestLockedKeyringIsReadAgain(t *testing.T) {
	first := newWorld(t)
	first.waitPhase(PhaseSignedOut)
	first.signIn()
	first.stop()
	first.sim.SetUser(nil)
	first.store.SetErr(authtest.OpLoad, auth.ErrLocked)

	w := newWorld(t, sharing(first))
	st := w.waitFor("the reason", func(s State) bool { return s.Phase == PhaseSignedOut && s.LastError != "" })
	if !containsAll(st.LastError, "could not be read", "locked") || st.Storage.Why == "" {
		t.Errorf("LastError %q, Storage %+v; want the locked keyring explained", st.LastError, st.Storage)
	}
	w.store.SetErr(authtest.OpLoad, nil) // the person unlocks the keyring
	w.clock.Advance(maxRenewBackoff)
	st = w.waitPhase(PhaseSignedIn)
	if st.LastError != "" {
		t.Errorf("LastError after the restore = %q; want none", st.LastError)
	}
}

// Retry reads a keyring that could not be read at once, in place of the
// scheduled re-read: the session is read once and restored, and the old
// timer neither reads it again nor writes it back.
func TestRetryReadsTheKeyringOnce(t *testing.T) {
	first := newWorld(t)
	first.waitPhase(PhaseSignedOut)
	first.signIn()
	first.stop()
	first.sim.SetUser(nil)
	first.store.SetErr(authtest.OpLoad, auth.ErrLocked)

	w := newWorld(t, sharing(first))
	w.waitFor("the reason", func(s State) bool { return s.Phase == PhaseSignedOut && s.LastError != "" })
	w.store.SetErr(authtest.OpLoad, nil) // the person unlocks the keyring
	loads, saves := w.store.Calls(authtest.OpLoad), w.store.Calls(authtest.OpSave)
	if _, err := w.do(ActionRetry, nil); err != nil {
		t.Fatal(err)
	}
	w.waitPhase(PhaseSignedIn)
	w.waitProfile(0, "the restored user", somebody)
	w.clock.Advance(maxRenewBackoff) // when the old re-read would have run
	w.quiet()
	w.store.WaitIdle()
	if got := w.store.Calls(authtest.OpLoad) - loads; got != 1 {
		t.Errorf("%d keyring reads after Retry; want 1", got)
	}
	// The restore saves the rotated refresh token once; nothing else writes.
	if got := w.store.Calls(authtest.OpSave) - saves; got != 1 {
		t.Errorf("%d keyring saves after Retry; want 1 (the rotated token)", got)
	}
}

// Nobody signed in on a fresh stream connection is never "signed out
// elsewhere", however the connection came back (here: Pieces OS kept
// running, only the stream dropped, as after a restart faster than the
// follower's retry): the stored session is restored and the person told,
// so a sign-out that happened meanwhile can be repeated.
func TestNobodyAfterAReconnectIsRestored(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	w.sim.DropStreams()
	w.sim.SetUser(nil)
	w.waitEvent(EventSignedBackIn)
	w.waitFor("signed in again", func(s State) bool { return s.Phase == PhaseSignedIn && s.Stream.Status == StreamLive })
	if w.sim.User() == nil || w.store.Session() == nil {
		t.Errorf("after a reconnect with nobody: Pieces OS user %v, stored %v; want both", w.sim.User() != nil, w.store.Session() != nil)
	}
	if n := w.events.count(EventSignedOutRemote); n != 0 {
		t.Errorf("%d signed-out-elsewhere events; want none after a reconnect", n)
	}
}

// A sign-out frame that GET /user contradicts changes nothing: the session
// stays stored and the person signed in.
func TestSignOutFrameContradictedByGetUser(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	for _, frame := range []string{"null", "", "  "} {
		gets, lives := w.userGets.Load(), w.follower.lives.Load()
		w.sim.SendRaw([]byte(frame))
		// The frame arrived when the core asks GET /user about it.
		for deadline := time.Now().Add(wait); w.userGets.Load() == gets; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("frame %q: the core never asked GET /user", frame)
			}
		}
		w.reconnected(lives) // the stream starts again from GET /user
		w.quiet()
		st := w.core.State()
		if st.Phase != PhaseSignedIn || st.User == nil {
			t.Fatalf("after frame %q contradicted by GET /user: phase %s; want still signed in", frame, st.Phase)
		}
	}
	if w.store.Session() == nil {
		t.Error("the stored session was deleted by a sign-out frame GET /user contradicted")
	}
	if n := w.events.count(EventSignedOutRemote); n != 0 {
		t.Errorf("%d signed-out-elsewhere events; want none", n)
	}
}

// The renewal timer follows the monotonic clock, which stops while the
// computer sleeps; a renewal found overdue when the stream comes back runs
// at once.
func TestOverdueRenewalRunsOnReconnect(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	before := w.signer.refreshes.Load()
	w.clock.Skip(50 * time.Minute) // wall time moved, no timer fired
	w.sim.DropStreams()
	w.waitRefreshes(before + 1)
}

// A sign-out whose keyring deletion fails (locked) is not undone when the
// keyring answers again: the session is deleted then, never restored.
func TestSignOutWithALockedKeyringIsNotUndone(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	w.store.SetErr(authtest.OpDelete, auth.ErrLocked)
	w.store.SetErr(authtest.OpLoad, auth.ErrLocked)
	mark := w.profileMark()
	res, err := w.do(ActionSignOut, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !containsAll(res.Message, "could not be deleted", "as soon as the keyring answers") {
		t.Errorf("Message = %q", res.Message)
	}
	w.store.SetErr(authtest.OpDelete, nil)
	w.store.SetErr(authtest.OpLoad, nil)
	w.clock.Advance(maxRenewBackoff)
	w.waitProfile(mark, "the sign-out", nobody)
	w.waitGone()
	w.quiet()
	if w.store.Session() != nil {
		t.Error("the removed session is still in the keyring")
	}
	if u := w.sim.User(); u != nil {
		t.Errorf("Pieces OS was signed in again as %s after the keyring answered", u.Email)
	}
}

// No sign-in starts while a sign-out runs (it would be erased by it).
func TestSignInWaitsForSignOut(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	w.sim.SetLatency(300 * time.Millisecond)
	done := make(chan error, 1)
	go func() {
		_, err := w.do(ActionSignOut, nil)
		done <- err
	}()
	w.waitFor("signing out", func(s State) bool { return s.Busy == ActionSignOut })
	if _, err := w.core.SignIn(); actionCode(err) != CodeBusy {
		t.Errorf("SignIn during sign-out: err = %v; want code %s", err, CodeBusy)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	w.sim.SetLatency(0)
}

// After a failed renewal, stream news does not bypass the retry backoff.
func TestRenewalRetryKeepsItsBackoff(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	w.a0.Close() // renewals fail
	before := w.signer.refreshes.Load()
	w.clock.Advance(50 * time.Minute)
	w.waitRefreshes(before + 1)
	w.quiet()
	for i := 0; i < 3; i++ {
		lives := w.follower.lives.Load()
		w.sim.DropStreams()
		w.reconnected(lives)
	}
	w.quiet()
	if n := w.signer.refreshes.Load(); n != before+1 {
		t.Errorf("%d refreshes after reconnects during the backoff; want %d", n, before+1)
	}
}

// A session kept in memory while the keyring was unusable is saved once the
// keyring works again.
func TestMemorySessionIsSavedWhenTheKeyringRecovers(t *testing.T) {
	store := authtest.NewStore()
	store.SetErr(authtest.OpLoad, auth.ErrLocked)
	store.SetErr(authtest.OpSave, auth.ErrLocked)
	w := newWorld(t, withStore(store))
	w.waitPhase(PhaseSignedOut)
	st := w.signIn()
	if st.Storage.Kind != StorageMemory {
		t.Fatalf("Storage = %+v; want memory", st.Storage)
	}
	store.SetErr(authtest.OpLoad, nil)
	store.SetErr(authtest.OpSave, nil)
	w.clock.Advance(maxRenewBackoff)
	w.waitFor("saved", func(s State) bool { return s.Storage.Kind == StorageKeyring })
	if store.Session() == nil {
		t.Error("nothing was saved")
	}
}
