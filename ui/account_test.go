package ui

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"piecestray/apiclient"
	"piecestray/app"
)

func newAccountForTest(t *testing.T, mods ...func(*options)) (*harness, *accountWindow) {
	t.Helper()
	a := test.NewTempApp(t)
	h := newHarness(t)
	o := h.opts()
	for _, m := range mods {
		m(&o)
	}
	w := newAccount(a, h.client, o)
	h.own(w.base)
	return h, w
}

func TestAccountRenders(t *testing.T) {
	memory := signedIn(profile(withVanity("ada-codes"), withBeta))
	memory.Storage = app.StorageInfo{Kind: app.StorageMemory, Why: "the keyring is locked"}
	needed := signedOut()
	needed.Phase, needed.Reason = app.PhaseSignInNeeded, "your session expired"
	signingIn := signedOut()
	signingIn.Phase = app.PhaseSigningIn
	failed := signedIn(profile())
	failed.LastError = "Could not refresh your profile: Pieces OS is not running."
	tests := []struct {
		golden string
		states []app.State
	}{
		{"account_connecting.xml", nil},
		{"account_signed_in.xml", []app.State{signedIn(profile())}},
		{"account_signed_in_vanity_beta.xml", []app.State{signedIn(profile(withVanity("ada-codes"), withBeta))}},
		{"account_memory_only.xml", []app.State{memory}},
		{"account_signed_out.xml", []app.State{signedOut()}},
		{"account_sign_in_needed.xml", []app.State{needed}},
		{"account_signing_in.xml", []app.State{signingIn}},
		{"account_not_running.xml", []app.State{notRunning()}},
		{"account_busy.xml", []app.State{busy(signedIn(profile()), app.ActionSetVanity)}},
		{"account_last_error.xml", []app.State{failed}},
		{"account_signed_out_later.xml", []app.State{signedIn(profile()), signedOut()}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			h, w := newAccountForTest(t)
			for _, s := range tt.states {
				h.push(s)
			}
			test.AssertRendersToMarkup(t, tt.golden, w.win.Canvas())
		})
	}
}

func TestAccountImages(t *testing.T) {
	h, w := newAccountForTest(t)
	h.push(signedIn(profile(withVanity("ada-codes"), withBeta)))
	test.AssertRendersToImage(t, "account_signed_in.png", w.win.Canvas())
	h.push(notRunning())
	test.AssertRendersToImage(t, "account_not_running.png", w.win.Canvas())
}

// Opened because there is no tray, the window says so and how to get one,
// whatever the state; opened on request, it does not.
func TestAccountNoTrayHost(t *testing.T) {
	h, w := newAccountForTest(t, func(o *options) { o.noTrayHost = true })
	h.push(signedIn(profile()))
	if got := shownWith(w.win.Canvas(), "No tray is running"); len(got) != 1 || got[0] != noTrayHostNote {
		t.Errorf("the window says %q; want %q", got, noTrayHostNote)
	}
	test.AssertRendersToMarkup(t, "account_no_tray_host.xml", w.win.Canvas())
	test.AssertRendersToImage(t, "account_no_tray_host.png", w.win.Canvas())
	h.push(signedOut())
	if got := shownWith(w.win.Canvas(), "No tray is running"); len(got) != 1 {
		t.Errorf("signed out, the window says %q; want the note kept", got)
	}

	h, w = newAccountForTest(t)
	h.push(signedIn(profile()))
	if got := shownWith(w.win.Canvas(), "tray"); len(got) != 0 {
		t.Errorf("opened on request, the window says %q", got)
	}
}

func TestAccountFollowsState(t *testing.T) {
	h, w := newAccountForTest(t)
	h.push(signedIn(profile()))
	if w.name.Text != "Ada Lovelace" || w.email.Text != "ada@example.com" || w.username.Text != "ada" {
		t.Errorf("name, email, username = %q, %q, %q", w.name.Text, w.email.Text, w.username.Text)
	}
	if want := "http://127.0.0.1:39300 (version 12.3.0)"; w.piecesOS.Text != want {
		t.Errorf("Pieces OS = %q; want %q", w.piecesOS.Text, want)
	}
	if want := "In the system keyring"; w.storage.Text != want {
		t.Errorf("session kept = %q; want %q", w.storage.Text, want)
	}
	h.push(signedIn(profile(withVanity("ada-codes"), withBeta)))
	if want := "ada-codes.pieces.cloud"; w.vanity.Text != want {
		t.Errorf("vanity = %q; want %q", w.vanity.Text, want)
	}
	if want := "Joined on 5 January 2026"; w.beta.Text != want {
		t.Errorf("beta = %q; want %q", w.beta.Text, want)
	}
	if want := "Running – https://ada-codes.pieces.cloud"; w.cloud.Text != want {
		t.Errorf("cloud = %q; want %q", w.cloud.Text, want)
	}

	h.push(signedOut())
	if !w.notice.box.Visible() || w.details.Visible() {
		t.Fatal("signed out: notice hidden or details shown")
	}
	if w.notice.heading.Text != "You are signed out" || w.notice.button.Text != "Sign in…" {
		t.Errorf("signed out notice = %q with %q", w.notice.heading.Text, w.notice.button.Text)
	}
	if w.win.Canvas().Focused() != w.notice.button {
		t.Error("the Sign in… button does not have the focus")
	}
	h.client.answer(app.Result{Message: "Continue in your browser."}, nil)
	test.Tap(w.notice.button)
	h.step()
	if calls := h.client.callList(); len(calls) != 1 || calls[0].Action != app.ActionSignIn {
		t.Errorf("calls = %v; want sign_in", calls)
	}
	if w.notice.outcome.Text != "Continue in your browser." {
		t.Errorf("outcome = %q", w.notice.outcome.Text)
	}

	h.push(notRunning())
	if w.notice.heading.Text != "Pieces OS is not running" || w.notice.button.Text != "Retry" {
		t.Errorf("not running notice = %q with %q", w.notice.heading.Text, w.notice.button.Text)
	}
	test.Tap(w.notice.button)
	h.step()
	if calls := h.client.callList(); calls[len(calls)-1].Action != app.ActionRetry {
		t.Errorf("Retry ran %s; want retry", calls[len(calls)-1].Action)
	}
}

