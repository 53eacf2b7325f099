//go:build !darwin && !windows

package tray

import (
	"errors"
	"testing"

	"github.com/godbus/dbus/v5"

	"piecestray/app"
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
