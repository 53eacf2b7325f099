package app

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"piecestray/auth/authtest"
	"piecestray/internal/piecesos"
	"piecestray/internal/winetest"
)

func actionCode(err error) ErrorCode {
	var ae *ActionError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

func TestVanityName(t *testing.T) {
	w := newWorld(t, withPiecesOS(func(c *piecesos.Config) { c.TakenVanity = []string{"taken-name"} }))
	w.waitPhase(PhaseSignedOut)
	w.signIn()

	// Invalid names never reach Pieces OS.
	for _, name := range []string{"", "-ada", "ada_lovelace", strings.Repeat("a", 64), "ada lovelace"} {
		_, err := w.do(ActionSetVanity, VanityArgs{Name: name})
		if actionCode(err) != CodeInvalid {
			t.Errorf("SetVanity(%q): err = %v; want code %s", name, err, CodeInvalid)
		}
	}
	// 409, then success with another name.
	_, err := w.do(ActionSetVanity, VanityArgs{Name: "Taken-Name"})
	if actionCode(err) != CodeTaken || !strings.Contains(err.Error(), "already taken") {
		t.Fatalf("SetVanity(taken): err = %v; want code %s saying it is taken", err, CodeTaken)
	}
	if st := w.core.State(); !strings.Contains(st.LastError, "already taken") {
		t.Errorf("LastError = %q; want the 409 sentence", st.LastError)
	}
	res, err := w.do(ActionSetVanity, VanityArgs{Name: "Ada-Lovelace"})
	if err != nil {
		t.Fatalf("SetVanity: %v", err)
	}
	if !res.Confirmed || !strings.Contains(res.Message, "ada-lovelace.pieces.cloud") {
		t.Errorf("Result = %+v; want confirmed ada-lovelace.pieces.cloud", res)
	}
	st := w.core.State()
	if VanityName(st.User) != "ada-lovelace" || st.LastError != "" {
		t.Errorf("state after success: vanity %q, LastError %q; want ada-lovelace and no error", VanityName(st.User), st.LastError)
	}
	if CloudURL(st.User) == "" {
		t.Error("CloudURL is empty after setting a vanity name")
	}
}

func TestVanityNameDocumentedFailures(t *testing.T) {
	w := newWorld(t, withPiecesOS(func(c *piecesos.Config) { c.CloudReadyDelay = time.Hour }))
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	_, err := w.do(ActionSetVanity, VanityArgs{Name: "ada"})
	if actionCode(err) != CodeCloudNotReady || !strings.Contains(err.Error(), "not fully connected yet") {
		t.Errorf("404: err = %v; want code %s", err, CodeCloudNotReady)
	}
	for _, tt := range []struct {
		status int
		code   ErrorCode
		words  string
	}{
		{http.StatusNetworkAuthenticationRequired, CodeNotSignedIn, "signed in"},
		{http.StatusInternalServerError, CodeServer, "Try again"},
	} {
		w.sim.FailNext(1, tt.status)
		_, err := w.do(ActionSetVanity, VanityArgs{Name: "ada"})
		if actionCode(err) != tt.code || !strings.Contains(err.Error(), tt.words) {
			t.Errorf("%d: err = %v; want code %s mentioning %q", tt.status, err, tt.code, tt.words)
		}
	}
}

func TestActionsNeedASignedInUser(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	for _, a := range []struct {
		action Action
		args   any
	}{
		{ActionSetVanity, VanityArgs{Name: "ada"}},
		{ActionSetBeta, BetaArgs{OptIn: true}},
		{ActionRefresh, nil},
	} {
		if _, err := w.do(a.action, a.args); actionCode(err) != CodeNotSignedIn {
			t.Errorf("%s while signed out: err = %v; want code %s", a.action, err, CodeNotSignedIn)
		}
	}
	if _, err := w.do("fly", nil); actionCode(err) != CodeInvalid {
		t.Errorf("unknown action: err = %v; want code %s", err, CodeInvalid)
	}
	if _, err := w.do(ActionSetVanity, nil); actionCode(err) != CodeInvalid {
		t.Errorf("missing arguments: err = %v; want code %s", err, CodeInvalid)
	}
}

func TestBetaProgram(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	res, err := w.do(ActionSetBeta, BetaArgs{OptIn: true})
	if err != nil || !res.Confirmed {
		t.Fatalf("opt in: %+v, %v; want confirmed", res, err)
	}
	if !BetaOptedIn(w.core.State().User, time.Now()) {
		t.Error("state does not show the beta opt-in")
	}
	p := w.sim.User()
	if p.Auth0 == nil || p.Auth0.Beta == nil || p.Auth0.Beta.Continuous == nil || !*p.Auth0.Beta.Continuous {
		t.Errorf("Pieces OS beta window = %+v; want continuous", p.Auth0)
	}
	res, err = w.do(ActionSetBeta, BetaArgs{OptIn: false})
	if err != nil || !res.Confirmed {
		t.Fatalf("opt out: %+v, %v; want confirmed", res, err)
	}
	if BetaOptedIn(w.core.State().User, time.Now()) {
		t.Error("state still shows the beta opt-in")
	}
	w.sim.FailNext(1, http.StatusNetworkAuthenticationRequired)
	_, err = w.do(ActionSetBeta, BetaArgs{OptIn: true})
	if actionCode(err) != CodeNotSignedIn || !strings.Contains(err.Error(), "signed in to Pieces OS") {
		t.Errorf("511: err = %v; want code %s explaining it", err, CodeNotSignedIn)
	}
}

func TestRefreshProfile(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	res, err := w.do(ActionRefresh, nil)
	if err != nil || !res.Confirmed {
		t.Fatalf("Refresh: %+v, %v", res, err)
	}
	w.sim.FailNext(1, http.StatusInternalServerError)
	if _, err := w.do(ActionRefresh, nil); actionCode(err) != CodeServer {
		t.Errorf("Refresh on 500: err = %v; want code %s", err, CodeServer)
	}
}

func TestSignOut(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	mark := w.profileMark()
	res, err := w.do(ActionSignOut, nil)
	if err != nil {
		t.Fatalf("SignOut: %v", err)
	}
	if !strings.Contains(res.Message, "signed out") {
		t.Errorf("Message = %q", res.Message)
	}
	st := w.waitPhase(PhaseSignedOut)
	if st.Storage.Kind != StorageNone || w.store.Session() != nil {
		t.Errorf("stored session after sign-out: %+v / %+v; want none", st.Storage, w.store.Session())
	}
	if w.sim.User() != nil {
		t.Error("Pieces OS still has a user")
	}
	w.waitEvent(EventSignedOut)
	w.waitProfile(mark, "the sign-out", nobody)
	w.quiet()
	if n := w.events.count(EventSignedOutRemote); n != 0 {
		t.Errorf("%d signed-out-elsewhere events for our own sign-out; want 0", n)
	}
}

func TestSignOutWhilePiecesOSIsDown(t *testing.T) {
	w := newWorld(t)
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	w.sim.Stop()
	w.waitPhase(PhaseNotRunning)
	res, err := w.do(ActionSignOut, nil)
	if err != nil {
		t.Fatalf("SignOut: %v", err)
	}
	if !containsAll(res.Message, "saved session was deleted", "Pieces OS may still have you signed in") {
		t.Errorf("Message = %q; want it to say what remains", res.Message)
	}
	if w.store.Session() != nil {
		t.Error("the local session was not removed")
	}
}

// Quitting while a sign-out deletes the saved session does not cut the
// delete short: the next start would restore the session the person
// removed.
func TestQuitDuringSignOutFinishesTheDelete(t *testing.T) {
	store := authtest.NewStore()
	w := newWorld(t, withStore(store))
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	store.Block()
	done := make(chan error, 1)
	go func() {
		_, err := w.core.Do(context.Background(), ActionSignOut, nil)
		done <- err
	}()
	deadline := time.Now().Add(wait)
	for store.Calls(authtest.OpDelete) == 0 || store.InFlight() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the sign-out never reached the keyring")
		}
		time.Sleep(5 * time.Millisecond)
	}
	w.cancel() // Quit: the core's Run ends
	store.Unblock()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("SignOut: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("SignOut did not return")
	}
	if store.Session() != nil {
		t.Error("quitting cut the keyring delete short: the next start would restore the session")
	}
}

