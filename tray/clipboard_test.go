package tray

import (
	"errors"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// standIns puts shell scripts called names, with body, alone on PATH.
func standIns(t *testing.T, body string, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range names {
		script(t, dir, name, body)
	}
	t.Setenv("PATH", dir)
	t.Setenv("WAYLAND_DISPLAY", "")
	return dir
}

func TestCopyText(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the stand-in commands are for Linux")
	}
	cat, err := exec.LookPath("cat")
	if err != nil {
		t.Skip("no cat command")
	}
	out := filepath.Join(t.TempDir(), "out")
	standIns(t, `{ echo "args: $*"; `+cat+`; echo; } > "`+out+`"`, "xclip")
	if err := CopyText("https://auth.example/authorize?state=x"); err != nil {
		t.Fatalf("Copy: %v", err)
	}
	want := "args: -selection clipboard -in\nhttps://auth.example/authorize?state=x\n"
	if got := readFile(t, out); got != want {
		t.Errorf("xclip got %q; want %q", got, want)
	}
}

// TestCopyTextDoesNotWaitForTheServingChild copies with a stand-in
// that, like xclip, leaves a child holding its output open: Copy returns
// when the command exits, not when the child does.
func TestCopyTextDoesNotWaitForTheServingChild(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the stand-in commands are for Linux")
	}
	cat, err1 := exec.LookPath("cat")
	sleep, err2 := exec.LookPath("sleep")
	if err1 != nil || err2 != nil {
		t.Skip("no cat or sleep command")
	}
	dir := standIns(t, cat+` > /dev/null; `+sleep+` 30 & exit 0`, "xclip")
	start := time.Now()
	if err := CopyText("https://auth.example/x"); err != nil {
		t.Fatalf("Copy: %v", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("Copy returned after %v: it waited for the child serving the selection", d)
	}
	// A failing command is still reported.
	script(t, dir, "xclip", `exit 3`)
	if err := CopyText("x"); err == nil {
		t.Error("Copy with a failing command = nil; want an error")
	}
}

func TestCopyTextChoice(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux commands")
	}
	tests := []struct {
		name      string
		wayland   string
		installed []string
		want      string
		err       error
	}{
		{"wayland", "wayland-0", []string{"wl-copy", "xclip"}, "wl-copy", nil},
		{"x11 with wl-copy installed", "", []string{"wl-copy", "xclip"}, "xclip", nil},
		{"xsel only", "wayland-0", []string{"xsel"}, "xsel", nil},
		{"nothing", "", nil, "", ErrNoClipboard},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			standIns(t, "exit 0", tt.installed...)
			t.Setenv("WAYLAND_DISPLAY", tt.wayland)
			argv, err := clipboardCommand()
			if !errors.Is(err, tt.err) {
				t.Fatalf("clipboardCommand() error = %v; want %v", err, tt.err)
			}
			if err == nil && argv[0] != tt.want {
				t.Errorf("clipboardCommand() = %q; want %s first", argv, tt.want)
			}
		})
	}
}
