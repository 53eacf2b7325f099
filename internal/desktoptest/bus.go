package desktoptest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		lines <- strings.TrimSpace(line)
	}()
	var addr string
	select {
	case addr = <-lines:
	case <-time.After(10 * time.Second):
		t.Fatal("desktoptest: dbus-daemon printed no address")
	}
	if addr == "" {
		t.Fatal("desktoptest: dbus-daemon printed no address")
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	return addr
}

// Connect opens a private connection to the session bus named by
// DBUS_SESSION_BUS_ADDRESS, closed at t's cleanup.
func Connect(t testing.TB) *dbus.Conn {
	t.Helper()
	conn, err := connect()
	if err != nil {
		t.Fatalf("desktoptest: connect to the session bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// connect opens a private connection to the session bus.
func connect() (*dbus.Conn, error) { return dbus.ConnectSessionBus() }

// own exports nothing itself: the caller has exported its objects. It
// requests name for conn and fails unless conn became the primary owner.
func own(conn *dbus.Conn, name string) error {
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil {
		return fmt.Errorf("desktoptest: request %s: %w", name, err)
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		return fmt.Errorf("desktoptest: %s is already owned on this bus", name)
	}
	return nil
}
