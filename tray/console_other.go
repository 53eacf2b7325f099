//go:build !windows

package tray

import "os/exec"

// noConsole does nothing here: only Windows gives a console program started
// from a GUI program a window of its own.
func noConsole(*exec.Cmd) {}
