package tray

import "os"

// askToExit ends a window process. Windows has no signal a Fyne process
// handles, and a window whose agent has quit has nothing to save.
func askToExit(p *os.Process) error { return p.Kill() }
