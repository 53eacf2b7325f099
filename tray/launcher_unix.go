//go:build !windows

package tray

import (
	"os"
	"syscall"
)

// askToExit asks a window process to close: SIGTERM, on which Fyne's driver
// quits its event loop and the window process exits cleanly.
func askToExit(p *os.Process) error { return p.Signal(syscall.SIGTERM) }
