package app

import (
	"strings"
	"testing"
	"time"

	"piecestray/auth"
	"piecestray/auth/authtest"
	"piecestray/internal/scriptbrowser"
)

func TestFirstStateIsPublishedBeforeAnythingAnswers(t *testing.T) {
	store := authtest.NewStore()
	store.Block() // a keyring waiting for an unlock prompt
	defer store.Unblock()
	w := newWorld(t, withStore(store))
	st := w.core.State()
	if st.Phase != PhaseConnecting {
		t.Errorf("first state phase = %q; want %q", st.Phase, PhaseConnecting)
	}
	// Pieces OS answers while the keyring is still blocked: the core stays
	// "connecting" rather than claiming signed out before it knows whether a
	// session can be restored.
	w.waitFor("stream live", func(s State) bool { return s.Stream.Status == StreamLive })
	if st := w.core.State(); st.Phase != PhaseConnecting {
		t.Errorf("phase with a blocked keyring = %q; want %q", st.Phase, PhaseConnecting)
	}
	store.Unblock()
	w.waitPhase(PhaseSignedOut)
}

func TestStartSignedOut(t *testing.T) {
	w := newWorld(t)
	st := w.waitPhase(PhaseSignedOut)
	if st.PiecesOS.URL != w.sim.URL() {
		t.Errorf("PiecesOS.URL = %q; want %q", st.PiecesOS.URL, w.sim.URL())
	}
	if st.Stream.Status != StreamLive {
		t.Errorf("Stream.Status = %q; want live", st.Stream.Status)
	}
	w.waitFor("version", func(s State) bool { return s.PiecesOS.Version != "" })
	w.quiet()
	if ev := w.events.all(); len(ev) != 0 {
		t.Errorf("events on the first load = %v; want none", ev)
	}
}

func TestStartNotRunning(t *testing.T) {
	w := newWorld(t, withPiecesOSDown())
	st := w.waitPhase(PhaseNotRunning)
	if len(st.PiecesOS.Tried) == 0 || !strings.Contains(strings.Join(st.PiecesOS.Tried, " "), strings.TrimPrefix(w.sim.URL(), "http://")) {
		t.Errorf("PiecesOS.Tried = %v; want it to name %s", st.PiecesOS.Tried, w.sim.URL())
	}
	if _, err := w.core.SignIn(); codeOf(err) != CodeNotRunning {
		t.Errorf("SignIn while not running: err = %v; want code %s", err, CodeNotRunning)
	}
	if err := w.sim.Restart(); err != nil {
		t.Fatal(err)
	}
	w.core.Retry()
	w.waitPhase(PhaseSignedOut)
}

func TestSignIn(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	st := w.signIn()
	if st.User == nil || st.User.Email != "ada@example.com" {
		t.Fatalf("User = %+v; want ada@example.com", st.User)
	}
	if st.Storage.Kind != StorageKeyring {
		t.Errorf("Storage = %+v; want keyring", st.Storage)
	}
	sess := w.store.Session()
	if sess == nil || sess.RefreshToken == "" || sess.Email != "ada@example.com" {
		t.Fatalf("stored session = %+v; want a refresh token for ada@example.com", sess)
	}
	if got := w.sim.User(); got == nil || got.Email != "ada@example.com" {
		t.Errorf("Pieces OS user = %+v; want ada@example.com", got)
	}
	w.waitEvent(EventSignedIn)
	if n := w.events.count(EventSignedIn); n != 1 {
		t.Errorf("%d signed-in events; want 1", n)
	}
}

