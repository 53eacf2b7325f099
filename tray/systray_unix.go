//go:build !darwin && !windows

package tray

import (
	"context"

	"fyne.io/systray"
)

// runSystray runs fyne.io/systray until ctx ends: build makes the menu,
// icon and tooltip before the tray item is exported on the session bus, and
// follow starts keeping them up to date once it is.
//
// systray.Run calls its onReady while it is still exporting the item's
// properties, and an icon or tooltip set in that moment reaches only
// systray's memory: the panel would keep the one from before until the next
// change (a state that settles at once, such as "no keyring" at start, would
// show "Connecting" for good). Set before the export, they are exported as
// they are; set after it, they are sent. The external-loop start returns
// once the item is exported.
func runSystray(ctx context.Context, build, follow func()) {
	build()
	start, end := systray.RunWithExternalLoop(nil, nil)
	start()
	follow()
	<-ctx.Done()
	end()
}
