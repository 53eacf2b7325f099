package auth

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// SystemBrowser opens URLs in the person's default browser. Like xdg-open
// and the GitHub CLI it honours $BROWSER (a command, or a list of commands
// separated by ':', each given the URL as its last argument); otherwise it
// uses xdg-open on Linux and BSD, open on macOS, and
// "rundll32 url.dll,FileProtocolHandler" on Windows.
//
// Open starts the opener and returns without waiting for it; a goroutine
// reaps the opener's process when it exits.
type SystemBrowser struct {
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
	// GOOS selects the platform's opener; "" means runtime.GOOS.
	GOOS string
}

// Open implements Browser.
func (b SystemBrowser) Open(url string) error {
	getenv := b.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	var errs []error
	for _, argv := range b.commands(getenv("BROWSER")) {
		path, err := exec.LookPath(argv[0])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cmd := exec.Command(path, withURL(argv[1:], url)...)
		if err := cmd.Start(); err != nil {
			errs = append(errs, err)
			continue
		}
		go func() { _ = cmd.Wait() }() // reap; never wait on the browser
		return nil
	}
	return fmt.Errorf("auth: could not open a browser; copy the sign-in link instead: %w", errors.Join(errs...))
}

// withURL puts url in place of "%s" in args, or after them when no
// argument has the placeholder (the xdg-utils $BROWSER convention).
func withURL(args []string, url string) []string {
	out := make([]string, 0, len(args)+1)
	placed := false
	for _, a := range args {
		if strings.Contains(a, "%s") {
			a = strings.ReplaceAll(a, "%s", url)
			placed = true
		}
		out = append(out, a)
	}
	if !placed {
		out = append(out, url)
	}
	return out
}

// commands lists the opener commands to try, in order.
func (b SystemBrowser) commands(env string) [][]string {
	var cmds [][]string
	for _, c := range strings.Split(env, ":") {
		if f := strings.Fields(c); len(f) > 0 {
			cmds = append(cmds, f)
		}
	}
	if len(cmds) > 0 {
		return cmds
	}
	goos := b.GOOS
	if goos == "" {
		goos = runtime.GOOS
	}
	switch goos {
	case "darwin":
		return [][]string{{"open"}}
	case "windows":
		return [][]string{{"rundll32", "url.dll,FileProtocolHandler"}}
	default:
		return [][]string{{"xdg-open"}}
	}
}