func TestSignInShowsURLAndCanBeCancelled(t *testing.T) {
	w := newWorld(t, withBrowser(scriptbrowser.Ignore))
	w.waitPhase(PhaseSignedOut)
	if _, err := w.core.SignIn(); err != nil {
		t.Fatal(err)
	}
	st := w.waitFor("sign-in URL", func(s State) bool { return s.Phase == PhaseSigningIn && s.SignIn != nil && s.SignIn.URL != "" })
	if !strings.HasPrefix(st.SignIn.URL, w.a0.URL()+"/authorize?") {
		t.Errorf("SignIn.URL = %q; want the authorize page of %s", st.SignIn.URL, w.a0.URL())
	}
	if got := st.SignIn.Deadline.Sub(st.SignIn.StartedAt); got != DefaultSignInTimeout {
		t.Errorf("sign-in deadline after %v; want %v", got, DefaultSignInTimeout)
	}
	// A second request brings the running one forward: the same page again.
	if _, err := w.core.SignIn(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(wait)
	for len(w.browser.Opened()) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if opened := w.browser.Opened(); len(opened) != 2 || opened[0] != opened[1] {
		t.Errorf("browser opened %d URLs (%v); want the same sign-in page twice", len(opened), opened)
	}
	w.core.CancelSignIn()
	st = w.waitPhase(PhaseSignedOut)
	if st.LastError != "" {
		t.Errorf("LastError after cancel = %q; want none", st.LastError)
	}
}

func TestSignInDeniedInBrowser(t *testing.T) {
	w := newWorld(t, withBrowser(scriptbrowser.Deny))
	w.waitPhase(PhaseSignedOut)
	if _, err := w.core.SignIn(); err != nil {
		t.Fatal(err)
	}
	// The browser is opened in the background: wait for it before waiting
	// for its visit.
	for deadline := time.Now().Add(wait); len(w.browser.Opened()) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the browser was never opened")
		}
	}
	if err := w.browser.Wait(); err != nil { // the person pressed Deny
		t.Fatal(err)
	}
	st := w.waitFor("the sign-in over", func(s State) bool { return s.Phase == PhaseSignedOut && s.SignIn == nil })
	if st.LastError != "" {
		t.Errorf("LastError after the person denied = %q; want none (cancelled is not an error)", st.LastError)
	}
	if w.store.Session() != nil {
		t.Error("a session was stored after a denied sign-in")
	}
}

func TestPiecesOSDiesDuringSignIn(t *testing.T) {
	w := newWorld(t, withBrowser(scriptbrowser.Ignore))
	w.waitPhase(PhaseSignedOut)
	if _, err := w.core.SignIn(); err != nil {
		t.Fatal(err)
	}
	st := w.waitFor("sign-in URL", func(s State) bool { return s.SignIn != nil && s.SignIn.URL != "" })
	if err := w.sim.Stop(); err != nil {
		t.Fatal(err)
	}
	// The person finishes in the browser while Pieces OS is down.
	if err := scriptbrowser.Visit(t.Context(), st.SignIn.URL, "ada@example.com", scriptbrowser.Silent); err != nil {
		t.Fatal(err)
	}
	st = w.waitFor("a clear error", func(s State) bool { return s.Phase != PhaseSigningIn && s.LastError != "" })
	if !strings.Contains(st.LastError, "Pieces OS stopped during sign-in") {
		t.Errorf("LastError = %q; want it to say Pieces OS stopped during sign-in", st.LastError)
	}
	if w.store.Session() == nil {
		t.Fatal("the session was not kept while Pieces OS was down")
	}
	// Pieces OS comes back: the kept session signs the person in.
	if err := w.sim.Restart(); err != nil {
		t.Fatal(err)
	}
	w.core.Retry()
	st = w.waitPhase(PhaseSignedIn)
	if st.User.Email != "ada@example.com" {
		t.Errorf("User = %s; want ada@example.com", st.User.Email)
	}
}

func TestSilentRestoreAtStart(t *testing.T) {
	first := newWorld(t)
	first.waitPhase(PhaseSignedOut)
	first.signIn()
	first.stop()
	first.sim.SetUser(nil) // Pieces OS restarted and forgot the user

	w := newWorld(t, sharing(first))
	st := w.waitPhase(PhaseSignedIn)
	if st.User.Email != "ada@example.com" {
		t.Errorf("restored user = %s; want ada@example.com", st.User.Email)
	}
	if got := w.sim.User(); got == nil {
		t.Error("Pieces OS was not given the restored session")
	}
	w.waitProfile(0, "the restored user", somebody)
	w.quiet()
	if ev := w.events.all(); len(ev) != 0 {
		t.Errorf("events for a silent restore = %v; want none", ev)
	}
}

