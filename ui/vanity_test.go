package ui

import (
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"piecestray/app"
)

func newVanityForTest(t *testing.T) (*harness, *vanityWindow) {
	t.Helper()
	a := test.NewTempApp(t)
	h := newHarness(t)
	w := newVanity(a, h.client, h.opts())
	h.own(w.base)
	return h, w
}

func TestVanityRenders(t *testing.T) {
	tests := []struct {
		golden string
		states []app.State
		typed  string
	}{
		{"vanity_connecting.xml", nil, ""},
		{"vanity_signed_in_no_vanity.xml", []app.State{signedIn(profile())}, ""},
		{"vanity_signed_in_vanity.xml", []app.State{signedIn(profile(withVanity("ada-codes")))}, ""},
		{"vanity_typed_valid.xml", []app.State{signedIn(profile(withVanity("ada-codes")))}, "x-"},
		{"vanity_typed_invalid.xml", []app.State{signedIn(profile())}, "Ada_Lovelace"},
		{"vanity_signed_out.xml", []app.State{signedOut()}, ""},
		{"vanity_not_running.xml", []app.State{notRunning()}, ""},
		{"vanity_busy.xml", []app.State{busy(signedIn(profile()), app.ActionSetBeta)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			h, w := newVanityForTest(t)
			for _, s := range tt.states {
				h.push(s)
			}
			if tt.typed != "" {
				test.Type(w.entry, tt.typed)
			}
			test.AssertRendersToMarkup(t, tt.golden, w.win.Canvas())
		})
	}
}

func TestVanityImages(t *testing.T) {
	h, w := newVanityForTest(t)
	h.push(signedIn(profile(withVanity("ada-codes"))))
	test.AssertRendersToImage(t, "vanity_signed_in.png", w.win.Canvas())
}

func TestVanityValidation(t *testing.T) {
	tests := []struct {
		typed      string
		wantReason bool
		wantSave   bool
	}{
		{"ada", false, true},
		{"Ada-Code", false, true},
		{"Ada-Codes", false, false}, // the current name in other case
		{"ada_codes", true, false},
		{"-ada", true, false},
		{"ada-", true, false},
		{strings.Repeat("a", 64), true, false},
		{"ada-codes", false, false}, // unchanged
	}
	for _, tt := range tests {
		t.Run(tt.typed, func(t *testing.T) {
			h, w := newVanityForTest(t)
			h.push(signedIn(profile(withVanity("ada-codes"))))
			w.entry.SetText("")
			test.Type(w.entry, tt.typed)
			if got := w.reason.Visible(); got != tt.wantReason {
				t.Errorf("reason shown for %q = %v (%q); want %v", tt.typed, got, w.reason.Text, tt.wantReason)
			}
			if got := !w.save.Disabled(); got != tt.wantSave {
				t.Errorf("Save enabled for %q = %v; want %v", tt.typed, got, tt.wantSave)
			}
		})
	}
}

func TestVanityInvalidShowsReason(t *testing.T) {
	h, w := newVanityForTest(t)
	h.push(signedIn(profile()))
	test.Type(w.entry, "bad name")
	if !w.reason.Visible() || w.reason.Text == "" {
		t.Fatalf("reason for %q not shown", w.entry.Text)
	}
	if !w.save.Disabled() {
		t.Errorf("Save enabled for invalid %q", w.entry.Text)
	}
	if !strings.Contains(w.preview.Text, "NAME.pieces.cloud") {
		t.Errorf("preview = %q; want the placeholder address", w.preview.Text)
	}
	test.Tap(w.save)
	typeKey(w.win.Canvas(), fyne.KeyReturn)
	if calls := h.client.callList(); len(calls) != 0 {
		t.Errorf("calls = %v; want none for an invalid name", calls)
	}
}

