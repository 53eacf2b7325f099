package autostart

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"piecestray/internal/winetest"
	"runtime"
	"strings"
	"testing"
	"time"
)

func tempEnv(t *testing.T, vars map[string]string) Env {
	t.Helper()
	return Env{Home: winetest.TempDir(t), Getenv: func(k string) string { return vars[k] }}
}

// Each system's entry is written, read back and removed on a temporary
// home; the macOS one is tested here too, as plain files.
func TestEntries(t *testing.T) {
	for _, exe := range []string{"/usr/local/bin/pieces-tray", `/home/ada/My Apps/pieces "tray"/$HOME\bin`} {
		for name, sys := range map[string]entrySystem{"xdg": xdg{}, "launchd": launchAgent{}} {
			t.Run(name+"/"+exe, func(t *testing.T) {
				env := tempEnv(t, nil)
				st, err := sys.get(env)
				if err != nil || st.Enabled {
					t.Fatalf("before: %+v, %v; want off", st, err)
				}
				if err := sys.enable(env, exe); err != nil {
					t.Fatal(err)
				}
				st, err = sys.get(env)
				if err != nil || !st.Enabled || st.Command != exe {
					t.Fatalf("after enable: %+v, %v; want on, starting %q", st, err, exe)
				}
				if err := sys.disable(env); err != nil {
					t.Fatal(err)
				}
				if st, err = sys.get(env); err != nil || st.Enabled {
					t.Errorf("after disable: %+v, %v; want off", st, err)
				}
				if err := sys.disable(env); err != nil {
					t.Errorf("disable when off: %v; want nil", err)
				}
			})
		}
	}
}

func TestXDGPaths(t *testing.T) {
	env := tempEnv(t, nil)
	if got, want := (xdg{}).path(env), filepath.Join(env.Home, ".config", "autostart", "app.pieces.tray.desktop"); got != want {
		t.Errorf("path = %q; want %q", got, want)
	}
	cfg := winetest.TempDir(t)
	env = tempEnv(t, map[string]string{"XDG_CONFIG_HOME": cfg})
	if got, want := (xdg{}).path(env), filepath.Join(cfg, "autostart", "app.pieces.tray.desktop"); got != want {
		t.Errorf("with XDG_CONFIG_HOME: path = %q; want %q", got, want)
	}
	env = tempEnv(t, map[string]string{"XDG_CONFIG_HOME": "relative/dir"}) // ignored, as the spec says
	if got := (xdg{}).path(env); !strings.HasPrefix(got, env.Home) {
		t.Errorf("with a relative XDG_CONFIG_HOME: path = %q; want under the home", got)
	}
	if got, want := (launchAgent{}).path(env), filepath.Join(env.Home, "Library", "LaunchAgents", "app.pieces.tray.plist"); got != want {
		t.Errorf("LaunchAgent path = %q; want %q", got, want)
	}
}

// The desktop turns an entry off with Hidden=true: then it is off.
func TestXDGHiddenIsOff(t *testing.T) {
	env := tempEnv(t, nil)
	if err := (xdg{}).enable(env, "/usr/bin/pieces-tray"); err != nil {
		t.Fatal(err)
	}
	path := (xdg{}).path(env)
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path, append(b, "Hidden=true\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if st, _ := (xdg{}).get(env); st.Enabled {
		t.Error("an entry with Hidden=true reads as on")
	}
}

