//go:build darwin || windows

package tray

import (
	"context"

	"fyne.io/systray"
)

// runSystray runs fyne.io/systray's own loop (on macOS it must own the main
// thread) until ctx ends; when the tray is up, build makes the menu, icon
// and tooltip, and follow starts keeping them up to date. systray answers
// the menu's first requests only once they have returned.
func runSystray(ctx context.Context, build, follow func()) {
	stop := context.AfterFunc(ctx, systray.Quit)
	defer stop()
	systray.Run(func() { build(); follow() }, nil)
}
