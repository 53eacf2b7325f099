package tray

import (
	"context"
	"os/exec"
	"slices"
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

// panelFromEnv reads PIECES_TRAY_ICONS with getenv: true for "light". It
// is the first answer of PanelIsLight, without running anything.
func panelFromEnv(getenv func(string) string) bool {
	return strings.EqualFold(strings.TrimSpace(getenv(IconsEnv)), "light")
}

// PanelIsLight guesses whether the desktop's panel is light. It is best
// effort and never takes more than about 300 ms:
//
//  1. PIECES_TRAY_ICONS=light or =dark (read with getenv) decides;
//  2. else GNOME's color-scheme setting, read with
//     `gsettings get org.gnome.desktop.interface color-scheme` when gsettings
//     exists and answers within 300 ms (see schemeIsLight);
//  3. else a dark panel (false), which most desktops have.
func PanelIsLight(getenv func(string) string) bool {
	if v := strings.ToLower(strings.TrimSpace(getenv(IconsEnv))); v == "light" || v == "dark" {
		return v == "light"
	}
	ctx, cancel := context.WithTimeout(context.Background(), gsettingsTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "gsettings", "get", "org.gnome.desktop.interface", "color-scheme")
	cmd.WaitDelay = 50 * time.Millisecond // do not wait for children that keep the output open
	out, err := cmd.Output()
	if err != nil || ctx.Err() != nil {
		return false
	}
	return schemeIsLight(string(out), getenv("XDG_CURRENT_DESKTOP"))
}

// schemeIsLight reads gsettings' color-scheme answer: 'prefer-dark' means a
// dark panel, 'prefer-light' a light one, and 'default' a light one only on
// KDE Plasma (desktops is XDG_CURRENT_DESKTOP, a colon-separated list),
// whose GTK bridge writes it for light color schemes; GNOME Shell's top bar
// is dark in both styles, and 'default' is the untouched value elsewhere.
func schemeIsLight(scheme, desktops string) bool {
	switch strings.Trim(strings.TrimSpace(scheme), `'"`) {
	case "prefer-light":
		return true
	case "default":
		return slices.ContainsFunc(strings.Split(desktops, ":"), func(d string) bool {
			return strings.EqualFold(strings.TrimSpace(d), "KDE")
		})
	}
	return false // 'prefer-dark', or a value this version does not know
}