func TestAccountPicture(t *testing.T) {
	pic := fyne.NewStaticResource("ada.png", tinyPNG(t))
	fetched := make(chan string, 4)
	h, w := newAccountForTest(t, func(o *options) {
		o.pictures = func(ctx context.Context, url string) (fyne.Resource, error) {
			fetched <- url
			if url == "https://example.com/ada.png" {
				return pic, nil
			}
			return nil, context.DeadlineExceeded
		}
	})
	h.push(signedIn(profile()))
	if w.picture.Resource != theme.AccountIcon() {
		t.Errorf("picture before fetch = %v; want the placeholder", w.picture.Resource.Name())
	}
	h.step() // the fetched picture
	if w.picture.Resource != pic {
		t.Errorf("picture = %v; want the fetched one", w.picture.Resource.Name())
	}
	h.push(signedIn(profile(func(p *apiclient.UserProfile) { p.Picture = "https://example.com/gone.png" })))
	<-fetched
	<-fetched
	if w.picture.Resource != theme.AccountIcon() {
		t.Errorf("picture after a failed fetch = %v; want the placeholder", w.picture.Resource.Name())
	}
}

func TestAccountKeyboard(t *testing.T) {
	h, w := newAccountForTest(t)
	h.push(signedIn(profile()))
	if w.win.Canvas().Focused() != w.close {
		t.Errorf("focus = %v; want Close", w.win.Canvas().Focused())
	}
	typeKey(w.win.Canvas(), fyne.KeyEscape)
	if !w.closed {
		t.Error("Escape did not close the window")
	}
}

func TestAccountRefresh(t *testing.T) {
	h, w := newAccountForTest(t)
	h.push(signedIn(profile()))
	h.client.answer(app.Result{}, actionErr(app.CodeServer, "Could not refresh your profile."))
	test.Tap(w.refresh)
	h.step()
	if w.outcome.Text != "Could not refresh your profile." || !w.outcome.Visible() {
		t.Errorf("outcome = %q; want the failure", w.outcome.Text)
	}
}

func TestAccountLostAgent(t *testing.T) {
	h, w := newAccountForTest(t)
	h.push(signedIn(profile()))
	close(h.client.states)
	h.step()
	if w.notice.heading.Text != "Pieces Tray is not answering" || w.details.Visible() {
		t.Errorf("after the agent went away: notice %q, details shown %v", w.notice.heading.Text, w.details.Visible())
	}
}

// Profile text from outside reaches the window cleaned: no control
// characters, line breaks or direction overrides, and a bounded length.
func TestAccountCleansProfileText(t *testing.T) {
	h, w := newAccountForTest(t)
	for name, text := range map[string]string{
		"ESC": "Ada\x1b[2J", "OSC": "Ada\x1b]0;title\x07", "CR/LF": "Ada\r\nLovelace",
		"U+202E": "Ada \u202egpj.exe", "long": strings.Repeat("A", 10000),
	} {
		h.push(signedIn(profile(func(p *apiclient.UserProfile) { p.Name, p.Email, p.Username = text, text, text })))
		for field, got := range map[string]string{"name": w.name.Text, "email": w.email.Text, "username": w.username.Text} {
			if strings.ContainsAny(got, "\x1b\x07\r\n\u202e") || utf8.RuneCountInString(got) > 120 {
				t.Errorf("%s: %s shows %q", name, field, got)
			}
		}
	}
}

// After the first sign-in the account window offers starting at login,
// once: the answer is passed on, and the offer goes.
func TestAccountOffersStartAtLoginOnce(t *testing.T) {
	offer := &fakeOffer{fresh: true}
	h, w := newAccountForTest(t, func(o *options) { o.startAtLogin = offer })
	h.push(signedOut())
	if w.offer.Visible() {
		t.Fatal("offered before anyone signed in")
	}
	h.push(signedIn(profile()))
	if !w.offer.Visible() {
		t.Fatal("no offer after the sign-in")
	}
	yes := w.offer.Objects[2].(*fyne.Container).Objects[0].(*widget.Button)
	test.Tap(yes)
	h.step()
	if w.offer.Visible() || !strings.Contains(w.outcome.Text, "will start when you log in") {
		t.Errorf("after yes: offer shown %v, outcome %q", w.offer.Visible(), w.outcome.Text)
	}
	offer.mu.Lock()
	answers := offer.answers
	offer.mu.Unlock()
	if len(answers) != 1 || !answers[0] {
		t.Errorf("answers %v; want one yes", answers)
	}
	h.push(signedOut())
	h.push(signedIn(profile()))
	if w.offer.Visible() {
		t.Error("offered a second time")
	}
}
