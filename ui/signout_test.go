package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"piecestray/app"
)

func newSignOutForTest(t *testing.T) (*harness, *signOutWindow) {
	t.Helper()
	a := test.NewTempApp(t)
	h := newHarness(t)
	w := newSignOut(a, h.client, h.opts())
	h.own(w.base)
	return h, w
}

func TestSignOutRenders(t *testing.T) {
	memory := signedIn(profile())
	memory.Storage = app.StorageInfo{Kind: app.StorageMemory, Why: "the keyring is locked"}
	tests := []struct {
		golden string
		states []app.State
	}{
		{"signout_connecting.xml", nil},
		{"signout_signed_in.xml", []app.State{signedIn(profile())}},
		{"signout_memory_only.xml", []app.State{memory}},
		{"signout_signed_out.xml", []app.State{signedOut()}},
		{"signout_not_running.xml", []app.State{notRunning()}},
		{"signout_busy.xml", []app.State{busy(signedIn(profile()), app.ActionSignOut)}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			h, w := newSignOutForTest(t)
			for _, s := range tt.states {
				h.push(s)
			}
			test.AssertRendersToMarkup(t, tt.golden, w.win.Canvas())
		})
	}
}

func TestSignOutImage(t *testing.T) {
	h, w := newSignOutForTest(t)
	h.push(signedIn(profile()))
	test.AssertRendersToImage(t, "signout_signed_in.png", w.win.Canvas())
}

func TestSignOutCancelIsDefault(t *testing.T) {
	h, w := newSignOutForTest(t)
	h.push(signedIn(profile()))
	if w.win.Canvas().Focused() != w.cancel {
		t.Fatalf("focus = %v; want Cancel", w.win.Canvas().Focused())
	}
	typeKey(w.win.Canvas(), fyne.KeyReturn)
	if !w.closed {
		t.Error("Enter did not cancel")
	}
	if calls := h.client.callList(); len(calls) != 0 {
		t.Errorf("calls = %v; want none", calls)
	}
}

func TestSignOutShowsOutcome(t *testing.T) {
	h, w := newSignOutForTest(t)
	h.push(signedIn(profile()))
	if !strings.Contains(w.who.Text, "Ada Lovelace (ada@example.com)") {
		t.Errorf("who = %q; want the person named", w.who.Text)
	}
	msg := "You are signed out. Pieces OS forgot your account on this computer and the saved session was deleted. Your browser may still be signed in to Pieces."
	h.client.answer(app.Result{Message: msg}, nil)
	test.Tap(w.signOut)
	if !w.progress.Visible() || !w.cancel.Disabled() || !w.signOut.Disabled() {
		t.Error("no progress while signing out")
	}
	h.push(busy(signedIn(profile()), app.ActionSignOut))
	h.step() // the result
	if w.message.Text != msg {
		t.Errorf("message = %q; want %q", w.message.Text, msg)
	}
	if !w.close.Visible() || w.signOut.Visible() || w.win.Canvas().Focused() != w.close {
		t.Error("after signing out: Close is not the one focused button")
	}
	if got := shownLabels(w.win.Canvas()); len(got) != 1 || got[0] != msg {
		t.Errorf("after signing out the window says %q; want only %q", got, msg)
	}
	h.push(signedOut())
	if got := shownLabels(w.win.Canvas()); len(got) != 1 || got[0] != msg {
		t.Errorf("after the next state the window says %q; want only the outcome %q", got, msg)
	}
	test.AssertRendersToMarkup(t, "signout_done.xml", w.win.Canvas())
	typeKey(w.win.Canvas(), fyne.KeyEscape)
	if !w.closed {
		t.Error("Escape did not close")
	}
}

func TestSignOutFailure(t *testing.T) {
	h, w := newSignOutForTest(t)
	h.push(signedIn(profile()))
	h.client.answer(app.Result{}, actionErr(app.CodeBusy, "Signing out is already under way."))
	test.Tap(w.signOut)
	h.step()
	if !strings.Contains(w.message.Text, "Signing out is already under way.") {
		t.Errorf("message = %q; want the error", w.message.Text)
	}
	if w.signOut.Disabled() || w.cancel.Disabled() {
		t.Error("buttons stay disabled after a failure")
	}
}

func TestSignOutNobody(t *testing.T) {
	h, w := newSignOutForTest(t)
	h.push(signedOut())
	if !w.signOut.Disabled() {
		t.Error("Sign out enabled with nobody signed in")
	}
}
