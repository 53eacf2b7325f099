//go:build !darwin && !windows

package tray

import (
	"context"
	"log/slog"
	"time"

	"github.com/godbus/dbus/v5"
)

// The StatusNotifierItem protocol (KDE/freedesktop).
const (
	watcherName   = "org.kde.StatusNotifierWatcher"
	itemPath      = "/StatusNotifierItem" // where fyne.io/systray exports the item
	registerAfter = 10 * time.Millisecond // let a new watcher export its object
	registerWait  = 5 * time.Second       // bound on one registration call
)

// keepRegistered registers the tray item again whenever a
// StatusNotifierWatcher (re)appears, until ctx ends, and calls noHost once
// when none exists grace after start.
//
// fyne.io/systray does this itself, but its goroutine stops at the first
// signal with fewer than three arguments on the shared session connection —
// such as the Secret Service prompt's Completed signal after a keyring
// prompt — after which a restarted panel would lose the icon. This watcher
// runs on the same shared connection (dbus.SessionBus, where systray exports
// the item), so the registration names the right sender.
func keepRegistered(ctx context.Context, log *slog.Logger, grace time.Duration, noHost func()) {
	conn, err := dbus.SessionBus()
	if err != nil {
		log.Warn("no D-Bus session bus: the tray icon cannot be shown", "err", err)
		noHost()
		return
	}
	match := []dbus.MatchOption{
		dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchObjectPath("/org/freedesktop/DBus"),
		dbus.WithMatchInterface("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, watcherName),
	}
	if err := conn.AddMatchSignalContext(ctx, match...); err != nil {
		log.Warn("cannot watch for tray host restarts", "err", err)
	} else {
		defer conn.RemoveMatchSignal(match...) //nolint:errcheck // best effort at shutdown
	}
	signals := make(chan *dbus.Signal, 16)
	conn.Signal(signals)
	defer conn.RemoveSignal(signals)

	hostCheck := time.After(grace)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hostCheck:
			var has bool
			if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, watcherName).Store(&has); err != nil {
				log.Warn("cannot ask the session bus for a tray host", "err", err)
				continue
			}
			if !has {
				noHost()
			}
		case sig, ok := <-signals:
			if !ok || sig == nil {
				return // the connection closed (systray ended)
			}
			// Other signals on the shared connection come here too.
			if sig.Name != "org.freedesktop.DBus.NameOwnerChanged" || len(sig.Body) != 3 ||
				sig.Body[0] != any(watcherName) || sig.Body[2] == any("") {
				continue
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(registerAfter):
			}
			cctx, cancel := context.WithTimeout(ctx, registerWait)
			err := conn.Object(watcherName, "/StatusNotifierWatcher").CallWithContext(cctx,
				watcherName+".RegisterStatusNotifierItem", 0, itemPath).Err
			cancel()
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				log.Warn("could not register the tray icon with the new tray host", "err", err)
			} else {
				log.Info("registered the tray icon with a new tray host")
			}
		}
	}
}
