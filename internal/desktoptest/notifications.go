package desktoptest

import (
	"context"
	"sync"

	"github.com/godbus/dbus/v5"
)

// The Desktop Notifications service.
const (
	NotificationsName = "org.freedesktop.Notifications"
	notificationsPath = dbus.ObjectPath("/org/freedesktop/Notifications")
)

// Notification is one recorded Notify call.
type Notification struct {
	AppName    string
	ReplacesID uint32 // as sent
	ID         uint32 // as answered: ReplacesID when it named a shown notification
	Summary    string
	Body       string
	Hints      map[string]dbus.Variant
	Timeout    int32 // expire_timeout in ms: -1 server default, 0 never
}

// NotificationServer owns org.freedesktop.Notifications on its own
// connection and records every Notify.
type NotificationServer struct {
	conn *dbus.Conn
	caps []string // what GetCapabilities answers

	calls record[Notification]

	mu     sync.Mutex // guards lastID, and orders the calls as their ids
	lastID uint32
}

// StartNotificationServer starts a notification server on the session bus
// that supports what a plain one does (body, actions, icon-static). Stop it
// when done.
func StartNotificationServer() (*NotificationServer, error) {
	return StartNotificationServerWith("body", "actions", "icon-static")
}

// StartNotificationServerWith starts a notification server that answers
// caps to GetCapabilities (for instance with "body-markup", as GNOME's and
// KDE's do).
func StartNotificationServerWith(caps ...string) (*NotificationServer, error) {
	s := &NotificationServer{caps: caps}
	var err error
	s.conn, err = serve(NotificationsName, NotificationsName, notificationsPath, map[string]any{
		"Notify":          s.notify,
		"GetCapabilities": func() ([]string, *dbus.Error) { return s.caps, nil },
		"GetServerInformation": func() (string, string, string, string, *dbus.Error) {
			return "desktoptest", "pieces-tray", "1.0", "1.2", nil
		},
	}, nil)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// notify is Notify: it records a notification and answers its id.
func (s *NotificationServer) notify(appName string, replacesID uint32, appIcon, summary, body string,
	actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := replacesID
	if id == 0 || id > s.lastID {
		s.lastID++
		id = s.lastID
	}
	s.calls.add(Notification{AppName: appName, ReplacesID: replacesID, ID: id,
		Summary: summary, Body: body, Hints: hints, Timeout: timeout})
	return id, nil
}

// Notifications returns every Notify so far, oldest first.
func (s *NotificationServer) Notifications() []Notification { return s.calls.all() }

// Wait waits until there have been at least n notifications and returns
// them.
func (s *NotificationServer) Wait(ctx context.Context, n int) ([]Notification, error) {
	return s.calls.wait(ctx, n, "notification")
}

// Stop releases the name and closes the connection.
func (s *NotificationServer) Stop() error {
	s.conn.ReleaseName(NotificationsName) //nolint:errcheck // closing releases it anyway
	return s.conn.Close()
}
