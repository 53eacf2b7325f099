package tray

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"piecestray/internal/control"
	"piecestray/internal/winetest"
)

func TestLauncherStartsOneProcessPerWindow(t *testing.T) {
	dir := winetest.TempDir(t)
	log := filepath.Join(dir, "log")
	release := filepath.Join(dir, "release")
	l := NewLauncher(standIn(t, log, release), &fakeRegistry{}, nil)
	for i := 0; i < 3; i++ {
		if err := l.ShowWindow("account"); err != nil {
			t.Fatalf("ShowWindow(%q): %v", "account", err)
		}
	}
	if err := l.ShowWindow("vanity"); err != nil {
		t.Fatalf("ShowWindow(%q): %v", "vanity", err)
	}
	waitLines(t, log, 2)
	if !running(l, "account") {
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
	if running(l, "account") {
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

// fakeRegistry stands for the control server: registered windows are
// raised and closed through it.
type fakeRegistry struct {
	mu         sync.Mutex
	registered map[string]bool
	raised     []string
	closed     []string
	tokens     []string
	onClose    func(window string) // called by CloseWindow for a registered window
}

func (r *fakeRegistry) Raise(window string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.raised = append(r.raised, window)
	return r.registered[window]
}

func (r *fakeRegistry) CloseWindow(window string) bool {
	r.mu.Lock()
	ok := r.registered[window]
	r.closed = append(r.closed, window)
	r.mu.Unlock()
	if ok && r.onClose != nil {
		r.onClose(window)
	}
	return ok
}

func (r *fakeRegistry) WindowToken(window string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	tok := fmt.Sprintf("token-%d-%s", len(r.tokens)+1, window)
	r.tokens = append(r.tokens, tok)
	return tok
}

func TestLauncherRaisesFirst(t *testing.T) {
	log := filepath.Join(winetest.TempDir(t), "log")
	reg := &fakeRegistry{registered: map[string]bool{"beta": true}}
	l := NewLauncher(standIn(t, log, ""), reg, nil)
	if err := l.ShowWindow("beta"); err != nil {
		t.Fatalf("ShowWindow(%q): %v", "beta", err)
	}
	l.Wait()
	if _, err := os.Stat(log); err == nil {
		t.Errorf("a process started although raise brought the window forward")
	}
	if err := l.ShowWindow("signout"); err != nil {
		t.Fatalf("ShowWindow(%q): %v", "signout", err)
	}
	l.Wait()
	if got := strings.TrimSpace(readFile(t, log)); got != "window signout" {
		t.Errorf("started %q; want %q", got, "window signout")
	}
	if want := []string{"beta", "signout"}; !reflect.DeepEqual(reg.raised, want) {
		t.Errorf("raise asked for %q; want %q", reg.raised, want)
	}
}

// TestLauncherGivesEachStartAToken checks that a started window finds a
// fresh registration token in its environment, and nothing else does.
func TestLauncherGivesEachStartAToken(t *testing.T) {
	t.Setenv(control.WindowTokenEnv, "the agent's own")
	log := filepath.Join(winetest.TempDir(t), "log")
	reg := &fakeRegistry{}
	l := NewLauncher(standIn(t, log, "", control.WindowTokenEnv), reg, nil)
	for _, name := range []string{"account", "account", "vanity"} {
		if err := l.ShowWindow(name); err != nil {
			t.Fatalf("ShowWindow(%q): %v", name, err)
		}
		l.Wait()
	}
	got := strings.Split(strings.TrimSpace(readFile(t, log)), "\n")
	want := []string{"window account [token-1-account]", "window account [token-2-account]", "window vanity [token-3-vanity]"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("windows started with %q; want %q", got, want)
	}
}

// TestLauncherTellsWhy checks that a window the agent opens by itself finds
// the reason in its environment, and one the person asked for finds none,
// even when the agent's own environment has one.
func TestLauncherTellsWhy(t *testing.T) {
	t.Setenv(WindowReasonEnv, "inherited")
	log := filepath.Join(winetest.TempDir(t), "log")
	l := NewLauncher(standIn(t, log, "", WindowReasonEnv), &fakeRegistry{}, nil)
	if err := l.ShowWindowBecause("account", ReasonNoTrayHost); err != nil {
		t.Fatalf("ShowWindowBecause: %v", err)
	}
	l.Wait()
	if err := l.ShowWindow("vanity"); err != nil {
		t.Fatalf("ShowWindow: %v", err)
	}
	l.Wait()
	got := strings.Split(strings.TrimSpace(readFile(t, log)), "\n")
	want := []string{"window account [no-tray-host]", "window vanity []"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("windows started with %q; want %q", got, want)
	}
}

func TestLauncherErrors(t *testing.T) {
	l := NewLauncher(filepath.Join(winetest.TempDir(t), "missing"), &fakeRegistry{}, nil)
	if err := l.ShowWindow("nonsense"); err == nil {
		t.Errorf("ShowWindow(%q) = nil; want an error", "nonsense")
	}
	if err := l.ShowWindow("account"); err == nil {
		t.Errorf("ShowWindow(%q) with a missing executable = nil; want an error", "account")
	}
	if running(l, "account") {
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
	l := NewLauncher(exe, &fakeRegistry{}, nil)
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
		if running(l, name) {
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
	NewLauncher(exe, &fakeRegistry{}, nil).CloseWindows(time.Minute)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("CloseWindows with no windows took %v", d)
	}
}

// TestLauncherClosesRegisteredWindows checks that a window registered on the
// control socket is asked to close there, not by signal.
func TestLauncherClosesRegisteredWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses a shell script as the window process")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	// A window exits when its close file appears (the close event) and
	// logs a signal.
	exe := script(t, dir, "pieces-tray", `trap 'echo "signalled $2" >> "`+log+`"; exit 0' TERM
echo "started $2" >> "`+log+`"
while [ ! -e "`+dir+`/close-$2" ]; do sleep 0.02; done
echo "closed $2" >> "`+log+`"`)
	reg := &fakeRegistry{registered: map[string]bool{}, onClose: func(window string) {
		if err := os.WriteFile(filepath.Join(dir, "close-"+window), nil, 0o644); err != nil {
			t.Error(err)
		}
	}}
	l := NewLauncher(exe, reg, nil)
	for _, name := range []string{"account", "vanity"} {
		if err := l.ShowWindow(name); err != nil {
			t.Fatalf("ShowWindow(%q): %v", name, err)
		}
	}
	waitLines(t, log, 2)
	reg.mu.Lock()
	reg.registered["account"] = true // vanity has not registered (yet)
	reg.mu.Unlock()
	l.CloseWindows(time.Minute)
	got := readFile(t, log)
	for _, want := range []string{"closed account", "signalled vanity"} {
		if !strings.Contains(got, want) {
			t.Errorf("window log %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "signalled account") {
		t.Errorf("window log %q: the registered account window was signalled", got)
	}
}

// running reports whether l has a window process called name running.
func running(l *Launcher, name string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.running[name]
	return ok
}
