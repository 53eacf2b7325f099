//go:build darwin || windows

package tray

import (
	"fmt"

	"github.com/gen2brain/beeep"

	"piecestray/app"
	"piecestray/assets"
)

// platformNotifier has no state on macOS and Windows: beeep sends each
// notification on its own, and the system groups them by application.
type platformNotifier struct{}

func (n *Notifier) send(ev app.Event) error {
	beeep.AppName = Title // beeep's only setting is a package variable
	if err := beeep.Notify(ev.Title, ev.Body, assets.AppIcon); err != nil {
		return fmt.Errorf("tray: notify: %w", err)
	}
	return nil
}

func (n *Notifier) close() error { return nil }
