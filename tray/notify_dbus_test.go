//go:build !darwin && !windows

package tray

import (
	"image"
	"image/color"
	"image/draw"
	"testing"

	"piecestray/app"
	"piecestray/internal/desktoptest"
)

// scaleDown keeps straight alpha: a uniform half-transparent colour comes
// out as it went in, not darkened by premultiplication.
func TestScaleDown(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	want := color.NRGBA{R: 200, G: 100, B: 50, A: 128}
	draw.Draw(src, src.Bounds(), image.NewUniform(want), image.Point{}, draw.Src)
	got := scaleDown(src, 2)
	if got.Bounds().Dx() != 2 || got.Bounds().Dy() != 2 {
		t.Fatalf("scaleDown() is %v; want 2×2", got.Bounds())
	}
	if c := got.NRGBAAt(1, 1); c != want {
		t.Errorf("scaleDown() pixel = %v; want %v", c, want)
	}
}

func TestAppIconHint(t *testing.T) {
	icon := notifyIcon()
	if icon.W != notifyIconSize || len(icon.Data) != int(icon.Stride*icon.H) {
		t.Fatalf("notifyIcon() = %+v; want a %d px RGBA image", icon, notifyIconSize)
	}
}

func TestNotifierDisabledSendsNothing(t *testing.T) {
	n := NewNotifier(NotifierConfig{Disabled: true})
	n.Notify(app.Event{Kind: app.EventSignedIn, Title: "Signed in", Body: "x"})
	if n.conn != nil {
		t.Error("the Notifier connected while disabled")
	}
	if err := n.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
}

func TestNotifierSurvivesNoServer(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+t.TempDir()+"/no-bus")
	n := NewNotifier(NotifierConfig{})
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