func TestPiecesOSLosesUserAcrossRestartIsRestored(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	w.sim.Stop()
	w.waitPhase(PhaseNotRunning)
	w.sim.SetUser(nil) // it comes back without the user
	if err := w.sim.Restart(); err != nil {
		t.Fatal(err)
	}
	w.core.Retry()
	w.waitFor("the user restored", func(s State) bool { return s.Phase == PhaseSignedIn && w.sim.User() != nil })
	if w.store.Session() == nil {
		t.Error("the stored session was deleted; want it kept and used")
	}
	if n := w.events.count(EventSignedOutRemote); n != 0 {
		t.Errorf("%d signed-out-elsewhere events; want none for a Pieces OS restart", n)
	}
}

func TestKeyringLockedAtStart(t *testing.T) {
	store := authtest.NewStore()
	store.SetErr(authtest.OpLoad, auth.ErrLocked)
	store.SetErr(authtest.OpSave, auth.ErrLocked)
	w := newWorld(t, withStore(store))
	st := w.waitPhase(PhaseSignedOut)
	if st.Storage.Why == "" {
		t.Errorf("Storage = %+v; want a reason the saved session could not be read", st.Storage)
	}
	st = w.signIn()
	if st.Storage.Kind != StorageMemory || !strings.Contains(strings.ToLower(st.Storage.Why), "locked") {
		t.Errorf("Storage = %+v; want memory-only, saying the keyring is locked", st.Storage)
	}
	ev := w.waitEvent(EventNoKeyring)
	if !strings.Contains(ev.Body, "only until") {
		t.Errorf("no-keyring event body = %q; want it to say the session lasts only until quit", ev.Body)
	}
	// The session is still usable for this run: renewal works from memory.
	before := w.accessToken()
	w.clock.Advance(50 * time.Minute)
	deadline := time.Now().Add(wait)
	for w.accessToken() == before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if w.accessToken() == before {
		t.Fatal("the memory-only session was not renewed")
	}
	if st := w.core.State(); st.Phase != PhaseSignedIn || st.Storage.Kind != StorageMemory {
		t.Errorf("after renewal: phase %q, storage %+v; want signed in, memory", st.Phase, st.Storage)
	}
}

