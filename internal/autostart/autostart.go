// Package autostart turns "start Pieces Tray at login" on and off, the way
// each system expects a per-user program to start:
//
//   - Linux and the BSDs: an XDG autostart entry,
//     $XDG_CONFIG_HOME/autostart/app.pieces.tray.desktop (XDG_CONFIG_HOME
//     defaults to ~/.config), which desktop sessions run at login;
//   - macOS: a LaunchAgent, ~/Library/LaunchAgents/app.pieces.tray.plist,
//     with RunAtLoad;
//   - Windows: the value "Pieces Tray" of
//     HKCU\Software\Microsoft\Windows\CurrentVersion\Run.
//
// The entry names the installed binary by its absolute path. It is off until
// the person turns it on; Disable removes only what Enable wrote.
package autostart

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// AppID is the application id (FyneApp.toml), which names the entries.
const AppID = "app.pieces.tray"

// ErrNotInstalled is returned by Enable for a binary that would not be there
// at the next login: one built by `go run` in a temporary directory.
var ErrNotInstalled = errors.New("autostart: this pieces-tray is a temporary build; install it (make install) and turn on start at login from the installed one")

// Status says whether Pieces Tray starts at login, and what it starts.
type Status struct {
	Enabled bool
	Command string // the binary the entry starts; "" when off
	Where   string // the file or registry value that holds the entry
}

// Env is what an entry depends on: the home directory and the environment.
// Tests point it at a temporary home.
type Env struct {
	Home   string
	Getenv func(string) string
}

// SystemEnv is the Env of this process.
func SystemEnv() (Env, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return Env{}, fmt.Errorf("autostart: %w", err)
	}
	return Env{Home: home, Getenv: os.Getenv}, nil
}

// Executable returns the absolute path of the running binary with symbolic
// links resolved, or ErrNotInstalled for a temporary `go run` build.
func Executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("autostart: find own executable: %w", err)
	}
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		exe = p
	}
	if isTemporary(exe) {
		return "", ErrNotInstalled
	}
	return exe, nil
}

// isTemporary reports a binary that `go run` or `go test` built in the
// temporary directory.
func isTemporary(exe string) bool {
	tmp := filepath.Clean(os.TempDir()) + string(filepath.Separator)
	return strings.HasPrefix(exe, tmp) && strings.Contains(exe, "go-build")
}

// Enabled reports whether an entry starts Pieces Tray at login; false when
// it cannot be read. With SetEnabled it is the tray's "Start at login".
func (env Env) Enabled() bool {
	st, err := Get(env)
	return err == nil && st.Enabled
}

// SetEnabled makes this binary (an installed one) start at login, or stops
// Pieces Tray from starting at login.
func (env Env) SetEnabled(on bool) error {
	if !on {
		return Disable(env)
	}
	exe, err := Executable()
	if err != nil {
		return err
	}
	return Enable(env, exe)
}

// Enable makes exe (an absolute path) start at login.
func Enable(env Env, exe string) error {
	if !filepath.IsAbs(exe) {
		return fmt.Errorf("autostart: %q is not an absolute path", exe)
	}
	if err := system.enable(env, exe); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	return nil
}

// Disable stops Pieces Tray from starting at login. It is not an error when
// it was off.
func Disable(env Env) error {
	if err := system.disable(env); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	return nil
}

// Get says whether Pieces Tray starts at login.
func Get(env Env) (Status, error) {
	st, err := system.get(env)
	if err != nil {
		return Status{}, fmt.Errorf("autostart: %w", err)
	}
	return st, nil
}

// entrySystem writes, removes and reads one system's entry.
type entrySystem interface {
	enable(env Env, exe string) error
	disable(env Env) error
	get(env Env) (Status, error)
}

// writeFile writes b to path (mode 0644), creating its directory. It
// writes a temporary file and renames it over path, so that a session
// reading the entry, or a crash, never meets half an entry.
func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".pieces-tray-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, nothing to remove
	_, err = tmp.Write(b)
	err = errors.Join(err, tmp.Chmod(0o644), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	return err
}

// removeFile removes path; a missing file is not an error.
func removeFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
