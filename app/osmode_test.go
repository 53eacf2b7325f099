package app

import (
	"strings"
	"testing"
	"time"

	"piecestray/auth/authtest"
	"piecestray/internal/piecesos"
	"piecestray/internal/scriptbrowser"
)

// In ModePiecesOS, Pieces OS runs the sign-in and keeps the session: the
// core asks it (/os/sign_in, /os/sign_out) and never touches the keyring.

// noKeyringUse fails t when the core read, wrote or deleted the keyring.
func noKeyringUse(t *testing.T, store *authtest.Store) {
	t.Helper()
	for _, op := range []authtest.Op{authtest.OpLoad, authtest.OpSave, authtest.OpDelete} {
		if n := store.Calls(op); n != 0 {
			t.Errorf("keyring %s called %d times in pieces-os mode; want none", op, n)
		}
	}
}

func TestPiecesOSModeSignsInAndOut(t *testing.T) {
	w := newWorld(t, withMode(ModePiecesOS))
	st := w.waitPhase(PhaseSignedOut)
	if st.Mode != ModePiecesOS || st.Storage.Kind != StoragePiecesOS {
		t.Fatalf("state mode %q, storage %q; want pieces-os, pieces_os", st.Mode, st.Storage.Kind)
	}
	if _, err := w.core.SignIn(); err != nil {
		t.Fatal(err)
	}
	st = w.waitFor("signed in", func(s State) bool { return s.Phase == PhaseSignedIn })
	if st.User == nil || st.User.Email != "ada@example.com" {
		t.Fatalf("signed in as %+v; want ada@example.com", st.User)
	}
	if st.Storage.Kind != StoragePiecesOS || w.accessToken() != "" {
		t.Errorf("storage %q, token held %v; want pieces_os and none", st.Storage.Kind, w.accessToken() != "")
	}
	res, err := w.do(ActionSignOut, nil)
	if err != nil {
		t.Fatalf("sign out: %v", err)
	}
	if !strings.Contains(res.Message, "signed out") {
		t.Errorf("sign-out result %q; want it to say so", res.Message)
	}
	st = w.waitPhase(PhaseSignedOut)
	if st.LastError != "" {
		t.Errorf("LastError = %q after a sign-out; want none", st.LastError)
	}
	if u := w.sim.User(); u != nil {
		t.Errorf("the simulator still has %s signed in", u.Email)
	}
	noKeyringUse(t, w.store)
}

func TestPiecesOSModeCancel(t *testing.T) {
	w := newWorld(t, withMode(ModePiecesOS), withBrowser(scriptbrowser.Ignore))
	w.waitPhase(PhaseSignedOut)
	if _, err := w.core.SignIn(); err != nil {
		t.Fatal(err)
	}
	st := w.waitPhase(PhaseSigningIn)
	if st.SignIn == nil || st.SignIn.URL != "" {
		t.Errorf("SignIn = %+v; want a running sign-in with no link of ours", st.SignIn)
	}
	if res := w.core.CancelSignIn(); res.Message != "Sign-in cancelled." {
		t.Errorf("cancel result %q", res.Message)
	}
	st = w.waitPhase(PhaseSignedOut)
	if st.LastError != "" {
		t.Errorf("LastError = %q after cancel; want none", st.LastError)
	}
	noKeyringUse(t, w.store)
}

func TestPiecesOSModeFailures(t *testing.T) {
	tests := []struct {
		name string
		opts []worldOption
		want string
	}{
		{"denied: Pieces OS answers 500", []worldOption{withBrowser(scriptbrowser.Deny)}, "could not sign you in"},
		{"Pieces OS gives up: 504", []worldOption{withBrowser(scriptbrowser.Ignore),
			withPiecesOS(func(c *piecesos.Config) { c.SignInTimeout = 300 * time.Millisecond })}, "not finished in the browser"},
		{"the tray gives up", []worldOption{withBrowser(scriptbrowser.Ignore), withSignInTimeout(300 * time.Millisecond)}, "not finished in the browser"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, append(tt.opts, withMode(ModePiecesOS))...)
			w.waitPhase(PhaseSignedOut)
			if _, err := w.core.SignIn(); err != nil {
				t.Fatal(err)
			}
			st := w.waitFor("given up", func(s State) bool { return s.Phase == PhaseSignedOut && s.LastError != "" })
			if !strings.Contains(st.LastError, tt.want) {
				t.Errorf("LastError = %q; want %q", st.LastError, tt.want)
			}
			if strings.Contains(st.LastError, "--sign-in pieces-os") {
				t.Errorf("LastError = %q suggests the mode already in use", st.LastError)
			}
			noKeyringUse(t, w.store)
		})
	}
}
