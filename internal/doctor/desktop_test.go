package doctor

import (
	"context"
	"runtime"
	"testing"
	"time"

	"piecestray/internal/desktoptest"
)

// TestSessionBus asks a private session bus what the desktop checks ask: a
// tray host and a notification server, first absent, then present.
func TestSessionBus(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the desktop checks ask a D-Bus session bus (Linux)")
	}
	desktoptest.Require(t)
	desktoptest.StartBus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var bus SessionBus

	if has, err := bus.TrayHost(ctx); err != nil || has {
		t.Errorf("TrayHost() on a bare bus = %v, %v; want false, nil", has, err)
	}
	if _, _, err := bus.NotificationServer(ctx); err == nil {
		t.Error("NotificationServer() on a bare bus = nil error; want one")
	}

	w, err := desktoptest.StartWatcher()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	n, err := desktoptest.StartNotificationServer()
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	if has, err := bus.TrayHost(ctx); err != nil || !has {
		t.Errorf("TrayHost() with a watcher = %v, %v; want true, nil", has, err)
	}
	if name, version, err := bus.NotificationServer(ctx); err != nil || name != "desktoptest" || version != "1.0" {
		t.Errorf("NotificationServer() = %q, %q, %v; want desktoptest 1.0", name, version, err)
	}
}

// TestSessionBusMissing: without a session bus the tray host check fails
// with the reason, instead of hanging.
func TestSessionBusMissing(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/pieces-tray-test-bus")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := (SessionBus{}).TrayHost(ctx); err == nil {
		t.Error("TrayHost() without a bus = nil error; want one")
	}
}
