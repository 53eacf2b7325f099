//go:build !darwin && !windows

package tray

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"slices"
	"strings"

	"github.com/godbus/dbus/v5"

	"piecestray/app"
	"piecestray/assets"
)

// The freedesktop notification service (Desktop Notifications
// Specification 1.2).
const (
	notifyService = "org.freedesktop.Notifications"
	notifyPath    = "/org/freedesktop/Notifications"
	notifyMethod  = notifyService + ".Notify"
)

// notifyIconSize is the size of the icon sent with each notification.
const notifyIconSize = 64

// platformNotifier is the D-Bus state of a Notifier, guarded by its mu.
type platformNotifier struct {
	conn *dbus.Conn                 // private session bus connection, opened on first use
	ids  map[app.EventKind]uint32   // last notification id per kind, for replaces_id
	icon *imageData                 // the app icon, decoded once
	dial func() (*dbus.Conn, error) // default: a private session bus connection
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
	if n.conn == nil {
		dial := n.dial
		if dial == nil {
			// A connection of the Notifier's own, so that the notification
			// server's signals never reach the shared connection
			// fyne.io/systray listens on.
			dial = func() (*dbus.Conn, error) { return dbus.ConnectSessionBus() }
		}
		conn, err := dial()
		if err != nil {
			return fmt.Errorf("tray: connect to the session bus: %w", err)
		}
		n.conn = conn
		n.ids = make(map[app.EventKind]uint32)
		n.markup = n.bodyMarkup()
	}
	body := ev.Body
	if n.markup {
		// The server reads the body as markup: a name with "<" or "&" in
		// it must stay text.
		body = markupEscaper.Replace(body)
	}
	hints := map[string]dbus.Variant{"urgency": dbus.MakeVariant(byte(1))}
	if icon := n.appIcon(); icon != nil {
		hints["image-data"] = dbus.MakeVariant(*icon)
	}
	ctx, cancel := context.WithTimeout(context.Background(), notifyCallTimeout)
	defer cancel()
	var id uint32
	err := n.conn.Object(notifyService, notifyPath).CallWithContext(ctx, notifyMethod, 0,
		n.cfg.AppName, n.ids[ev.Kind], "", ev.Title, body, []string{}, hints,
		int32(n.cfg.Timeout.Milliseconds())).Store(&id)
	if err != nil {
		if !n.conn.Connected() {
			n.conn.Close()
			n.conn = nil // reconnect next time
		}
		return fmt.Errorf("tray: notify: %w", err)
	}
	n.ids[ev.Kind] = id
	return nil
}

// markupEscaper escapes the characters the notification body markup gives
// meaning to.
var markupEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// bodyMarkup asks the notification server whether it reads bodies as markup
// (the "body-markup" capability); when it cannot tell, it assumes so, which
// at worst shows an escaped character.
func (n *Notifier) bodyMarkup() bool {
	ctx, cancel := context.WithTimeout(context.Background(), notifyCallTimeout)
	defer cancel()
	var caps []string
	if err := n.conn.Object(notifyService, notifyPath).CallWithContext(ctx, notifyService+".GetCapabilities", 0).Store(&caps); err != nil {
		return true
	}
	return slices.Contains(caps, "body-markup")
}

func (n *Notifier) close() error {
	if n.conn == nil {
		return nil
	}
	err := n.conn.Close()
	n.conn = nil
	return err
}

// appIcon decodes the application icon once into the image-data hint.
func (n *Notifier) appIcon() *imageData {
	if n.icon != nil {
		return n.icon
	}
	src, err := png.Decode(bytes.NewReader(assets.AppIcon))
	if err != nil {
		return nil
	}
	rgba := image.NewRGBA(image.Rect(0, 0, notifyIconSize, notifyIconSize))
	drawScaled(rgba, src)
	n.icon = &imageData{W: notifyIconSize, H: notifyIconSize, Stride: int32(rgba.Stride), Alpha: true,
		Bits: 8, Chans: 4, Data: unpremultiply(rgba.Pix)}
	return n.icon
}

// drawScaled draws src into dst with a box filter (src is a whole multiple
// of dst, or is drawn as it is).
func drawScaled(dst *image.RGBA, src image.Image) {
	sb, db := src.Bounds(), dst.Bounds()
	f := sb.Dx() / db.Dx()
	if f <= 1 || sb.Dx() != f*db.Dx() || sb.Dy() != f*db.Dy() {
		draw.Draw(dst, db, src, sb.Min, draw.Src)
		return
	}
	for y := 0; y < db.Dy(); y++ {
		for x := 0; x < db.Dx(); x++ {
			var r, g, b, a uint32
			for j := 0; j < f; j++ {
				for i := 0; i < f; i++ {
					cr, cg, cb, ca := src.At(sb.Min.X+x*f+i, sb.Min.Y+y*f+j).RGBA()
					r, g, b, a = r+cr, g+cg, b+cb, a+ca
				}
			}
			k := uint32(f * f)
			o := dst.PixOffset(x, y)
			dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2], dst.Pix[o+3] =
				uint8(r/k>>8), uint8(g/k>>8), uint8(b/k>>8), uint8(a/k>>8)
		}
	}
}

// unpremultiply converts premultiplied RGBA bytes to straight alpha, which
// the image-data hint expects.
func unpremultiply(p []byte) []byte {
	out := make([]byte, len(p))
	for i := 0; i+3 < len(p); i += 4 {
		a := uint32(p[i+3])
		out[i+3] = p[i+3]
		if a == 0 {
			continue
		}
		for c := 0; c < 3; c++ {
			v := uint32(p[i+c]) * 255 / a
			if v > 255 {
				v = 255
			}
			out[i+c] = byte(v)
		}
	}
	return out
}
