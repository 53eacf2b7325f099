package windowcmd

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"piecestray/internal/desktoptest"
)

// TestWindowCentred runs `pieces-tray window vanity` with no agent under
// Xvfb and checks that the window it shows (through show, as every window
// of the process) appears in the middle of the screen, not in a corner.
func TestWindowCentred(t *testing.T) {
	desktoptest.Require(t)
	if testing.Short() {
		t.Skip("builds and runs the pieces-tray binary")
	}
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Fatalf("xdotool is missing (make deps installs it): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin := t.TempDir()
	build := exec.CommandContext(ctx, "go", "build", "-o", bin+string(os.PathSeparator), "piecestray")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	home := t.TempDir()
	for _, d := range []string{"config", "cache"} {
		if err := os.MkdirAll(filepath.Join(home, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	p := startWindow(ctx, t, filepath.Join(bin, "piecestray"), "vanity", append(os.Environ(),
		"PIECES_TRAY_SOCKET="+filepath.Join(home, "nobody.sock"), "FYNE_SCALE=1",
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_CACHE_HOME="+filepath.Join(home, "cache")))
	id, _ := waitMapped(ctx, t, "Pieces Tray", p.started)

	screen := xdotoolNumbers(ctx, t, "getdisplaygeometry")
	win := xdotoolNumbers(ctx, t, "getwindowgeometry", "--shell", id)
	x, y, w, h := win["X"], win["Y"], win["WIDTH"], win["HEIGHT"]
	wantX, wantY := (screen["WIDTH"]-w)/2, (screen["HEIGHT"]-h)/2
	if abs(x-wantX) > 2 || abs(y-wantY) > 2 {
		t.Errorf("a %dx%d window at %d,%d on a %dx%d screen; want it centred at %d,%d",
			w, h, x, y, screen["WIDTH"], screen["HEIGHT"], wantX, wantY)
	}

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 15*time.Second); code != ExitUnavailable {
		t.Errorf("window process without an agent exited %d; want %d", code, ExitUnavailable)
	}
}

// xdotoolNumbers runs xdotool with args and reads its answer: KEY=N lines
// (--shell), or "WIDTH HEIGHT" (getdisplaygeometry).
func xdotoolNumbers(ctx context.Context, t *testing.T, args ...string) map[string]int {
	t.Helper()
	out, err := exec.CommandContext(ctx, "xdotool", args...).Output()
	if err != nil {
		t.Fatalf("xdotool %s: %v", strings.Join(args, " "), err)
	}
	nums := map[string]int{}
	fields := strings.Fields(string(out))
	if args[0] == "getdisplaygeometry" && len(fields) == 2 {
		fields = []string{"WIDTH=" + fields[0], "HEIGHT=" + fields[1]}
	}
	for _, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if n, err := strconv.Atoi(v); ok && err == nil {
			nums[k] = n
		}
	}
	if len(nums) < 2 {
		t.Fatalf("xdotool %s said %q", strings.Join(args, " "), out)
	}
	return nums
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
