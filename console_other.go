//go:build !windows

package main

// attachConsole and detachConsole are needed on Windows only, where
// pieces-tray.exe is a GUI program (see console_windows.go).
func attachConsole() {}
func detachConsole() {}
