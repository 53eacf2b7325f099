package desktoptest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"
)

// Require skips t unless it runs inside the desktop session
// (PIECES_TRAY_DESKTOP=1, set by scripts/desktop-session.sh). Under CI=true
// it fails instead of skipping, so that CI cannot pass by skipping.
func Require(t testing.TB) {
	t.Helper()
	if os.Getenv("PIECES_TRAY_DESKTOP") == "1" {
		return
	}
	const why = "needs the desktop session: run under scripts/desktop-session.sh (PIECES_TRAY_DESKTOP=1)"
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// busConfig is a session bus with no service activation: nothing starts
// behind the test's back, and anyone may own any name.
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// StartBus starts a private D-Bus session bus for t, sets
// DBUS_SESSION_BUS_ADDRESS to it for the rest of the test (so
// dbus.SessionBus and child processes use it), and stops it at cleanup.
// It returns the bus address.
func StartBus(t testing.TB) string {
	t.Helper()
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Fatalf("desktoptest: dbus-daemon is not installed: %v", err)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(busConfig, filepath.Join(dir, "bus"))), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(daemon, "--config-file="+conf, "--nofork", "--nopidfile", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("desktoptest: start dbus-daemon: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill() //nolint:errcheck // it may have exited
		cmd.Wait()         //nolint:errcheck // killed
	})
	// It prints its address once it listens, or exits (EOF) when it cannot.
	line, err := bufio.NewReader(out).ReadString('\n')
	addr := strings.TrimSpace(line)
	if addr == "" {
		t.Fatalf("desktoptest: dbus-daemon printed no address: %v", err)
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	return addr
}

// Connect opens a private connection to the session bus named by
// DBUS_SESSION_BUS_ADDRESS, closed at t's cleanup.
func Connect(t testing.TB) *dbus.Conn {
	t.Helper()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatalf("desktoptest: connect to the session bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// serve puts methods (D-Bus member name → func) at path under iface on a
// new connection to the session bus, runs more (further exports; may be
// nil), and only then requests name, so that a client reacting to the name
// finds everything. It fails unless the connection became the primary
// owner of name.
func serve(name, iface string, path dbus.ObjectPath, methods map[string]any, more func(*dbus.Conn) error) (*dbus.Conn, error) {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return nil, fmt.Errorf("desktoptest: %s: %w", name, err)
	}
	err = conn.ExportMethodTable(methods, path, iface)
	if err == nil && more != nil {
		err = more(conn)
	}
	reply := dbus.RequestNameReplyPrimaryOwner
	if err == nil {
		reply, err = conn.RequestName(name, dbus.NameFlagDoNotQueue)
	}
	if err == nil && reply != dbus.RequestNameReplyPrimaryOwner {
		err = errors.New("already owned on this bus")
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("desktoptest: %s: %w", name, err)
	}
	return conn, nil
}

// record is a list that only grows (registrations, notifications), with a
// wait for its length. Its zero value is empty.
type record[T any] struct {
	mu      sync.Mutex
	items   []T
	changed chan struct{} // closed and dropped on every add; nil: none made yet
}

// changedLocked returns the channel the next add closes.
func (r *record[T]) changedLocked() chan struct{} {
	if r.changed == nil {
		r.changed = make(chan struct{})
	}
	return r.changed
}

// add appends x and returns every item so far.
func (r *record[T]) add(x T) []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.items = append(r.items, x)
	close(r.changedLocked())
	r.changed = nil
	return slices.Clone(r.items)
}

// all returns every item so far, oldest first.
func (r *record[T]) all() []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.items)
}

// wait waits until there are at least n items and returns them; what names
// an item in the error.
func (r *record[T]) wait(ctx context.Context, n int, what string) ([]T, error) {
	for {
		r.mu.Lock()
		items, changed := slices.Clone(r.items), r.changedLocked()
		r.mu.Unlock()
		if len(items) >= n {
			return items, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return r.all(), fmt.Errorf("desktoptest: waiting for %s %d: %w", what, n, ctx.Err())
		}
	}
}
