//go:build windows

package tray

import (
	"encoding/binary"

	"fyne.io/systray"
)

// setTrayIcon sets the tray icon: systray on Windows wants an ICO file, and
// an ICO may hold a PNG as it is (Windows Vista and later).
func setTrayIcon(png []byte) { systray.SetIcon(icoFromPNG(png)) }

// icoFromPNG wraps one PNG image in an ICO container. The size fields are 0
// (meaning 256) unless the image is smaller; Windows reads the PNG header.
func icoFromPNG(png []byte) []byte {
	w, h := byte(0), byte(0)
	if len(png) >= 24 {
		if pw := binary.BigEndian.Uint32(png[16:20]); pw < 256 {
			w = byte(pw)
		}
		if ph := binary.BigEndian.Uint32(png[20:24]); ph < 256 {
			h = byte(ph)
		}
	}
	out := make([]byte, 0, 22+len(png))
	out = binary.LittleEndian.AppendUint16(out, 0)  // reserved
	out = binary.LittleEndian.AppendUint16(out, 1)  // type: icon
	out = binary.LittleEndian.AppendUint16(out, 1)  // one image
	out = append(out, w, h, 0, 0)                   // width, height, colours, reserved
	out = binary.LittleEndian.AppendUint16(out, 1)  // planes
	out = binary.LittleEndian.AppendUint16(out, 32) // bits per pixel
	out = binary.LittleEndian.AppendUint32(out, uint32(len(png)))
	out = binary.LittleEndian.AppendUint32(out, 22) // offset of the image
	return append(out, png...)
}
