//go:build !darwin && !windows

package tray

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"slices"
	"strings"
	"sync"

	"github.com/godbus/dbus/v5"

	"piecestray/app"
	"piecestray/assets"
)

// The freedesktop notification service (Desktop Notifications
// Specification 1.2).
const (
	notifyService = "org.freedesktop.Notifications"
	notifyPath    = "/org/freedesktop/Notifications"
)

// notifyIconSize is the size of the icon sent with each notification.
const notifyIconSize = 64

// platformNotifier is the D-Bus state of a Notifier, guarded by its mu.
type platformNotifier struct {
	conn *dbus.Conn               // private session bus connection, opened on first use
	ids  map[app.EventKind]uint32 // last notification id per kind, for replaces_id
	// markup: the server reads bodies as markup (asked once per connection)
	markup bool
}

// imageData is the "image-data" hint: (iiibiiay) width, height, rowstride,
// has alpha, bits per sample, channels, RGBA bytes.
type imageData struct {
	W, H, Stride int32
	Alpha        bool
	Bits, Chans  int32
	Data         []byte
}

func (n *Notifier) send(ev app.Event) error {
	ctx, cancel := context.WithTimeout(context.Background(), notifyCallTimeout)
	defer cancel()
	if n.conn == nil {
		// A connection of the Notifier's own, so that the notification
		// server's signals never reach the shared connection
		// fyne.io/systray listens on.
		conn, err := dbus.ConnectSessionBus()
		if err != nil {
			return fmt.Errorf("tray: connect to the session bus: %w", err)
		}
		n.conn, n.ids = conn, make(map[app.EventKind]uint32)
		// Does the server read bodies as markup? When it cannot tell,
		// assume so, which at worst shows an escaped character.
		var caps []string
		err = conn.Object(notifyService, notifyPath).CallWithContext(ctx, notifyService+".GetCapabilities", 0).Store(&caps)
		n.markup = err != nil || slices.Contains(caps, "body-markup")
	}
	body := ev.Body
	if n.markup {
		// A name with "<" or "&" in it must stay text.
		body = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(body)
	}
	hints := map[string]dbus.Variant{"urgency": dbus.MakeVariant(byte(1)), "image-data": dbus.MakeVariant(notifyIcon())}
	var id uint32
	err := n.conn.Object(notifyService, notifyPath).CallWithContext(ctx, notifyService+".Notify", 0,
		Title, n.ids[ev.Kind], "", ev.Title, body, []string{}, hints, int32(notifyTimeout.Milliseconds())).Store(&id)
	if err != nil {
		if !n.conn.Connected() {
			n.close() // reconnect next time
		}
		return fmt.Errorf("tray: notify: %w", err)
	}
	n.ids[ev.Kind] = id
	return nil
}

func (n *Notifier) close() error {
	if n.conn == nil {
		return nil
	}
	err := n.conn.Close()
	n.conn = nil
	return err
}

// notifyIcon is the application icon as the image-data hint, decoded once
// (assets tests that it decodes).
var notifyIcon = sync.OnceValue(func() imageData {
	src, _ := png.Decode(bytes.NewReader(assets.AppIcon))
	dst := scaleDown(src, notifyIconSize)
	return imageData{W: notifyIconSize, H: notifyIconSize, Stride: int32(dst.Stride), Alpha: true,
		Bits: 8, Chans: 4, Data: dst.Pix}
})

// scaleDown draws src at size×size with a box filter (src is a whole
// multiple of size), in straight alpha, which the image-data hint expects.
func scaleDown(src image.Image, size int) *image.NRGBA {
	sb := src.Bounds()
	f := max(1, sb.Dx()/size)
	dst := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := range size {
		for x := range size {
			var r, g, b, a uint32
			for j := range f {
				for i := range f {
					cr, cg, cb, ca := src.At(sb.Min.X+x*f+i, sb.Min.Y+y*f+j).RGBA()
					r, g, b, a = r+cr, g+cg, b+cb, a+ca
				}
			}
			k := uint32(f * f)
			// The sums are premultiplied; NRGBA's Set converts.
			dst.Set(x, y, color.RGBA64{uint16(r / k), uint16(g / k), uint16(b / k), uint16(a / k)})
		}
	}
	return dst
}
