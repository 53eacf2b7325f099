package desktoptest

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

// The StatusNotifierWatcher protocol.
const (
	WatcherName  = "org.kde.StatusNotifierWatcher"
	WatcherPath  = dbus.ObjectPath("/StatusNotifierWatcher")
	watcherIface = "org.kde.StatusNotifierWatcher"
)

// Registration is one RegisterStatusNotifierItem call.
type Registration struct {
	Sender  string // unique bus name of the caller, e.g. ":1.7"
	Service string // the argument: an object path or a bus name
	At      time.Time
}

// Path is the item's object path: the argument when it is a path, else the
// standard /StatusNotifierItem.
func (r Registration) Path() dbus.ObjectPath {
	if strings.HasPrefix(r.Service, "/") {
		return dbus.ObjectPath(r.Service)
	}
	return "/StatusNotifierItem"
}

// Watcher is a StatusNotifierWatcher on its own connection. It records every
// registration, also across Stop and Start. It serves what pieces-tray and
// its tests use: RegisterStatusNotifierItem and the
// RegisteredStatusNotifierItems property.
type Watcher struct {
	regs record[Registration]

	mu    sync.Mutex // guards the fields below
	conn  *dbus.Conn // nil while stopped
	props *prop.Properties
}

// StartWatcher starts a watcher on the session bus; Stop it when done.
func StartWatcher() (*Watcher, error) {
	w := &Watcher{}
	if err := w.Start(); err != nil {
		return nil, err
	}
	return w, nil
}

// register is RegisterStatusNotifierItem: it records the caller. The
// sender comes from the message (godbus fills a first parameter of type
// dbus.Sender).
func (w *Watcher) register(sender dbus.Sender, service string) *dbus.Error {
	regs := w.regs.add(Registration{Sender: string(sender), Service: service, At: time.Now()})
	w.mu.Lock()
	props := w.props
	w.mu.Unlock()
	if props != nil {
		props.SetMust(watcherIface, "RegisteredStatusNotifierItems", itemNames(regs))
	}
	return nil
}

// itemNames is the RegisteredStatusNotifierItems property for regs.
func itemNames(regs []Registration) []string {
	items := []string{}
	for _, r := range regs {
		items = append(items, r.Sender+r.Service)
	}
	return items
}

// Start (re)starts a stopped watcher on a new connection. It fails while
// the watcher (or any other) runs: the name is owned.
func (w *Watcher) Start() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	var props *prop.Properties
	conn, err := serve(WatcherName, watcherIface, WatcherPath, map[string]any{"RegisterStatusNotifierItem": w.register},
		func(conn *dbus.Conn) (err error) {
			props, err = prop.Export(conn, WatcherPath, map[string]map[string]*prop.Prop{watcherIface: {
				"RegisteredStatusNotifierItems": {Value: itemNames(w.regs.all()), Emit: prop.EmitTrue},
			}})
			return err
		})
	if err != nil {
		return err
	}
	w.conn, w.props = conn, props
	return nil
}

// Stop releases the name and closes the connection, as a panel that exits.
func (w *Watcher) Stop() error {
	w.mu.Lock()
	conn := w.conn
	w.conn, w.props = nil, nil
	w.mu.Unlock()
	if conn == nil {
		return nil
	}
	conn.ReleaseName(WatcherName) //nolint:errcheck // closing releases it anyway
	return conn.Close()
}

// Restart stops the watcher and starts it again.
func (w *Watcher) Restart() error {
	if err := w.Stop(); err != nil {
		return err
	}
	return w.Start()
}

// Registrations returns every registration so far, oldest first.
func (w *Watcher) Registrations() []Registration { return w.regs.all() }

// WaitRegistrations waits until there have been at least n registrations
// and returns them.
func (w *Watcher) WaitRegistrations(ctx context.Context, n int) ([]Registration, error) {
	return w.regs.wait(ctx, n, "registration")
}
