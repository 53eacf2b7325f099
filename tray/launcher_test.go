package tray

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestLauncherStartsOneProcessPerWindow(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	release := filepath.Join(dir, "release")
	exe := script(t, dir, "pieces-tray",
		`echo "$*" >> "`+log+`"; while [ ! -e "`+release+`" ]; do sleep 0.02; done`)
	l := NewLauncher(exe, nil, nil)
	for i := 0; i < 3; i++ {
		if err := l.ShowWindow("account"); err != nil {
			t.Fatalf("ShowWindow(%q): %v", "account", err)
		}
	}
	if err := l.ShowWindow("vanity"); err != nil {
		t.Fatalf("ShowWindow(%q): %v", "vanity", err)
	}
	waitLines(t, log, 2)
	if !l.Running("account") {
		t.Errorf("Running(%q) = false while the process runs", "account")
	}
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	l.Wait()
	got := strings.Split(strings.TrimSpace(readFile(t, log)), "\n")
	if len(got) != 2 || !contains(got, "window account") || !contains(got, "window vanity") {
		t.Errorf("started %q; want one %q and one %q", got, "window account", "window vanity")
	}
	if l.Running("account") {
		t.Errorf("Running(%q) = true after the process ended", "account")
	}
	// Once the first one ended, asking again starts a new one.
	if err := l.ShowWindow("account"); err != nil {
		t.Fatalf("ShowWindow(%q): %v", "account", err)
	}
	l.Wait()
	if n := len(strings.Split(strings.TrimSpace(readFile(t, log)), "\n")); n != 3 {
		t.Errorf("%d starts after the window closed and was asked for again; want 3", n)
	}
}

func TestLauncherRaisesFirst(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	exe := script(t, dir, "pieces-tray", `echo "$*" >> "`+log+`"`)
	var asked atomic.Int32
	l := NewLauncher(exe, func(name string) bool { asked.Add(1); return name == "beta" }, nil)
	if err := l.ShowWindow("beta"); err != nil {
		t.Fatalf("ShowWindow(%q): %v", "beta", err)
	}
	l.Wait()
	if _, err := os.Stat(log); err == nil {
		t.Errorf("a process started although raise brought the window forward")
	}
	if asked.Load() != 1 {
		t.Errorf("raise called %d times; want 1", asked.Load())
	}
	if err := l.ShowWindow("signout"); err != nil {
		t.Fatalf("ShowWindow(%q): %v", "signout", err)
	}
	l.Wait()
	if got := strings.TrimSpace(readFile(t, log)); got != "window signout" {
		t.Errorf("started %q; want %q", got, "window signout")
	}
}

func TestLauncherErrors(t *testing.T) {
	l := NewLauncher(filepath.Join(t.TempDir(), "missing"), nil, nil)
	if err := l.ShowWindow("nonsense"); err == nil {
		t.Errorf("ShowWindow(%q) = nil; want an error", "nonsense")
	}
	if err := l.ShowWindow("account"); err == nil {
		t.Errorf("ShowWindow(%q) with a missing executable = nil; want an error", "account")
	}
	if l.Running("account") {
		t.Errorf("Running(%q) = true after a failed start", "account")
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func waitLines(t *testing.T, p string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(p)
		if strings.Count(string(b), "\n") >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s has fewer than %d lines: %q", p, n, b)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestLauncherClosesWindows checks that quitting closes the windows the
// agent started: asked politely first, ended after the grace period.
func TestLauncherClosesWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses a shell script as the window process")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	// The beta window ignores the request, as a hung process would.
	exe := script(t, dir, "pieces-tray", `if [ "$2" = beta ]; then trap '' TERM; else trap 'echo "closed $2" >> "`+log+`"; exit 0' TERM; fi
echo "started $2" >> "`+log+`"
while :; do sleep 0.02; done`)
	l := NewLauncher(exe, nil, nil)
	for _, name := range []string{"account", "vanity", "beta"} {
		if err := l.ShowWindow(name); err != nil {
			t.Fatalf("ShowWindow(%q): %v", name, err)
		}
	}
	waitLines(t, log, 3)
	start := time.Now()
	l.CloseWindows(500 * time.Millisecond)
	took := time.Since(start)
	for _, name := range []string{"account", "vanity", "beta"} {
		if l.Running(name) {
			t.Errorf("Running(%q) = true after CloseWindows", name)
		}
	}
	got := readFile(t, log)
	for _, want := range []string{"closed account", "closed vanity"} {
		if !strings.Contains(got, want) {
			t.Errorf("window log %q lacks %q: the window was not asked to close", got, want)
		}
	}
	if strings.Contains(got, "closed beta") {
		t.Errorf("window log %q: the beta window ignores the request", got)
	}
	if took < 500*time.Millisecond {
		t.Errorf("CloseWindows returned after %v, before the grace period, with a window still running", took)
	}
	// Nothing started: nothing to wait for.
	start = time.Now()
	NewLauncher(exe, nil, nil).CloseWindows(time.Minute)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("CloseWindows with no windows took %v", d)
	}
}
