package tray

import (
	"context"
	"os/exec"
	"strings"
	"time"
)

// IconsEnv names the environment variable that chooses the icon variant:
// "light" for light panels (dark glyphs), "dark" for dark panels (light
// glyphs). It wins over whatever PanelIsLight would guess.
const IconsEnv = "PIECES_TRAY_ICONS"

// gsettingsTimeout bounds how long PanelIsLight waits for gsettings: the
// guess must never delay the tray.
const gsettingsTimeout = 300 * time.Millisecond

// PanelFromEnv reads PIECES_TRAY_ICONS with getenv: true for "light". It
// is the first answer of PanelIsLight, without running anything, for
// Config.LightPanel.
func PanelFromEnv(getenv func(string) string) bool {
	return strings.EqualFold(strings.TrimSpace(getenv(IconsEnv)), "light")
}

// PanelIsLight guesses whether the desktop's panel is light, for
// Config.PanelProbe. It is best effort and never takes more than about
// 300 ms:
//
//  1. PIECES_TRAY_ICONS=light or =dark (read with getenv) decides;
//  2. else GNOME's color-scheme setting, read with
//     `gsettings get org.gnome.desktop.interface color-scheme` when gsettings
//     exists and answers within 300 ms: 'prefer-dark' means a dark panel,
//     'prefer-light' a light one, and 'default' a light one only on KDE
//     Plasma, whose GTK bridge writes it for light color schemes (GNOME
//     Shell's top bar is dark in both styles, and 'default' is the untouched
//     value elsewhere);
//  3. else a dark panel (false), which most desktops have.
func PanelIsLight(getenv func(string) string) bool {
	return panelProbe{getenv: getenv, lookPath: exec.LookPath, run: runCommand, timeout: gsettingsTimeout}.isLight()
}

// panelProbe is PanelIsLight with its outside world injected (tests).
type panelProbe struct {
	getenv   func(string) string
	lookPath func(file string) (string, error)
	// run runs a command and returns its standard output; it must return
	// when ctx ends.
	run     func(ctx context.Context, name string, args ...string) (string, error)
	timeout time.Duration
}

func (p panelProbe) isLight() bool {
	switch strings.ToLower(strings.TrimSpace(p.getenv(IconsEnv))) {
	case "light":
		return true
	case "dark":
		return false
	}
	path, err := p.lookPath("gsettings")
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	out, err := p.run(ctx, path, "get", "org.gnome.desktop.interface", "color-scheme")
	if err != nil || ctx.Err() != nil {
		return false
	}
	switch strings.Trim(strings.TrimSpace(out), `'"`) {
	case "prefer-light":
		return true
	case "default":
		return isKDE(p.getenv("XDG_CURRENT_DESKTOP"))
	}
	return false // 'prefer-dark', or a value this version does not know
}

// isKDE reports whether XDG_CURRENT_DESKTOP (a colon-separated list) names
// KDE.
func isKDE(desktops string) bool {
	for _, d := range strings.Split(desktops, ":") {
		if strings.EqualFold(strings.TrimSpace(d), "KDE") {
			return true
		}
	}
	return false
}

// runCommand runs name with args and returns its standard output. It kills
// the command when ctx ends and does not wait long for children that keep
// its output open.
func runCommand(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.WaitDelay = 50 * time.Millisecond
	out, err := cmd.Output()
	return string(out), err
}
