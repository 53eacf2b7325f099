//go:build !windows

package tray

import "fyne.io/systray"

// setTrayIcon sets the tray icon from PNG bytes, which systray takes as they
// are outside Windows.
func setTrayIcon(png []byte) { systray.SetIcon(png) }
