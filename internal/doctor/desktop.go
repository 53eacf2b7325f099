package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/godbus/dbus/v5"

	"piecestray/app"
	"piecestray/tray"
)

// Desktop is what the desktop checks ask the session bus.
type Desktop interface {
	// TrayHost reports whether a StatusNotifierWatcher (the tray host's
	// registry) owns its name.
	TrayHost(ctx context.Context) (bool, error)
	// NotificationServer returns the name and version of the notification
	// server, which must answer.
	NotificationServer(ctx context.Context) (name, version string, err error)
}

// D-Bus names of the desktop checks.
const (
	watcherName       = "org.kde.StatusNotifierWatcher"
	notificationsName = "org.freedesktop.Notifications"
)

// SessionBus is the Desktop of the D-Bus session bus (Linux). Each question
// uses a connection of its own, closed before it returns.
type SessionBus struct{}

// TrayHost implements Desktop.
func (SessionBus) TrayHost(ctx context.Context) (has bool, err error) {
	err = busCall(ctx, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", []any{watcherName}, &has)
	return has, err
}

// NotificationServer implements Desktop.
func (SessionBus) NotificationServer(ctx context.Context) (name, version string, err error) {
	var vendor, spec string
	err = busCall(ctx, notificationsName, "/org/freedesktop/Notifications", notificationsName+".GetServerInformation", nil, &name, &vendor, &version, &spec)
	return name, version, err
}

// busCall calls method of the object at path of dest with args, on a
// session bus connection of its own, and stores the reply in out.
func busCall(ctx context.Context, dest string, path dbus.ObjectPath, method string, args []any, out ...any) error {
	conn, err := dbus.ConnectSessionBus(dbus.WithContext(ctx))
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.Object(dest, path).CallWithContext(ctx, method, 0, args...).Store(out...); err != nil {
		return fmt.Errorf("ask %s: %w", method, err)
	}
	return nil
}

// checkDesktop checks the tray host, the notification server and the icon
// colours (on Linux; elsewhere Env.Desktop is nil and they are skipped).
func checkDesktop(ctx context.Context, env Env) []Check {
	if env.Desktop == nil {
		const why = "not checked: only on Linux desktops"
		return []Check{skip(why), skip(why), skip(why)}
	}
	// Each question gets its own wait: a hung first answer must not make
	// the second look absent.
	hostCtx, cancel := context.WithTimeout(ctx, netWait)
	defer cancel()
	has, err := env.Desktop.TrayHost(hostCtx)
	host := ok("a tray host runs (" + watcherName + ")")
	if err != nil {
		host = fail("the D-Bus session bus does not answer: "+because(err), "Run Pieces Tray in a desktop session (DBUS_SESSION_BUS_ADDRESS names its bus)")
	} else if !has {
		host = fail("no tray host runs (nothing owns "+watcherName+"), so the icon cannot show",
			"On GNOME, install the AppIndicator and KStatusNotifierItem Support extension; elsewhere add a system tray to the panel")
	}

	notesCtx, cancel := context.WithTimeout(ctx, netWait)
	defer cancel()
	name, version, err := env.Desktop.NotificationServer(notesCtx)
	notes := ok("a notification server answers")
	if err != nil {
		notes = warn("no notification server answers, so profile changes are not announced",
			"Start your desktop's notification service (or dunst, mako), or turn notifications off: PIECES_TRAY_NOTIFICATIONS=off")
	} else if who := strings.TrimSpace(app.Clean(name) + " " + app.Clean(version)); who != "" {
		notes = ok(who + " answers")
	}

	icons := "for a dark panel"
	if tray.PanelIsLight(env.Getenv) {
		icons = "for a light panel"
	}
	switch strings.ToLower(strings.TrimSpace(env.Getenv(tray.IconsEnv))) {
	case "light", "dark":
		icons += " (" + tray.IconsEnv + " chooses)"
	default:
		icons += " (from the desktop's colour scheme; " + tray.IconsEnv + "=light or dark chooses)"
	}
	return []Check{host, notes, ok(icons)}
}
