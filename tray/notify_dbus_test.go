//go:build !darwin && !windows

package tray

import (
	"errors"
	"testing"

	"github.com/godbus/dbus/v5"

	"piecestray/app"
	"piecestray/internal/desktoptest"
)

// setNotifyDial makes n connect with a function that fails with fail().
func setNotifyDial(n *Notifier, fail func() error) {
	n.dial = func() (*dbus.Conn, error) { return nil, fail() }
}

func TestUnpremultiply(t *testing.T) {
	got := unpremultiply([]byte{64, 32, 0, 128, 0, 0, 0, 0, 255, 255, 255, 255})
	want := []byte{127, 63, 0, 128, 0, 0, 0, 0, 255, 255, 255, 255}
	if string(got) != string(want) {
		t.Errorf("unpremultiply() = %v; want %v", got, want)
	}
}

func TestAppIconHint(t *testing.T) {
	n := NewNotifier(NotifierConfig{})
	icon := n.appIcon()
	if icon == nil || icon.W != notifyIconSize || len(icon.Data) != int(icon.Stride*icon.H) {
		t.Fatalf("appIcon() = %+v; want a %d px RGBA image", icon, notifyIconSize)
	}
}

func TestNotifierDisabledSendsNothing(t *testing.T) {
	n := NewNotifier(NotifierConfig{Disabled: true})
	if n.Enabled() {
		t.Fatal("Enabled() = true for a Notifier created Disabled")
	}
	setNotifyDial(n, func() error { t.Error("the Notifier connected while disabled"); return errors.New("off") })
	n.Notify(app.Event{Kind: app.EventSignedIn, Title: "Signed in", Body: "x"})
	n.SetEnabled(true)
	if !n.Enabled() {
		t.Fatal("Enabled() = false after SetEnabled(true)")
	}
	if err := n.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
}

func TestNotifierSurvivesNoServer(t *testing.T) {
	n := NewNotifier(NotifierConfig{})
	setNotifyDial(n, func() error { return errors.New("no bus") })
	n.Notify(app.Event{Kind: app.EventSignedIn, Title: "Signed in", Body: "x"}) // logs, does not panic or block
	if err := n.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
}

// A server that reads bodies as markup gets them escaped, so that a name
// with "<" or "&" in it stays text; a plain server gets them as they are.
func TestNotifierEscapesMarkupWhereItIsRead(t *testing.T) {
	desktoptest.Require(t)
	desktoptest.StartBus(t)
	const body = "Ada <b>Lovelace</b> & co"
	for _, tt := range []struct {
		caps []string
		want string
	}{
		{[]string{"body", "body-markup"}, "Ada &lt;b&gt;Lovelace&lt;/b&gt; &amp; co"},
		{[]string{"body"}, body},
	} {
		notes, err := desktoptest.StartNotificationServerWith(tt.caps...)
		if err != nil {
			t.Fatal(err)
		}
		n := NewNotifier(NotifierConfig{})
		n.Notify(app.Event{Kind: app.EventSignedIn, Title: "Signed in", Body: body})
		n.Close()
		got := notes.Notifications()
		notes.Stop()
		if len(got) != 1 || got[0].Body != tt.want {
			t.Errorf("caps %v: notifications %+v; want one with body %q", tt.caps, got, tt.want)
		}
	}
}
