package main

import (
	"log"
	"os"

	"golang.org/x/sys/windows"
)

var kernel32 = windows.NewLazySystemDLL("kernel32.dll")

// attachParentProcess is AttachConsole's ATTACH_PARENT_PROCESS, (DWORD)-1.
const attachParentProcess = ^uintptr(0)

// attachConsole lets the subcommands print in the terminal they were run
// from. pieces-tray.exe is linked as a Windows GUI program (-H windowsgui),
// so that the agent started at login, and every window it opens, comes
// without a console window; such a program gets no console of its own.
// When standard output or error goes nowhere (or to a console),
// attachConsole attaches to the parent's console, if it has one, and writes
// there. Output redirected to a file, a pipe or NUL is left as it is.
// Without a console parent (Explorer, the Run key) nothing changes. The
// agent lets go of the console once its flags are read (detachConsole).
func attachConsole() {
	var missing []*os.File
	for _, f := range []*os.File{os.Stdout, os.Stderr} {
		if !redirected(f) {
			missing = append(missing, f)
		}
	}
	if len(missing) == 0 {
		return
	}
	if ok, _, _ := kernel32.NewProc("AttachConsole").Call(attachParentProcess); ok == 0 {
		return
	}
	for _, f := range missing {
		c, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0)
		if err != nil {
			continue
		}
		std := uint32(windows.STD_OUTPUT_HANDLE)
		if f == os.Stderr {
			std = windows.STD_ERROR_HANDLE
			os.Stderr = c
			log.SetOutput(c) // the log package keeps the os.Stderr it started with
		} else {
			os.Stdout = c
		}
		windows.SetStdHandle(std, windows.Handle(c.Fd())) //nolint:errcheck // best effort: what the runtime prints a panic to
	}
}

// detachConsole lets go of the console attachConsole attached to, so that
// the long-lived agent, started from a terminal, neither ends when that
// terminal closes nor quits on a Ctrl+C meant for another program.
func detachConsole() {
	kernel32.NewProc("FreeConsole").Call() //nolint:errcheck // no console: nothing to do
}

// redirected reports whether f goes to a file, a pipe, or a character device
// that is not a console (NUL). No handle, or a console handle, is replaced
// by the console once attached.
func redirected(f *os.File) bool {
	if f == nil {
		return false
	}
	h := windows.Handle(f.Fd())
	t, err := windows.GetFileType(h)
	if err != nil {
		return false
	}
	switch t {
	case windows.FILE_TYPE_DISK, windows.FILE_TYPE_PIPE:
		return true
	case windows.FILE_TYPE_CHAR:
		var mode uint32
		return windows.GetConsoleMode(h, &mode) != nil // NUL, not a console
	}
	return false
}