// A session the keyring would not delete at sign-out stays removed across
// a restart of the agent: the next start deletes it and never restores it.
func TestRemovedSessionStaysRemovedAfterARestart(t *testing.T) {
	store := authtest.NewStore()
	mark := filepath.Join(winetest.TempDir(t), "pieces-tray", "signed-out")
	w := newWorld(t, withStore(store), withSignedOutMark(mark))
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	store.SetErr(authtest.OpDelete, errors.New("keyring exploded"))
	if _, err := w.do(ActionSignOut, nil); err != nil {
		t.Fatalf("SignOut: %v", err)
	}
	if _, err := os.Stat(mark); err != nil {
		t.Fatalf("no mark after a delete that failed: %v", err)
	}
	w.stop() // Quit, before a retry could delete it

	store.SetErr(authtest.OpDelete, nil) // the keyring works again
	w2 := newWorld(t, sharing(w), withSignedOutMark(mark))
	deadline := time.Now().Add(wait)
	for store.Session() != nil {
		if time.Now().After(deadline) {
			t.Fatal("the next start did not delete the session the person removed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	w2.waitPhase(PhaseSignedOut) // once the stream is live: connecting until then
	w2.quiet()
	if st := w2.core.State(); st.SignedIn() || st.Phase != PhaseSignedOut {
		t.Errorf("after the restart: phase %s; want signed out", st.Phase)
	}
	if _, err := os.Stat(mark); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the mark outlived the delete: %v", err)
	}
}

func TestSignOutKeyringErrorIsReported(t *testing.T) {
	store := authtest.NewStore()
	w := newWorld(t, withStore(store))
	w.waitPhase(PhaseSignedOut)
	w.signIn()
	store.SetErr(authtest.OpDelete, errors.New("keyring exploded"))
	res, err := w.do(ActionSignOut, nil)
	if err != nil {
		t.Fatalf("SignOut: %v", err)
	}
	if !strings.Contains(res.Message, "could not be deleted") {
		t.Errorf("Message = %q; want it to say the saved session could not be deleted", res.Message)
	}
}