// An entry is replaced whole, never written in place: an old entry that is
// a link to a file kept elsewhere (a dotfiles checkout) is left alone, and
// the new one has its own mode, 0644.
func TestEnableReplacesTheEntry(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links and file modes are Unix matters")
	}
	env := tempEnv(t, nil)
	kept := filepath.Join(env.Home, "dotfiles.desktop")
	if err := os.WriteFile(kept, []byte("[Desktop Entry]\nExec=/old/pieces-tray\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := (xdg{}).path(env)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(kept, path); err != nil {
		t.Fatal(err)
	}
	if err := (xdg{}).enable(env, "/usr/bin/pieces-tray"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(kept); !strings.Contains(string(b), "/old/pieces-tray") {
		t.Errorf("enable wrote through the link into %s:\n%s", kept, b)
	}
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o644 {
		t.Fatalf("entry after enable: %v, %v; want a regular file with mode 0644", fi.Mode(), err)
	}
	if st, _ := (xdg{}).get(env); !st.Enabled || st.Command != "/usr/bin/pieces-tray" {
		t.Errorf("after enable: %+v; want on, starting /usr/bin/pieces-tray", st)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".pieces-tray-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestEnableNeedsAnAbsolutePath(t *testing.T) {
	if err := Enable(tempEnv(t, nil), "pieces-tray"); err == nil {
		t.Error("Enable(relative path) = nil; want an error")
	}
}

func TestTemporaryBuildsAreRefused(t *testing.T) {
	tmp := filepath.Join(os.TempDir(), "go-build123", "b001", "exe", "pieces-tray")
	if !isTemporary(tmp) {
		t.Errorf("isTemporary(%q) = false", tmp)
	}
	if isTemporary("/usr/local/bin/pieces-tray") {
		t.Error("isTemporary(/usr/local/bin/pieces-tray) = true")
	}
}

// A login, simulated: every entry of $XDG_CONFIG_HOME/autostart is started
// with GLib's launcher (`gio launch`, GDesktopAppInfo, what GNOME's and
// other sessions use to run them), and the program the entry names starts,
// from a path with spaces, quotes and a dollar sign in it.
func TestLoginRunsTheEntry(t *testing.T) {
	if _, ok := system.(xdg); !ok {
		t.Skip("XDG autostart entries are what Linux and the BSDs start")
	}
	gio, err := exec.LookPath("gio")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("gio is not installed (make deps installs libglib2.0-bin)")
		}
		t.Skip("gio is not installed")
	}
	dir := filepath.Join(winetest.TempDir(t), `My "Apps" $x`)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	started := filepath.Join(winetest.TempDir(t), "started")
	exe := filepath.Join(dir, "pieces-tray")
	script := "#!/bin/sh\necho started > '" + started + "'\n"
	if err := os.WriteFile(exe, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := winetest.TempDir(t)
	env := tempEnv(t, map[string]string{"XDG_CONFIG_HOME": cfg})
	if err := (xdg{}).enable(env, exe); err != nil {
		t.Fatal(err)
	}
	entries, err := filepath.Glob(filepath.Join(cfg, "autostart", "*.desktop"))
	if err != nil || len(entries) != 1 {
		t.Fatalf("autostart entries %v, %v; want one", entries, err)
	}
	if out, err := exec.Command(gio, "launch", entries[0]).CombinedOutput(); err != nil {
		t.Fatalf("gio launch: %v\n%s", err, out)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(started); err == nil && strings.TrimSpace(string(b)) == "started" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the login did not start the program the entry names")
		}
	}
}

// The command turns the entry on and off for the person's own home.
func TestCommand(t *testing.T) {
	if _, ok := system.(xdg); !ok {
		t.Skip("the command is tested where the entry is an XDG file")
	}
	home := winetest.TempDir(t)
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	var out, errb strings.Builder
	if code := Run([]string{"status"}, &out, &errb); code != 1 || !strings.Contains(out.String(), "does not start at login") {
		t.Fatalf("status when off: %d, %q, %q", code, out.String(), errb.String())
	}
	out.Reset()
	// `go test` runs a temporary build: "on" refuses it with a sentence.
	if code := Run([]string{"on"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "make install") {
		t.Errorf("on from a temporary build: %d, %q; want 2 and how to install", code, errb.String())
	}
	env := Env{Home: home, Getenv: os.Getenv}
	if err := Enable(env, "/opt/pieces/pieces-tray"); err != nil {
		t.Fatal(err)
	}
	if !env.Enabled() {
		t.Error("Enabled() = false after Enable")
	}
	out.Reset()
	if code := Run([]string{"status"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "/opt/pieces/pieces-tray") {
		t.Errorf("status when on: %d, %q", code, out.String())
	}
	out.Reset()
	if code := Run([]string{"off"}, &out, &errb); code != 0 {
		t.Errorf("off: %d, %q", code, errb.String())
	}
	if env.Enabled() {
		t.Error("still on after off")
	}
	if code := Run([]string{"maybe"}, &out, &errb); code != 2 {
		t.Errorf("unknown word: %d; want 2", code)
	}
}

// The offer is made once: after any answer it is not made again, and it is
// not made when start at login is already on.
func TestOfferOnce(t *testing.T) {
	if _, ok := system.(xdg); !ok {
		t.Skip("tested where the entry is an XDG file (the answer writes the system's entry)")
	}
	env := tempEnv(t, nil)
	o := &Offer{Env: env, Mark: filepath.Join(winetest.TempDir(t), "pieces-tray", "offered")}
	if !o.ShouldOffer() {
		t.Fatal("ShouldOffer() = false at first")
	}
	if err := o.Answer(false); err != nil {
		t.Fatal(err)
	}
	if o.ShouldOffer() {
		t.Error("ShouldOffer() = true after the person said no")
	}
	o2 := &Offer{Env: tempEnv(t, nil), Mark: filepath.Join(winetest.TempDir(t), "offered")}
	if err := Enable(o2.Env, "/usr/bin/pieces-tray"); err != nil {
		t.Fatal(err)
	}
	if o2.ShouldOffer() {
		t.Error("ShouldOffer() = true while start at login is on")
	}
	// From a temporary build, yes fails with how to install, and the offer
	// is still remembered.
	o3 := &Offer{Env: tempEnv(t, nil), Mark: filepath.Join(winetest.TempDir(t), "offered")}
	if err := o3.Answer(true); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("Answer(yes) from a test binary = %v; want ErrNotInstalled", err)
	}
	if o3.ShouldOffer() {
		t.Error("offered again after a failed yes")
	}
}
