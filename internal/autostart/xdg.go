package autostart

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// xdg is the XDG autostart entry of Linux and the BSDs (the freedesktop.org
// Desktop Application Autostart Specification).
type xdg struct{}

func (xdg) path(env Env) string {
	dir := env.Getenv("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		dir = filepath.Join(env.Home, ".config")
	}
	return filepath.Join(dir, "autostart", AppID+".desktop")
}

func (x xdg) enable(env Env, exe string) error {
	entry := fmt.Sprintf(`[Desktop Entry]
Type=Application
Name=Pieces Tray
Comment=Keeps your Pieces account in view from the system tray
Exec=%s
Icon=%s
Terminal=false
Categories=Utility;
X-GNOME-Autostart-enabled=true
`, desktopExec(exe), AppID)
	return writeFile(x.path(env), []byte(entry))
}

func (x xdg) disable(env Env) error { return removeFile(x.path(env)) }

func (x xdg) get(env Env) (Status, error) {
	path := x.path(env)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Status{Where: path}, nil
	}
	if err != nil {
		return Status{}, err
	}
	st := Status{Enabled: true, Where: path}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "Exec="):
			st.Command = unquoteExec(strings.TrimPrefix(line, "Exec="))
		case line == "Hidden=true", line == "X-GNOME-Autostart-enabled=false":
			st.Enabled = false // turned off by the desktop's own settings
		}
	}
	return st, nil
}

// desktopExec quotes a path for a desktop entry's Exec key: inside double
// quotes, `"`, "`", "$" and "\" are escaped with a backslash, and every
// backslash is doubled again for the string value.
func desktopExec(path string) string {
	if !strings.ContainsAny(path, " \t\n\"'\\><~|&;$*?#()`") {
		return path
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range path {
		switch r {
		case '"', '`', '$':
			b.WriteString(`\\`)
		case '\\':
			b.WriteString(`\\\\`)
			continue
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// unquoteExec reads back the program of an Exec value desktopExec wrote.
func unquoteExec(v string) string {
	if !strings.HasPrefix(v, `"`) {
		if i := strings.IndexByte(v, ' '); i >= 0 {
			return v[:i]
		}
		return v
	}
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		switch {
		case v[i] == '"':
			return b.String()
		case strings.HasPrefix(v[i:], `\\\\`):
			b.WriteByte('\\')
			i += 3
		case strings.HasPrefix(v[i:], `\\`) && i+2 < len(v):
			b.WriteByte(v[i+2])
			i += 2
		default:
			b.WriteByte(v[i])
		}
	}
	return b.String()
}
