package tray

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// BrowserOpener opens URLs in the browser named by $BROWSER when it is set,
// else with the platform's opener (xdg-open, open, rundll32). It starts the
// command and reaps it in a goroutine; Open never waits for the browser.
//
// $BROWSER follows the convention of xdg-open and the GitHub CLI: a list of
// commands separated as in PATH, by colons (semicolons on Windows, whose
// paths hold colons), the first that can be started wins; in each, %s
// stands for the URL (%% for a percent sign), and without %s the URL is the
// last argument. A command is split into words at spaces; quoting is not
// supported (on Windows a list entry may be in double quotes, which are
// dropped, but its spaces still split it).
type BrowserOpener struct {
	// Logger reports commands that fail; default discards. URLs are never
	// logged: a sign-in URL is the person's business.
	Logger *slog.Logger

	wg sync.WaitGroup // counts the reaping goroutines
}

// NewOpener returns a BrowserOpener reading the process environment.
func NewOpener(logger *slog.Logger) *BrowserOpener {
	return &BrowserOpener{Logger: logger}
}

// Open starts the browser on url.
func (o *BrowserOpener) Open(url string) error {
	if url == "" {
		return errors.New("tray: open: empty URL")
	}
	var errs []error
	for _, argv := range append(browserCommands(os.Getenv("BROWSER"), url), platformOpener(url)) {
		cmd := exec.Command(argv[0], argv[1:]...)
		noConsole(cmd)
		if err := cmd.Start(); err != nil {
			errs = append(errs, fmt.Errorf("start %s: %w", argv[0], err))
			continue
		}
		o.wg.Add(1)
		go func() {
			defer o.wg.Done()
			if err := cmd.Wait(); err != nil && o.Logger != nil {
				o.Logger.Warn("the browser command failed", "command", argv[0], "err", err)
			}
		}()
		return nil
	}
	return fmt.Errorf("tray: open a browser: %w", errors.Join(errs...))
}

// Wait waits until every started command has exited and been reaped. Tests
// use it; the agent does not wait for browsers.
func (o *BrowserOpener) Wait() { o.wg.Wait() }

// browserCommands turns $BROWSER into command lines for url.
func browserCommands(browser, url string) [][]string {
	var cmds [][]string
	for _, entry := range filepath.SplitList(browser) {
		words := strings.Fields(entry)
		if len(words) == 0 {
			continue
		}
		sub := false
		for i, w := range words {
			sub = sub || strings.Contains(strings.ReplaceAll(w, "%%", ""), "%s")
			words[i] = strings.NewReplacer("%%", "%", "%s", url).Replace(w)
		}
		if !sub {
			words = append(words, url)
		}
		cmds = append(cmds, words)
	}
	return cmds
}

// platformOpener is the system's way to open a URL.
func platformOpener(url string) []string {
	switch runtime.GOOS {
	case "darwin":
		return []string{"open", url}
	case "windows":
		return []string{"rundll32", "url.dll,FileProtocolHandler", url}
	}
	return []string{"xdg-open", url}
}
