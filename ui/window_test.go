package ui

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"piecestray/app"
	"piecestray/internal/control"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name, title string
	}{
		{control.WindowAccount, "Pieces account"},
		{control.WindowVanity, "Pieces vanity name"},
		{control.WindowBeta, "Pieces beta program"},
		{control.WindowSignOut, "Sign out of Pieces"},
		{control.WindowDoctor, "Diagnose Pieces Tray"}, // its checks start only when shown
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := test.NewTempApp(t)
			c := newFakeClient()
			c.watchBlock = true // nothing reaches the widgets from the background
			w, err := New(tt.name, a, c, false)
			if err != nil {
				t.Fatalf("New(%q) error %v", tt.name, err)
			}
			if w.Title() != tt.title {
				t.Errorf("New(%q).Title() = %q; want %q", tt.name, w.Title(), tt.title)
			}
			w.Close()
		})
	}
	if _, err := New("nope", test.NewTempApp(t), newFakeClient(), false); err == nil {
		t.Error(`New("nope") succeeded; want an error`)
	}
}

// TestLiveUpdateThroughFyneDo uses the production path: updates reach the
// widgets through fyne.Do (which the test driver runs at once).
func TestLiveUpdateThroughFyneDo(t *testing.T) {
	a := test.NewTempApp(t)
	c := newFakeClient()
	w := newVanity(a, c, options{pictures: newHarness(t).opts().pictures})
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
	w := NewUnavailable(a, control.WindowVanity, errors.New("control: dial unix /run/user/0/pieces-tray/control.sock: connect: no such file or directory"))
	test.AssertRendersToMarkup(t, "unavailable.xml", w.Canvas())
	test.AssertRendersToImage(t, "unavailable.png", w.Canvas())
	closed := false
	w.SetOnClosed(func() { closed = true })
	typeKey(w.Canvas(), fyne.KeyEscape)
	if !closed {
		t.Error("Escape did not close the window")
	}
	for _, name := range control.Windows {
		if windowWords[name] == "" {
			t.Errorf("the %s window has no words for NewUnavailable", name)
		}
	}
}

// shownApp hands out windows that call shown when they are shown.
type shownApp struct {
	fyne.App
	shown func()
}

func (a shownApp) NewWindow(title string) fyne.Window {
	return shownWindow{Window: a.App.NewWindow(title), shown: a.shown}
}

type shownWindow struct {
	fyne.Window
	shown func()
}

func (w shownWindow) Show() {
	w.shown()
	w.Window.Show()
}

// When the agent answers in time, the first frame shows the content: the
// window is shown only once the first state is applied.
func TestShowWaitsForTheFirstState(t *testing.T) {
	h := newHarness(t)
	var frames []string // the heading or name a person sees when the window appears
	var w *accountWindow
	a := shownApp{App: test.NewTempApp(t), shown: func() {
		if w.notice.box.Visible() {
			frames = append(frames, w.notice.heading.Text)
		} else {
			frames = append(frames, w.name.Text)
		}
	}}
	o := h.opts()
	o.firstStateWait = time.Hour // the state always comes first
	w = newAccount(a, h.client, o)
	h.own(w.base)
	win := w.window()
	win.Show()
	if len(frames) != 0 {
		t.Fatalf("shown before the agent's first state, showing %q", frames)
	}
	h.push(signedIn(profile()))
	if want := []string{"Ada Lovelace"}; !reflect.DeepEqual(frames, want) {
		t.Errorf("frames shown = %q; want %q", frames, want)
	}
	win.Show() // raised later: shown at once
	if len(frames) != 2 {
		t.Errorf("a later Show did not show the window (%d frames)", len(frames))
	}
}

// When the agent does not answer in time, the window appears with the
// connecting notice; one the agent cannot be followed says so at once.
func TestShowWithoutAState(t *testing.T) {
	t.Run("slow agent", func(t *testing.T) {
		h := newHarness(t)
		var heading string
		var w *signOutWindow
		shown := 0
		a := shownApp{App: test.NewTempApp(t), shown: func() { shown++; heading = w.who.Text }}
		o := h.opts()
		o.firstStateWait = time.Millisecond
		w = newSignOut(a, h.client, o)
		h.own(w.base)
		w.window().Show()
		h.step() // the wait ended
		if shown != 1 || heading != "Waiting for Pieces Tray…" {
			t.Errorf("shown %d times, saying %q; want once, waiting", shown, heading)
		}
		h.push(signedIn(profile()))
		if shown != 1 {
			t.Errorf("shown %d times after the state arrived; want 1", shown)
		}
	})
	t.Run("no agent", func(t *testing.T) {
		h := newHarness(t)
		h.client.watchErr = errors.New("control: dial: connection refused")
		var heading string
		var w *vanityWindow
		a := shownApp{App: test.NewTempApp(t), shown: func() { heading = w.notice.heading.Text }}
		o := h.opts()
		o.firstStateWait = time.Hour
		w = newVanity(a, h.client, o)
		h.own(w.base)
		w.window().Show()
		h.step()
		if heading != "Pieces Tray is not answering" {
			t.Errorf("shown with %q; want the lost notice", heading)
		}
	})
}
