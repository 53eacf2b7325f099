package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"piecestray/app"
)

func newBetaForTest(t *testing.T) (*harness, *betaWindow) {
	t.Helper()
	a := test.NewTempApp(t)
	h := newHarness(t)
	w := newBeta(a, h.client, h.opts())
	h.own(w.base)
	return h, w
}

func TestBetaRenders(t *testing.T) {
	tests := []struct {
		golden string
		states []app.State
		toggle bool
	}{
		{"beta_connecting.xml", nil, false},
		{"beta_out.xml", []app.State{signedIn(profile())}, false},
		{"beta_in.xml", []app.State{signedIn(profile(withBeta))}, false},
		{"beta_confirm_join.xml", []app.State{signedIn(profile())}, true},
		{"beta_confirm_leave.xml", []app.State{signedIn(profile(withBeta))}, true},
		{"beta_signed_out.xml", []app.State{signedOut()}, false},
		{"beta_not_running.xml", []app.State{notRunning()}, false},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			h, w := newBetaForTest(t)
			for _, s := range tt.states {
				h.push(s)
			}
			if tt.toggle {
				test.Tap(w.check)
			}
			test.AssertRendersToMarkup(t, tt.golden, w.win.Canvas())
		})
	}
}

func TestBetaImage(t *testing.T) {
	h, w := newBetaForTest(t)
	h.push(signedIn(profile()))
	test.Tap(w.check)
	test.AssertRendersToImage(t, "beta_confirm_join.png", w.win.Canvas())
}

func TestBetaJoinConfirmedFromProfile(t *testing.T) {
	h, w := newBetaForTest(t)
	h.push(signedIn(profile()))
	test.Tap(w.check)
	if w.confirm == nil {
		t.Fatal("no confirmation after toggling")
	}
	if w.check.Checked {
		t.Error("the check is on before the change is confirmed")
	}
	h.client.answer(app.Result{Message: "Saved. Pieces OS has not shown the change yet."}, nil)
	typeKey(w.win.Canvas(), fyne.KeyReturn) // Enter confirms
	if w.confirm != nil {
		t.Fatal("the confirmation is still open after Enter")
	}
	if !w.check.Disabled() || !w.progress.Visible() {
		t.Error("no progress while joining")
	}
	test.AssertRendersToMarkup(t, "beta_busy.xml", w.win.Canvas())
	h.step()
	calls := h.client.callList()
	if len(calls) != 1 || calls[0].Action != app.ActionSetBeta || calls[0].Args != (app.BetaArgs{OptIn: true}) {
		t.Fatalf("calls = %v; want set_beta opt_in", calls)
	}
	if strings.HasPrefix(w.message.Text, "Done") {
		t.Errorf("message = %q before the profile shows the change", w.message.Text)
	}
	h.push(signedIn(profile(withBeta)))
	if want := "Done: you joined the Early Access Program."; w.message.Text != want {
		t.Errorf("message = %q; want %q", w.message.Text, want)
	}
	if !w.check.Checked {
		t.Error("the check is off although the profile says joined")
	}
}

func TestBetaCancelKeepsState(t *testing.T) {
	h, w := newBetaForTest(t)
	h.push(signedIn(profile(withBeta)))
	test.Tap(w.check)
	if w.confirm == nil {
		t.Fatal("no confirmation after toggling")
	}
	typeKey(w.win.Canvas(), fyne.KeyEscape) // Escape dismisses the confirmation only
	if w.confirm != nil || w.closed {
		t.Fatalf("after Escape: confirmation open %v, window closed %v", w.confirm != nil, w.closed)
	}
	if !w.check.Checked {
		t.Error("the check changed although the person cancelled")
	}
	if calls := h.client.callList(); len(calls) != 0 {
		t.Errorf("calls = %v; want none", calls)
	}
	typeKey(w.win.Canvas(), fyne.KeyEscape)
	if !w.closed {
		t.Error("the second Escape did not close the window")
	}
}

func TestBetaNotSignedIn(t *testing.T) {
	h, w := newBetaForTest(t)
	// The agent still shows the profile, but Pieces OS answers 511.
	h.push(signedIn(profile()))
	h.client.answer(app.Result{}, actionErr(app.CodeNotSignedIn, "You need to be signed in to Pieces OS to change the beta program. Sign in and try again."))
	w.check.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Enter on the focused check
	if w.confirm == nil {
		t.Fatal("no confirmation")
	}
	w.confirm.Confirm()
	h.step()
	if !strings.Contains(w.message.Text, "511") || !strings.Contains(w.message.Text, "Sign in") {
		t.Errorf("message = %q; want the 511 explained", w.message.Text)
	}
	if !w.retry.Visible() || w.retry.Text != "Sign in…" {
		t.Errorf("button = %q (visible %v); want Sign in…", w.retry.Text, w.retry.Visible())
	}
	test.AssertRendersToMarkup(t, "beta_not_signed_in.xml", w.win.Canvas())
	test.Tap(w.retry)
	h.step()
	if calls := h.client.callList(); calls[len(calls)-1].Action != app.ActionSignIn {
		t.Errorf("button ran %s; want sign_in", calls[len(calls)-1].Action)
	}
}

func TestBetaSignedOutDisablesToggle(t *testing.T) {
	h, w := newBetaForTest(t)
	h.push(signedOut())
	if !w.check.Disabled() || w.form.Visible() {
		t.Error("the toggle is usable while signed out")
	}
	if w.notice.button.Text != "Sign in…" || w.win.Canvas().Focused() != w.notice.button {
		t.Errorf("notice button = %q, focused %v; want Sign in…, focused", w.notice.button.Text, w.win.Canvas().Focused() == w.notice.button)
	}
}
