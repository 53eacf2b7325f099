package tray

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// ErrNoClipboard means no clipboard command is installed. The tray then
// opens the link in the browser instead of copying it.
var ErrNoClipboard = errors.New("tray: no clipboard command found (install wl-clipboard, xclip or xsel)")

// clipboardTimeout bounds a clipboard command. xclip and wl-copy fork a
// child that serves the selection and return at once; that child keeps the
// standard output and error it inherited open until something else is
// copied, so Copy must not wait for them to close.
const clipboardTimeout = 5 * time.Second

// CopyText puts text on the system clipboard. fyne.io/systray has no
// clipboard, and the agent has no window toolkit, so it runs the first
// available command with text on its standard input: on Linux wl-copy
// (under Wayland), xclip or xsel; pbcopy on macOS; clip on Windows.
func CopyText(text string) error {
	argv, err := clipboardCommand()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), clipboardTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin = strings.NewReader(text)
	noConsole(cmd)
	// No Stdout or Stderr: they go to the null device, so waiting ends when
	// the command exits, not when its selection-serving child does.
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("tray: copy with %s: %w", argv[0], err)
	}
	return nil
}

func clipboardCommand() ([]string, error) {
	candidates := [][]string{{"xclip", "-selection", "clipboard", "-in"}, {"xsel", "--clipboard", "--input"}}
	switch {
	case runtime.GOOS == "darwin":
		candidates = [][]string{{"pbcopy"}}
	case runtime.GOOS == "windows":
		candidates = [][]string{{"clip"}}
	case os.Getenv("WAYLAND_DISPLAY") != "":
		candidates = append([][]string{{"wl-copy"}}, candidates...)
	}
	for _, argv := range candidates {
		if _, err := exec.LookPath(argv[0]); err == nil {
			return argv, nil
		}
	}
	return nil, ErrNoClipboard
}
