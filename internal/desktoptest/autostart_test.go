package desktoptest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStartAtLoginStartsTheTray is a login, simulated: an installed
// pieces-tray turns start at login on (`pieces-tray autostart on`, what
// the menu item does), then the session starts the XDG autostart entry the
// way GNOME's and other sessions do (GLib's launcher, `gio launch`), and
// the tray agent must come up: its control socket answers
// `pieces-tray status`.
func TestStartAtLoginStartsTheTray(t *testing.T) {
	Require(t)
	if testing.Short() {
		t.Skip("builds and runs the agent binary")
	}
	gio, err := exec.LookPath("gio")
	if err != nil {
		t.Fatal("gio is not installed (make deps installs libglib2.0-bin)")
	}
	StartBus(t)
	bin := filepath.Join(binaries(t), "piecestray")
	home := t.TempDir()
	// "make install": the binary in a bin directory of the person's own.
	installed := filepath.Join(home, "local", "bin", "pieces-tray")
	if err := os.MkdirAll(filepath.Dir(installed), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(bin)
	if err == nil {
		err = os.WriteFile(installed, b, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	socket := filepath.Join(home, "run", "pieces-tray", "control.sock")
	env := append(os.Environ(),
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_STATE_HOME="+filepath.Join(home, "state"),
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"),
		"PIECES_TRAY_SOCKET="+socket,
		"PIECES_TRAY_KEYRING_SERVICE=pieces-tray-autostart-test",
		"PIECES_OS_URL=http://127.0.0.1:1", // no Pieces OS: the agent still starts
		"PIECES_TRAY_NOTIFICATIONS=off",
	)
	run := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	if out := run(installed, "autostart", "on"); !strings.Contains(out, installed) {
		t.Fatalf("autostart on said %q; want it to name %s", out, installed)
	}
	entry := filepath.Join(home, "config", "autostart", "app.pieces.tray.desktop")
	// The login. Not run(): the agent gio starts would hold its output
	// pipes open, and waiting for them would wait for the agent.
	login := exec.Command(gio, "launch", entry)
	login.Env = env
	if err := login.Run(); err != nil {
		t.Fatalf("gio launch %s: %v", entry, err)
	}
	t.Cleanup(func() {
		// Quit the agent the login started, and wait for it.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		exec.CommandContext(ctx, "pkill", "-f", installed).Run() //nolint:errcheck // it may have quit
		for ctx.Err() == nil && exec.Command("pgrep", "-f", installed).Run() == nil {
			time.Sleep(50 * time.Millisecond)
		}
	})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		cmd := exec.Command(installed, "status", "--socket", socket, "--json")
		cmd.Env = env
		out, _ := cmd.Output()
		// From the agent, the state says where Pieces OS was looked for
		// and that nothing answered; without an agent status asks Pieces
		// OS itself and the stream is "idle".
		if strings.Contains(string(out), `"state": "not_running"`) && agentAnswers(env, installed, socket) {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(home, "state", "pieces-tray", "pieces-tray.log"))
			t.Fatalf("the tray agent did not start from its autostart entry; status said %s\nlog:\n%s", out, log)
		}
	}
}

// agentAnswers reports whether an agent answers at socket: the sign-in
// command finds one (it answers without starting a sign-in when Pieces OS
// is not running) rather than saying none runs.
func agentAnswers(env []string, bin, socket string) bool {
	cmd := exec.Command(bin, "sign-in", "--socket", socket)
	cmd.Env = env
	out, _ := cmd.CombinedOutput()
	return !strings.Contains(string(out), "no Pieces Tray is running")
}