func TestVanityTaken(t *testing.T) {
	h, w := newVanityForTest(t)
	h.push(signedIn(profile()))
	test.Type(w.entry, "taken-name")
	if want := "Address: https://taken-name.pieces.cloud"; w.preview.Text != want {
		t.Errorf("preview = %q; want %q", w.preview.Text, want)
	}
	h.client.answer(app.Result{}, actionErr(app.CodeTaken, `The name "taken-name" is already taken. Edit it and try another one.`))
	typeKey(w.win.Canvas(), fyne.KeyReturn) // Enter in the field submits
	if !w.progress.Visible() || !w.save.Disabled() || !w.entry.Disabled() {
		t.Errorf("while saving: progress %v, save disabled %v, entry disabled %v; want all true",
			w.progress.Visible(), w.save.Disabled(), w.entry.Disabled())
	}
	test.AssertRendersToMarkup(t, "vanity_saving.xml", w.win.Canvas())
	h.step()

	calls := h.client.callList()
	if len(calls) != 1 || calls[0].Action != app.ActionSetVanity || calls[0].Args != (app.VanityArgs{Name: "taken-name"}) {
		t.Fatalf("calls = %v; want one set_vanity taken-name", calls)
	}
	if w.entry.Text != "taken-name" {
		t.Errorf("entry = %q after 409; want the text kept", w.entry.Text)
	}
	// "taken." is in every sentence saying so, and not in the address.
	c := w.win.Canvas()
	if got := shownWith(c, "taken."); len(got) != 1 {
		t.Errorf("after 409 the window says %q; want the refusal said once", got)
	}
	if !w.reason.Visible() || !strings.Contains(w.reason.Text, "already taken") {
		t.Errorf("reason under the field = %q (shown %v); want the 409 explained there", w.reason.Text, w.reason.Visible())
	}
	if !w.save.Disabled() {
		t.Error("Save enabled for the name just refused")
	}
	if c.Focused() != w.entry {
		t.Error("focus is not in the field after 409")
	}
	test.AssertRendersToMarkup(t, "vanity_taken.xml", c)
	test.Type(w.entry, "2")
	if got := shownWith(c, "taken."); len(got) != 0 {
		t.Errorf("after editing to %q the window still says %q", w.entry.Text, got)
	}
	if w.save.Disabled() {
		t.Errorf("Save disabled after editing to %q", w.entry.Text)
	}
	w.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	if got := shownWith(c, "taken."); w.entry.Text != "taken-name" || len(got) != 1 {
		t.Errorf("back at %q the window says %q; want the refusal said once again", w.entry.Text, got)
	}
}

// A name Pieces refuses although it looks valid here stays explained under
// the field, and Save stays off for it.
func TestVanityRefusedAsInvalid(t *testing.T) {
	h, w := newVanityForTest(t)
	h.push(signedIn(profile()))
	test.Type(w.entry, "admin")
	h.client.answer(app.Result{}, actionErr(app.CodeInvalid, "this name is reserved"))
	test.Tap(w.save)
	h.step()
	if got := shownWith(w.win.Canvas(), "reserved"); len(got) != 1 || !w.reason.Visible() {
		t.Errorf("after the refusal the window says %q (reason shown %v); want %q once, under the field", got, w.reason.Visible(), "This name is reserved.")
	}
	if !w.save.Disabled() {
		t.Error("Save enabled for the name just refused")
	}
}

// The outcome of a failed save speaks of the name before: editing the name
// clears it, and its button.
func TestVanityEditClearsTheLastOutcome(t *testing.T) {
	h, w := newVanityForTest(t)
	h.push(signedIn(profile()))
	test.Type(w.entry, "ada")
	h.client.answer(app.Result{}, actionErr(app.CodeCloudNotReady, "Your personal cloud is not fully connected yet."))
	test.Tap(w.save)
	h.step()
	if !w.message.Visible() || !w.retry.Visible() {
		t.Fatalf("after the failure: message shown %v, Retry shown %v; want both", w.message.Visible(), w.retry.Visible())
	}
	test.Type(w.entry, "x")
	if got := shownWith(w.win.Canvas(), "not fully connected"); len(got) != 0 || w.retry.Visible() {
		t.Errorf("after editing the window says %q, Retry shown %v; want neither", got, w.retry.Visible())
	}
}

