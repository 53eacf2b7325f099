package app

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"piecestray/apiclient"
	"piecestray/auth"
	"piecestray/auth/authtest"
)

// LastError tells of a condition only while it lasts, and never contradicts
// the phase.

var errAuth0Down = errors.New("auth: the sign-in service cannot be reached right now")

func TestRenewalErrorGivesWayToSignInNeeded(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	w.signer.failWith(errAuth0Down)
	w.clock.Advance(61 * time.Minute) // the renewal fails past the token's expiry
	w.waitFor("the renewal failure shown", func(s State) bool { return strings.Contains(s.LastError, "keeps trying") })
	w.signer.failWith(fmt.Errorf("refresh: %w", auth.ErrSignInNeeded)) // invalid_grant
	w.clock.Advance(shownRetry)
	st := w.waitPhase(PhaseSignInNeeded)
	w.quiet()
	st = w.core.State()
	if !strings.Contains(st.Reason, "expired or was revoked") || st.LastError != "" {
		t.Errorf("reason %q, last error %q; want the expiry alone", st.Reason, st.LastError)
	}
}

func TestRecoveredIdentityProviderClearsTheError(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	w.signer.failWith(errAuth0Down)
	w.clock.Advance(61 * time.Minute)
	w.waitFor("the renewal failure shown", func(s State) bool { return strings.Contains(s.LastError, "keeps trying") })
	for range 6 { // more failed retries: the wait between them must not grow past shownRetry
		w.quiet()
		w.clock.Advance(5 * time.Minute)
	}
	w.quiet()
	w.signer.failWith(nil) // the identity provider answers again
	w.clock.Advance(shownRetry)
	st := w.waitFor("the error gone", func(s State) bool { return s.LastError == "" })
	if st.Phase != PhaseSignedIn {
		t.Errorf("phase %s after recovery; want signed in", st.Phase)
	}
}

func TestSignOutWithoutAKeyringSpeaksOfNone(t *testing.T) {
	store := authtest.NewStore()
	store.SetErr(authtest.OpLoad, auth.ErrNoSecretService)
	store.SetErr(authtest.OpSave, auth.ErrNoSecretService)
	store.SetErr(authtest.OpDelete, auth.ErrNoSecretService)
	w := newWorld(t, withStore(store))
	w.waitFor("signed out, keyring missing", func(s State) bool { return s.Phase == PhaseSignedOut && s.Storage.Why != "" })
	w.signIn()
	res, err := w.do(ActionSignOut, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(res.Message, "keyring") || strings.Contains(res.Message, "deleted") {
		t.Errorf("sign-out says %q; want nothing of a saved session, none was saved", res.Message)
	}
	st := w.waitPhase(PhaseSignedOut)
	if strings.Contains(st.LastError, "delete") {
		t.Errorf("LastError = %q; want nothing of deleting a session that was never saved", st.LastError)
	}
	if n := store.Calls(authtest.OpDelete); n != 0 {
		t.Errorf("%d keyring deletes; want none when there is no keyring", n)
	}
}

// A profile this version cannot read is said plainly, keeps the last one
// shown, and goes when a readable one comes.
func TestUnreadableProfileIsSaid(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	w.sim.SendRaw([]byte(`{"id":"someone","email":"x@example.com"}`)) // no aesthetics: required
	st := w.waitFor("the sentence", func(s State) bool { return strings.Contains(s.LastError, "cannot read") })
	if !strings.Contains(st.LastError, "update Pieces Tray") || st.Phase != PhaseSignedIn || st.User == nil || st.User.Email != "ada@example.com" {
		t.Errorf("state %s as %v, last error %q; want still signed in as ada, and how to fix it", st.Phase, st.User, st.LastError)
	}
	w.sim.UpdateUser(func(p *apiclient.UserProfile) { p.Name = "Ada K." })
	w.waitFor("the sentence gone", func(s State) bool { return s.LastError == "" && s.User != nil && s.User.Name == "Ada K." })
}

// The keyring's "could not be read" goes once it answers again.
func TestKeyringErrorGoesWhenTheKeyringAnswers(t *testing.T) {
	store := authtest.NewStore()
	store.SetErr(authtest.OpLoad, auth.ErrLocked)
	store.SetErr(authtest.OpSave, auth.ErrLocked)
	w := newWorld(t, withStore(store))
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	w.waitFor("the keyring's error", func(s State) bool { return strings.Contains(s.LastError, "could not be read") })
	store.SetErr(authtest.OpLoad, nil)
	store.SetErr(authtest.OpSave, nil)
	w.clock.Advance(maxRenewBackoff)
	st := w.waitFor("saved", func(s State) bool { return s.Storage.Kind == StorageKeyring })
	w.quiet()
	if st = w.core.State(); st.LastError != "" {
		t.Errorf("LastError = %q once the keyring answers; want none", st.LastError)
	}
}

// A keyring save that timed out may still finish in the background: a
// sign-out then deletes whatever it left, even though no save succeeded.
func TestSignOutAfterATimedOutSaveDeletes(t *testing.T) {
	store := authtest.NewStore()
	store.SetErr(authtest.OpLoad, auth.ErrNoSecretService) // nothing stored at start
	store.SetErr(authtest.OpSave, auth.ErrTimeout)
	w := newWorld(t, withStore(store))
	w.waitPhase(PhaseSignedOut)
	if st := w.signIn(); st.Storage.Kind != StorageMemory {
		t.Fatalf("Storage = %+v; want memory", st.Storage)
	}
	if _, err := w.do(ActionSignOut, nil); err != nil {
		t.Fatal(err)
	}
	if n := store.Calls(authtest.OpDelete); n != 1 {
		t.Errorf("%d keyring deletes after a timed-out save; want 1", n)
	}
}
