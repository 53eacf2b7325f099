//go:build !darwin && !windows

package tray

import (
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"piecestray/app"
	"piecestray/internal/desktoptest"
)

// TestDesktop runs the real tray (fyne.io/systray) against a test-side
// desktop shell on a private session bus. systray allows one Run per
// process, so this is the only test in the package that calls Run.
func TestDesktop(t *testing.T) {
	desktoptest.Require(t)
	if !desktopOnce.CompareAndSwap(false, true) {
		t.Skip("fyne.io/systray runs once per process; run TestDesktop with -count=1")
	}
	desktoptest.StartBus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// Without a tray host, the watcher says so once; when a host appears,
	// it registers.
	t.Run("no tray host, then one appears", func(t *testing.T) {
		var noHost atomic.Int32
		kctx, kcancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			keepRegistered(kctx, testLogger(t), 100*time.Millisecond, func() { noHost.Add(1) })
		}()
		deadline := time.Now().Add(10 * time.Second)
		for noHost.Load() == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if noHost.Load() != 1 {
			t.Errorf("noHost called %d times without a watcher; want 1", noHost.Load())
		}
		w, err := desktoptest.StartWatcher()
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		if _, err := w.WaitRegistrations(ctx, 1); err != nil {
			t.Errorf("no registration after the watcher appeared: %v", err)
		}
		kcancel()
		<-done
	})

	watcher, err := desktoptest.StartWatcher()
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Stop()
	notes, err := desktoptest.StartNotificationServer()
	if err != nil {
		t.Fatal(err)
	}
	defer notes.Stop()

	// The menu follows the core only once the item is on the bus: an icon
	// or tooltip set earlier could be dropped by systray (see runSystray).
	// This sees the properties exported, a moment before systray's start
	// returns; it fails when follow runs before start, as systray.Run would
	// have it.
	exported := make(chan error, 1)
	testHookFollow = func() {
		conn, err := dbus.SessionBus()
		if err == nil {
			_, err = conn.Object(conn.Names()[0], "/StatusNotifierItem").GetProperty("org.kde.StatusNotifierItem.ToolTip")
		}
		exported <- err
	}
	defer func() { testHookFollow = nil }()

	core := newFakeCore()
	core.states <- live(app.State{Phase: app.PhaseSignedOut})
	windows, opener, clip := newRecorder(nil), newRecorder(nil), newRecorder(nil)
	runErr := make(chan error, 1)
	start := time.Now()
	go func() {
		runErr <- Run(ctx, Config{Core: core, Windows: windows, Opener: opener, Clipboard: clip.Copy,
			Logger: testLogger(t), HostGrace: 30 * time.Second})
	}()
	defer func() {
		cancel()
		select {
		case err := <-runErr:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	}()

	regs, err := watcher.WaitRegistrations(ctx, 1)
	if err != nil {
		t.Fatalf("the tray never registered: %v", err)
	}
	t.Logf("registered %v after start", regs[0].At.Sub(start))
	if err := <-exported; err != nil {
		t.Errorf("the menu followed the core before its item was on the bus: %v", err)
	}
	host := desktoptest.Connect(t)
	item, err := desktoptest.OpenItem(ctx, host, regs[len(regs)-1])
	if err != nil {
		t.Fatalf("OpenItem: %v", err)
	}
	defer item.Close()

	menu, err := item.WaitMenu(ctx, desktoptest.HasLabel("Not signed in"))
	if err != nil {
		t.Fatal(err)
	}
	want := "Not signed in (off)|Sign in…|Account…|Vanity name… (off)|Beta program… (off)|Sign out… (off)|Diagnose…|Quit Pieces Tray"
	if got := strings.Join(desktoptest.Labels(menu), "|"); got != want {
		t.Errorf("menu = %q; want %q", got, want)
	}
	for _, e := range menu {
		if e.Label == "Beta program…" && e.ToggleType != "checkmark" {
			t.Errorf("Beta program… toggle-type = %q; want checkmark", e.ToggleType)
		}
	}

	props, err := item.Properties(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if props.ID != Title || props.Title != Title {
		t.Errorf("Id, Title = %q, %q; want %q for both", props.ID, props.Title, Title)
	}
	if len(props.Icons) == 0 || len(props.Icons[0].Pix) == 0 || props.Icons[0].W != 64 {
		t.Fatalf("IconPixmap = %d pixmaps; want a 64 px icon", len(props.Icons))
	}
	signedOutIcon := props.Icons[0].Pix
	if props.Tooltip.Title != "Pieces: Not signed in" {
		t.Errorf("tooltip = %q; want %q", props.Tooltip.Title, "Pieces: Not signed in")
	}

	// A click reaches Do.
	if err := item.WaitQuiet(ctx, 150*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := item.Click(ctx, "Sign in…"); err != nil {
		t.Fatal(err)
	}
	if a := wait(t, core.done, "Do after a click"); a != app.ActionSignIn {
		t.Errorf("clicking Sign in… ran %q; want %q", a, app.ActionSignIn)
	}
	if err := item.Click(ctx, "Account…"); err != nil {
		t.Fatal(err)
	}
	if got := wait(t, windows.seen, "ShowWindow"); got != "window account" {
		t.Errorf("clicking Account… did %q", got)
	}

	// A state change updates the header, the icon and the tooltip, in place.
	before, _ := item.Menu(ctx)
	core.states <- live(app.State{Phase: app.PhaseSignedIn, User: withVanity(jane(), "jane")})
	after, err := item.WaitMenu(ctx, desktoptest.HasLabel("Jane Doe (jane@example.com)"))
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != len(after) || before[0].ID != after[0].ID {
		t.Errorf("the menu was rebuilt: ids %v → %v", ids(before), ids(after))
	}
	props, _ = item.Properties(ctx)
	if len(props.Icons) == 0 || bytes.Equal(props.Icons[0].Pix, signedOutIcon) {
		t.Error("the icon did not change when signed in")
	}
	if err := item.WaitQuiet(ctx, 150*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := item.Click(ctx, "Open jane.pieces.cloud"); err != nil {
		t.Fatal(err)
	}
	if got := wait(t, opener.seen, "Open"); got != "open https://jane.pieces.cloud" {
		t.Errorf("clicking the cloud did %q", got)
	}

	// Notifications: app name, icon, finite timeout, repeats coalesced.
	n := NewNotifier(NotifierConfig{Logger: testLogger(t)})
	defer n.Close()
	n.Notify(app.Event{Kind: app.EventProfileChanged, Title: "Pieces profile updated", Body: "Your name changed."})
	n.Notify(app.Event{Kind: app.EventProfileChanged, Title: "Pieces profile updated", Body: "Your email changed."})
	n.Notify(app.Event{Kind: app.EventSignedOut, Title: "Signed out of Pieces", Body: "Jane is signed out."})
	got, err := notes.Wait(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].AppName != Title || got[0].Timeout != 8000 || got[0].ReplacesID != 0 {
		t.Errorf("first notification = %+v; want app %q, timeout 8000, replaces 0", got[0], Title)
	}
	if _, ok := got[0].Hints["image-data"]; !ok {
		t.Error("the notification has no image-data hint")
	}
	if got[1].ReplacesID != got[0].ID || got[1].Body != "Your email changed." {
		t.Errorf("second notification replaces %d; want %d (the first)", got[1].ReplacesID, got[0].ID)
	}
	if got[2].ReplacesID != 0 {
		t.Errorf("a different kind replaces %d; want 0", got[2].ReplacesID)
	}

	// The upstream bug: a two-argument signal on the shared connection
	// (like the Secret Service prompt's Completed) stops systray's own
	// re-registration. The tray still registers with a restarted watcher.
	shared, err := dbus.SessionBus()
	if err != nil {
		t.Fatal(err)
	}
	err = host.Send(&dbus.Message{Type: dbus.TypeSignal, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldPath:        dbus.MakeVariant(dbus.ObjectPath("/org/freedesktop/secrets/prompt/p1")),
		dbus.FieldInterface:   dbus.MakeVariant("org.freedesktop.Secret.Prompt"),
		dbus.FieldMember:      dbus.MakeVariant("Completed"),
		dbus.FieldDestination: dbus.MakeVariant(shared.Names()[0]),
	}, Body: []any{false, dbus.MakeVariant("")}}, nil).Err
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // let systray's goroutine see it
	count := len(watcher.Registrations())
	if err := watcher.Restart(); err != nil {
		t.Fatal(err)
	}
	regs, err = watcher.WaitRegistrations(ctx, count+1)
	if err != nil {
		t.Fatalf("no re-registration after the watcher restarted: %v", err)
	}
	if last := regs[len(regs)-1]; last.Sender != shared.Names()[0] || last.Path() != "/StatusNotifierItem" {
		t.Errorf("re-registration = %+v; want from %s", last, shared.Names()[0])
	}
	item2, err := desktoptest.OpenItem(ctx, host, regs[len(regs)-1])
	if err != nil {
		t.Fatal(err)
	}
	defer item2.Close()
	if _, err := item2.WaitMenu(ctx, desktoptest.HasLabel("Jane Doe (jane@example.com)")); err != nil {
		t.Fatal(err)
	}

	// Quit ends Run.
	if err := item2.WaitQuiet(ctx, 150*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := item2.Click(ctx, "Quit Pieces Tray"); err != nil {
		// Quitting closes the connection, sometimes before systray's reply
		// to the click is sent: the click still arrived.
		t.Logf("Click(Quit): %v", err)
	}
	select {
	case err := <-runErr:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		runErr <- nil // for the deferred check
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after Quit")
	}
}

// desktopOnce records that TestDesktop ran systray in this process.
var desktopOnce atomic.Bool

func ids(m []desktoptest.MenuEntry) []int32 {
	var out []int32
	for _, e := range m {
		out = append(out, e.ID)
	}
	return out
}
