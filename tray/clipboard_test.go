package tray

import (
	"errors"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestCommandClipboard(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the stand-in commands are for Linux")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	script(t, dir, "xclip", `{ echo "args: $*"; cat; echo; } > "`+out+`"`)
	look := func(name string) (string, error) {
		if name == "xclip" {
			return filepath.Join(dir, "xclip"), nil
		}
		return "", exec.ErrNotFound
	}
	c := CommandClipboard{Getenv: func(string) string { return "" }, LookPath: look}
	if err := c.Copy("https://auth.example/authorize?state=x"); err != nil {
		t.Fatalf("Copy: %v", err)
	}
	want := "args: -selection clipboard -in\nhttps://auth.example/authorize?state=x\n"
	if got := readFile(t, out); got != want {
		t.Errorf("xclip got %q; want %q", got, want)
	}
}

// TestCommandClipboardDoesNotWaitForTheServingChild copies with a stand-in
// that, like xclip, leaves a child holding its output open: Copy returns
// when the command exits, not when the child does.
func TestCommandClipboardDoesNotWaitForTheServingChild(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the stand-in commands are for Linux")
	}
	dir := t.TempDir()
	script(t, dir, "xclip", `cat > /dev/null; sleep 30 & exit 0`)
	c := CommandClipboard{Getenv: func(string) string { return "" }, LookPath: func(name string) (string, error) {
		return filepath.Join(dir, name), nil
	}}
	start := time.Now()
	if err := c.Copy("https://auth.example/x"); err != nil {
		t.Fatalf("Copy: %v", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("Copy returned after %v: it waited for the child serving the selection", d)
	}
	// A failing command is still reported.
	script(t, dir, "xclip", `cat > /dev/null; exit 3`)
	if err := c.Copy("x"); err == nil {
		t.Error("Copy with a failing command = nil; want an error")
	}
}

func TestCommandClipboardChoice(t *testing.T) {
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
		{"wayland", "wayland-0", []string{"wl-copy", "xclip"}, "/bin/wl-copy", nil},
		{"x11 with wl-copy installed", "", []string{"wl-copy", "xclip"}, "/bin/xclip", nil},
		{"xsel only", "wayland-0", []string{"xsel"}, "/bin/xsel", nil},
		{"nothing", "", nil, "", ErrNoClipboard},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := CommandClipboard{
				Getenv: func(k string) string {
					if k == "WAYLAND_DISPLAY" {
						return tt.wayland
					}
					return ""
				},
				LookPath: func(name string) (string, error) {
					if contains(tt.installed, name) {
						return "/bin/" + name, nil
					}
					return "", exec.ErrNotFound
				},
			}
			argv, err := c.command()
			if !errors.Is(err, tt.err) {
				t.Fatalf("command() error = %v; want %v", err, tt.err)
			}
			if err == nil && argv[0] != tt.want {
				t.Errorf("command() = %q; want %s first", argv, tt.want)
			}
		})
	}
}