func TestRenewalAtEightyPercent(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	before := w.store.Session().RefreshToken
	saves := w.store.Calls(authtest.OpSave)
	w.clock.Advance(47 * time.Minute) // before 80 % of the one-hour token
	w.quiet()
	if got := w.store.Calls(authtest.OpSave); got != saves {
		t.Fatalf("renewed before 80 %% of the token's life (%d saves, want %d)", got, saves)
	}
	w.clock.Advance(2 * time.Minute) // past 48 minutes
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if s := w.store.Session(); s != nil && s.RefreshToken != before {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	after := w.store.Session()
	if after == nil || after.RefreshToken == before {
		t.Fatal("the rotated refresh token was not saved")
	}
	if st := w.core.State(); st.Phase != PhaseSignedIn {
		t.Errorf("phase after renewal = %q; want signed in", st.Phase)
	}
}

func TestRefreshTokenRevoked(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	w.a0.RevokeAll()
	w.clock.Advance(50 * time.Minute)
	st := w.waitPhase(PhaseSignInNeeded)
	if !strings.Contains(st.Reason, "expired or was revoked") {
		t.Errorf("Reason = %q; want it to say the session expired or was revoked", st.Reason)
	}
	ev := w.waitEvent(EventSessionExpired)
	if ev.Body == "" {
		t.Error("session-expired event has no body")
	}
	deadline := time.Now().Add(wait)
	for w.store.Session() != nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if w.store.Session() != nil {
		t.Error("the dead session is still stored")
	}
	// Signing in again clears it.
	st = w.signIn()
	if st.Reason != "" {
		t.Errorf("Reason after signing in again = %q; want none", st.Reason)
	}
}

func TestRenewalNetworkErrorStaysSignedIn(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	w.a0.Close() // the identity provider is unreachable
	before := w.signer.refreshes.Load()
	w.clock.Advance(50 * time.Minute)
	w.waitRefreshes(before + 1)
	w.quiet()
	if st := w.core.State(); st.Phase != PhaseSignedIn {
		t.Errorf("phase after a failed renewal = %q; want still signed in", st.Phase)
	}
	if w.store.Session() == nil {
		t.Error("the stored session was dropped after a network error")
	}
	if n := w.events.count(EventSessionExpired); n != 0 {
		t.Errorf("%d session-expired events after a network error; want 0", n)
	}
}

func TestSaveErrorsAreClassified(t *testing.T) {
	store := authtest.NewStore()
	store.SetErr(authtest.OpSave, auth.ErrNoSecretService)
	w := newWorld(t, withStore(store))
	w.waitPhase(PhaseSignedOut)
	st := w.signIn()
	if st.Storage.Kind != StorageMemory {
		t.Fatalf("Storage = %+v; want memory", st.Storage)
	}
	if !strings.Contains(st.Storage.Why, "Secret Service") {
		t.Errorf("Storage.Why = %q; want the keyring's reason (no Secret Service)", st.Storage.Why)
	}
}

func TestSignInTimesOut(t *testing.T) {
	w := newWorld(t, withBrowser(scriptbrowser.Ignore), withSignInTimeout(300*time.Millisecond))
	w.waitPhase(PhaseSignedOut)
	if _, err := w.core.SignIn(); err != nil {
		t.Fatal(err)
	}
	st := w.waitFor("given up", func(s State) bool { return s.Phase == PhaseSignedOut && s.LastError != "" })
	if !strings.Contains(st.LastError, "not finished in the browser") {
		t.Errorf("LastError = %q; want it to say the browser step was not finished", st.LastError)
	}
	if !strings.Contains(st.LastError, "--sign-in pieces-os") {
		t.Errorf("LastError = %q; want it to say how Pieces OS can run the sign-in instead", st.LastError)
	}
}

func TestCancelledSignInNamesTheOtherMode(t *testing.T) {
	w := newWorld(t, withBrowser(scriptbrowser.Ignore))
	w.waitPhase(PhaseSignedOut)
	if _, err := w.core.SignIn(); err != nil {
		t.Fatal(err)
	}
	w.waitPhase(PhaseSigningIn)
	res, err := w.do(ActionCancelSignIn, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Message, "cancelled") || !strings.Contains(res.Message, "--sign-in pieces-os") {
		t.Errorf("cancel result = %q; want it to say so and name the pieces-os mode", res.Message)
	}
	w.waitPhase(PhaseSignedOut)
}

func TestSignInRefusedByPiecesOS(t *testing.T) {
	// This Pieces OS checks tokens with another identity provider, so it
	// rejects ours with 401, as a misconfigured or out-of-date one would.
	other := newWorld(t)
	w := newWorld(t, withPiecesOSVerifyingWith(other.a0.URL()))
	w.waitPhase(PhaseSignedOut)
	if _, err := w.core.SignIn(); err != nil {
		t.Fatal(err)
	}
	st := w.waitFor("refused", func(s State) bool { return s.Phase == PhaseSignedOut && s.LastError != "" })
	if !strings.Contains(st.LastError, "did not accept your sign-in") {
		t.Errorf("LastError = %q; want it to say Pieces OS did not accept the sign-in", st.LastError)
	}
	if w.sim.User() != nil {
		t.Error("Pieces OS has a user after refusing the token")
	}
}
