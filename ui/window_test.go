package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"piecestray/app"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name, title string
	}{
		{WindowAccount, "Pieces account"},
		{WindowVanity, "Pieces vanity name"},
		{WindowBeta, "Pieces beta program"},
		{WindowSignOut, "Sign out of Pieces"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := test.NewTempApp(t)
			c := newFakeClient()
			c.watchBlock = true // nothing reaches the widgets from the background
			w, err := New(tt.name, a, c)
			if err != nil {
				t.Fatalf("New(%q) error %v", tt.name, err)
			}
			if w.Title() != tt.title {
				t.Errorf("New(%q).Title() = %q; want %q", tt.name, w.Title(), tt.title)
			}
			w.Close()
		})
	}
	if _, err := New("nope", test.NewTempApp(t), newFakeClient()); err == nil {
		t.Error(`New("nope") succeeded; want an error`)
	}
}

// TestLiveUpdateThroughFyneDo uses the production path: updates reach the
// widgets through fyne.Do (which the test driver runs at once).
func TestLiveUpdateThroughFyneDo(t *testing.T) {
	a := test.NewTempApp(t)
	c := newFakeClient()
	w := newVanity(a, c, options{now: func() time.Time { return testNow }, pictures: newHarness(t).opts().pictures})
	send := func(s app.State) {
		t.Helper()
		select {
		case c.states <- s:
		case <-time.After(10 * time.Second):
			t.Fatal("the window does not read states")
		}
	}
	s := signedIn(profile(withVanity("ada-codes")))
	send(s)
	send(s) // read only after the first was applied
	w.win.Close()
	w.wait() // every update has happened before this returns
	if want := "Your vanity name is ada-codes.pieces.cloud."; w.current.Text != want {
		t.Errorf("current = %q; want %q", w.current.Text, want)
	}
	if w.entry.Text != "ada-codes" {
		t.Errorf("entry = %q; want ada-codes", w.entry.Text)
	}
}

func TestWatchFailure(t *testing.T) {
	a := test.NewTempApp(t)
	h := newHarness(t)
	h.client.watchErr = errors.New("control: dial: connection refused")
	w := newSignOut(a, h.client, h.opts())
	h.own(w.base)
	h.step()
	if w.who.Text != "Pieces Tray is not answering" || !strings.Contains(w.what.Text, "connection refused") {
		t.Errorf("who, what = %q, %q", w.who.Text, w.what.Text)
	}
	if !w.signOut.Disabled() {
		t.Error("Sign out enabled without an agent")
	}
}

func TestUnavailable(t *testing.T) {
	a := test.NewTempApp(t)
	w := NewUnavailable(a, WindowVanity, errors.New("control: dial unix /run/user/0/pieces-tray/control.sock: connect: no such file or directory"))
	test.AssertRendersToMarkup(t, "unavailable.xml", w.Canvas())
	test.AssertRendersToImage(t, "unavailable.png", w.Canvas())
	closed := false
	w.SetOnClosed(func() { closed = true })
	typeKey(w.Canvas(), fyne.KeyEscape)
	if !closed {
		t.Error("Escape did not close the window")
	}
}