func TestVanityFailuresOfferTheButtonThatHelps(t *testing.T) {
	tests := []struct {
		code       app.ErrorCode
		wantButton string
		wantAction app.Action // what the button runs
	}{
		{app.CodeCloudNotReady, "Retry", app.ActionSetVanity},
		{app.CodeServer, "Retry", app.ActionSetVanity},
		{app.CodeNotSignedIn, "Sign in…", app.ActionSignIn},
		{app.CodeNotRunning, "Retry", app.ActionRetry},
	}
	for _, tt := range tests {
		t.Run(string(tt.code), func(t *testing.T) {
			h, w := newVanityForTest(t)
			h.push(signedIn(profile()))
			test.Type(w.entry, "ada")
			h.client.answer(app.Result{}, actionErr(tt.code, "It failed."))
			test.Tap(w.save)
			h.step()
			if !w.retry.Visible() || w.retry.Text != tt.wantButton {
				t.Fatalf("button after %s = %q (visible %v); want %q", tt.code, w.retry.Text, w.retry.Visible(), tt.wantButton)
			}
			if tt.code == app.CodeCloudNotReady && !strings.Contains(w.message.Text, "can take a while") {
				t.Errorf("message = %q; want it to say it can take a while", w.message.Text)
			}
			h.client.answer(app.Result{Message: "ok"}, nil)
			test.Tap(w.retry)
			h.step()
			calls := h.client.callList()
			if got := calls[len(calls)-1].Action; got != tt.wantAction {
				t.Errorf("button ran %s; want %s", got, tt.wantAction)
			}
		})
	}
}

// When the agent cannot be asked, the window still says what failed (the
// agent's own errors say it already, once).
func TestVanityFailureSaysWhatFailed(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{errors.New("control: the agent closed the connection"), "The vanity name could not be saved: "},
		{actionErr(app.CodeServer, "The vanity name could not be saved: Pieces OS answered 500."), "The vanity name could not be saved: Pieces OS answered 500."},
	} {
		h, w := newVanityForTest(t)
		h.push(signedIn(profile()))
		test.Type(w.entry, "ada")
		h.client.answer(app.Result{}, tt.err)
		test.Tap(w.save)
		h.step()
		if !strings.HasPrefix(w.message.Text, tt.want) || strings.Count(w.message.Text, "could not be saved") != 1 {
			t.Errorf("after %v the message is %q; want it to start %q, saying it once", tt.err, w.message.Text, tt.want)
		}
	}
}

func TestVanitySuccessConfirmedFromProfile(t *testing.T) {
	h, w := newVanityForTest(t)
	h.push(signedIn(profile()))
	test.Type(w.entry, "ada-codes")
	h.client.answer(app.Result{Message: "Saved. Pieces OS has not shown ada-codes.pieces.cloud yet; it can take a few minutes."}, nil)
	test.Tap(w.save)
	h.push(busy(signedIn(profile()), app.ActionSetVanity))
	h.step() // the result
	if strings.HasPrefix(w.message.Text, "Saved. Your personal cloud") {
		t.Fatalf("message = %q before the profile shows the name", w.message.Text)
	}
	h.push(signedIn(profile(withVanity("ada-codes"))))
	if want := "Saved. Your personal cloud is now ada-codes.pieces.cloud."; w.message.Text != want {
		t.Errorf("message = %q; want %q", w.message.Text, want)
	}
	if !w.save.Disabled() {
		t.Error("Save enabled although the name is now the current one")
	}
	test.AssertRendersToMarkup(t, "vanity_saved.xml", w.win.Canvas())
}

func TestVanityKeyboard(t *testing.T) {
	h, w := newVanityForTest(t)
	h.push(signedIn(profile()))
	if w.win.Canvas().Focused() != w.entry {
		t.Fatalf("focus = %v; want the vanity field", w.win.Canvas().Focused())
	}
	test.Type(w.entry, "ada")
	h.client.answer(app.Result{Confirmed: true}, nil)
	w.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.step()
	if calls := h.client.callList(); len(calls) != 1 {
		t.Fatalf("Enter sent %d actions; want 1", len(calls))
	}
	typeKey(w.win.Canvas(), fyne.KeyEscape)
	if !w.closed {
		t.Error("Escape did not close the window")
	}
}

func TestVanityKeepsEditsAcrossStates(t *testing.T) {
	h, w := newVanityForTest(t)
	h.push(signedIn(profile(withVanity("old"))))
	w.entry.SetText("")
	test.Type(w.entry, "new-name")
	h.push(signedIn(profile(withVanity("other"))))
	if w.entry.Text != "new-name" {
		t.Errorf("entry = %q after a new state; want the person's text kept", w.entry.Text)
	}
	if want := "Your vanity name is other.pieces.cloud."; w.current.Text != want {
		t.Errorf("current = %q; want %q", w.current.Text, want)
	}
}
