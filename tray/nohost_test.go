//go:build !darwin && !windows

package tray

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"piecestray/app"
	"piecestray/internal/desktoptest"
)

// noHostChildEnv marks the process in which TestRunWithoutTrayHost runs the
// tray.
const noHostChildEnv = "PIECES_TRAY_TEST_NO_HOST_CHILD"

// TestRunWithoutTrayHost runs the real tray on a session bus where no tray
// host runs, in a process of its own (fyne.io/systray runs once per
// process): its stderr says so in Pieces Tray's words, not in the
// library's, and the account window is opened with the reason.
func TestRunWithoutTrayHost(t *testing.T) {
	if os.Getenv(noHostChildEnv) == "1" {
		runWithoutTrayHost(t)
		return
	}
	desktoptest.Require(t)
	desktoptest.StartBus(t) // and no watcher on it
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunWithoutTrayHost$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), noHostChildEnv+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("the tray process failed: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	got := stderr.String()
	if !strings.HasPrefix(got, "pieces-tray: No tray is running on this desktop") || !strings.Contains(got, "AppIndicator") {
		t.Errorf("stderr = %q; want Pieces Tray's sentence about the missing tray", got)
	}
	if strings.Contains(got, "systray") || strings.Contains(got, "StatusNotifierWatcher") {
		t.Errorf("stderr = %q; want no line of the library's", got)
	}
}

// runWithoutTrayHost is the child's side: Run until it opens a window.
func runWithoutTrayHost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	core := newFakeCore()
	core.states <- live(app.State{Phase: app.PhaseSignedOut})
	windows := newRecorder(nil)
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Config{Core: core, Windows: windows, HostGrace: 200 * time.Millisecond}) }()
	got := wait(t, windows.seen, "a window")
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if want := "window account because " + ReasonNoTrayHost; got != want {
		t.Errorf("without a tray host the tray did %q; want %q", got, want)
	}
}
