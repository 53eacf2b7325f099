package tray

import (
	"os/exec"
	"syscall"

	"golang.org/x/sys/windows"
)

// noConsole keeps cmd from opening a console window. The agent is a GUI
// program without a console, so a console program it starts (clip, a
// $BROWSER script) would otherwise get a window of its own, flashing up on
// every copy or sign-in. (A console browser such as w3m would run unseen:
// $BROWSER on Windows names a GUI browser.)
func noConsole(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.CREATE_NO_WINDOW}
}
