package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// attachParentProcess is AttachConsole's ATTACH_PARENT_PROCESS, (DWORD)-1.
const attachParentProcess = ^uintptr(0)

// attachConsole lets the subcommands print in the terminal they were run
// from. pieces-tray.exe is linked as a Windows GUI program (-H windowsgui),
// so that the agent started at login, and every window it opens, comes
// without a console window; such a program gets no console of its own. When
// standard output or error was not redirected, attachConsole attaches to the
// parent's console, if it has one, and writes there. Redirected output (a
// file, a pipe) is left as it is. Without a console parent (Explorer, the
// Run key, the agent) nothing changes.
func attachConsole() {
	var missing []**os.File
	for _, f := range []**os.File{&os.Stdout, &os.Stderr} {
		if !redirected(*f) {
			missing = append(missing, f)
		}
	}
	if len(missing) == 0 {
		return
	}
	attach := windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")
	if ok, _, _ := attach.Call(attachParentProcess); ok == 0 {
		return
	}
	for _, f := range missing {
		if c, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0); err == nil {
			*f = c
		}
	}
}

// redirected reports whether f is a file or a pipe. Anything else (no
// handle, a console handle inherited without being attached, the null
// device) is replaced by the console once attached.
func redirected(f *os.File) bool {
	if f == nil {
		return false
	}
	t, err := windows.GetFileType(windows.Handle(f.Fd()))
	return err == nil && (t == windows.FILE_TYPE_DISK || t == windows.FILE_TYPE_PIPE)
}
