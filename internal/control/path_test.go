package control

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestSocketPathFor(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	tmp := func() string { return "/tmp" }
	cache := func() (string, error) { return "/Users/ada/Library/Caches", nil }
	noCache := func() (string, error) { return "", errors.New("no home") }
	tests := []struct {
		name   string
		goos   string
		getenv func(string) string
		cache  func() (string, error)
		want   string // "" = error
	}{
		{"linux xdg", "linux", env("XDG_RUNTIME_DIR", "/run/user/1000"), cache, filepath.Join("/run/user/1000", "pieces-tray", "control.sock")},
		{"linux no xdg", "linux", env(), cache, filepath.Join("/tmp", "pieces-tray-1000", "control.sock")},
		{"linux relative xdg", "linux", env("XDG_RUNTIME_DIR", "run"), cache, filepath.Join("/tmp", "pieces-tray-1000", "control.sock")},
		{"freebsd xdg", "freebsd", env("XDG_RUNTIME_DIR", "/var/run/user/1000"), cache, filepath.Join("/var/run/user/1000", "pieces-tray", "control.sock")},
		{"macos", "darwin", env("XDG_RUNTIME_DIR", "/ignored"), cache, filepath.Join("/Users/ada/Library/Caches", "pieces-tray", "control.sock")},
		{"macos no home", "darwin", env(), noCache, ""},
		{"windows", "windows", env(), func() (string, error) { return `C:\Users\ada\AppData\Local`, nil }, filepath.Join(`C:\Users\ada\AppData\Local`, "pieces-tray", "control.sock")},
		{"windows no localappdata", "windows", env(), noCache, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if runtime.GOOS == "windows" && tt.goos != "windows" {
				t.Skip("a Unix path such as /run/user/1000 is not absolute on Windows, so its cases run elsewhere")
			}
			got, err := socketPathFor(tt.goos, tt.getenv, 1000, tmp, tt.cache)
			if tt.want == "" {
				if err == nil {
					t.Errorf("socketPathFor(%q) = %q; want an error", tt.goos, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("socketPathFor(%q) = %q, %v; want %q", tt.goos, got, err, tt.want)
			}
		})
	}
}

func TestDefaultSocketPath(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("exercises the XDG_RUNTIME_DIR layout of Linux")
	}
	dir, err := os.MkdirTemp("", "pt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	t.Setenv("XDG_RUNTIME_DIR", dir)
	got, err := DefaultSocketPath()
	want := filepath.Join(dir, "pieces-tray", "control.sock")
	if err != nil || got != want {
		t.Fatalf("DefaultSocketPath() = %q, %v; want %q", got, err, want)
	}
	fi, err := os.Stat(filepath.Dir(got))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("socket directory mode = %v; want 0700", fi.Mode().Perm())
	}
}
