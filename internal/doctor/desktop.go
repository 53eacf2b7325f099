package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/godbus/dbus/v5"

	"piecestray/app"
	"piecestray/tray"
)

// Titles of the desktop checks.
const (
	titleTrayHost      = "Tray host"
	titleNotifications = "Notifications"
	titleIcons         = "Tray icons"
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
	notificationsPath = dbus.ObjectPath("/org/freedesktop/Notifications")
)

// SessionBus is the Desktop of the D-Bus session bus (Linux). Each question
// uses a connection of its own, closed before it returns.
type SessionBus struct{}

// TrayHost implements Desktop.
func (SessionBus) TrayHost(ctx context.Context) (bool, error) {
	conn, err := dbus.ConnectSessionBus(dbus.WithContext(ctx))
	if err != nil {
		return false, err
	}
	defer conn.Close()
	var has bool
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, watcherName).Store(&has); err != nil {
		return false, fmt.Errorf("ask the session bus for %s: %w", watcherName, err)
	}
	return has, nil
}

// NotificationServer implements Desktop.
func (SessionBus) NotificationServer(ctx context.Context) (string, string, error) {
	conn, err := dbus.ConnectSessionBus(dbus.WithContext(ctx))
	if err != nil {
		return "", "", err
	}
	defer conn.Close()
	var name, vendor, version, spec string
	err = conn.Object(notificationsName, notificationsPath).
		CallWithContext(ctx, notificationsName+".GetServerInformation", 0).
		Store(&name, &vendor, &version, &spec)
	if err != nil {
		return "", "", fmt.Errorf("ask %s: %w", notificationsName, err)
	}
	return name, version, nil
}

// checkDesktop checks the tray host, the notification server and the icon
// colours (on Linux; elsewhere Env.Desktop is nil and they are skipped).
func checkDesktop(ctx context.Context, env Env) []Check {
	host := Check{ID: IDTrayHost, Title: titleTrayHost}
	notes := Check{ID: IDNotifications, Title: titleNotifications}
	icons := Check{ID: IDIcons, Title: titleIcons}
	if env.Desktop == nil {
		const why = "not checked: only on Linux desktops"
		return []Check{skipped(host.ID, host.Title, why), skipped(notes.ID, notes.Title, why), skipped(icons.ID, icons.Title, why)}
	}

	hctx, cancel := context.WithTimeout(ctx, env.NetWait)
	has, err := env.Desktop.TrayHost(hctx)
	cancel()
	switch {
	case err != nil:
		host.Status = Fail
		host.Found = "the D-Bus session bus does not answer: " + because(err)
		host.Fix = "Run Pieces Tray in a desktop session (DBUS_SESSION_BUS_ADDRESS names its bus)"
	case !has:
		host.Status = Fail
		host.Found = "no tray host runs (nothing owns " + watcherName + "), so the icon cannot show"
		host.Fix = "On GNOME, install the AppIndicator and KStatusNotifierItem Support extension; elsewhere add a system tray to the panel"
	default:
		host.Status = OK
		host.Found = "a tray host runs (" + watcherName + ")"
	}

	nctx, cancel := context.WithTimeout(ctx, env.NetWait)
	name, version, err := env.Desktop.NotificationServer(nctx)
	cancel()
	if err != nil {
		notes.Status = Warn
		notes.Found = "no notification server answers, so profile changes are not announced"
		notes.Fix = "Start your desktop's notification service (or dunst, mako), or turn notifications off: PIECES_TRAY_NOTIFICATIONS=off"
	} else {
		notes.Status = OK
		notes.Found = "a notification server answers"
		if who := strings.TrimSpace(app.Clean(name) + " " + app.Clean(version)); who != "" {
			notes.Found = who + " answers"
		}
	}

	icons.Status = OK
	light := tray.PanelIsLight(env.Getenv)
	icons.Found = "for a dark panel"
	if light {
		icons.Found = "for a light panel"
	}
	switch strings.ToLower(strings.TrimSpace(env.Getenv(tray.IconsEnv))) {
	case "light", "dark":
		icons.Found += " (" + tray.IconsEnv + " chooses)"
	default:
		icons.Found += " (from the desktop's colour scheme; " + tray.IconsEnv + "=light or dark chooses)"
	}
	return []Check{host, notes, icons}
}
