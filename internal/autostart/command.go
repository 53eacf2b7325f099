package autostart

import (
	"errors"
	"fmt"
	"io"
)

// Run is `pieces-tray autostart on|off|status`. It returns the exit code:
// 0 done (status: on), 1 status: off, 2 a usage or system error.
func Run(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: pieces-tray autostart on|off|status")
		return 2
	}
	env, err := SystemEnv()
	if err != nil {
		fmt.Fprintln(stderr, "pieces-tray:", err)
		return 2
	}
	switch args[0] {
	case "on":
		exe, err := Executable()
		if err == nil {
			err = Enable(env, exe)
		}
		if err != nil {
			fmt.Fprintln(stderr, "pieces-tray:", err)
			return 2
		}
		fmt.Fprintf(stdout, "Pieces Tray starts at login: %s\n", exe)
		return 0
	case "off":
		if err := Disable(env); err != nil {
			fmt.Fprintln(stderr, "pieces-tray:", err)
			return 2
		}
		fmt.Fprintln(stdout, "Pieces Tray no longer starts at login.")
		return 0
	case "status":
		st, err := Get(env)
		if err != nil {
			fmt.Fprintln(stderr, "pieces-tray:", err)
			return 2
		}
		if !st.Enabled {
			fmt.Fprintf(stdout, "Pieces Tray does not start at login (%s).\n", st.Where)
			return 1
		}
		fmt.Fprintf(stdout, "Pieces Tray starts at login: %s (%s)\n", st.Command, st.Where)
		if exe, err := Executable(); err == nil && exe != st.Command {
			fmt.Fprintf(stdout, "Note: this is %s; run \"pieces-tray autostart on\" from the one you use to start that one instead.\n", exe)
		} else if err != nil && !errors.Is(err, ErrNotInstalled) {
			fmt.Fprintln(stderr, "pieces-tray:", err)
		}
		return 0
	}
	fmt.Fprintf(stderr, "pieces-tray autostart: unknown %q; use on, off or status\n", args[0])
	return 2
}
