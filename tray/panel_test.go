package tray

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestSchemeIsLight(t *testing.T) {
	tests := []struct {
		scheme, desktops string
		want             bool
	}{
		{"'prefer-dark'\n", "", false},
		{"'prefer-light'\n", "", true},
		{"'default'\n", "ubuntu:GNOME", false},
		{"'default'\n", "XFCE", false},
		{"'default'\n", "KDE", true},
		{"'prefer-purple'\n", "", false},
	}
	for _, tt := range tests {
		if got := schemeIsLight(tt.scheme, tt.desktops); got != tt.want {
			t.Errorf("schemeIsLight(%q, %q) = %v; want %v", tt.scheme, tt.desktops, got, tt.want)
		}
	}
}

// TestPanelIsLight runs PanelIsLight with a stand-in gsettings on PATH.
func TestPanelIsLight(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in gsettings is a shell script")
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	dir := t.TempDir()
	args := filepath.Join(dir, "args")
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	tests := []struct {
		name      string
		getenv    func(string) string
		gsettings string // the script's body; "" for no gsettings
		want      bool
	}{
		{"env light", env(IconsEnv, "light"), `echo "'prefer-dark'"`, true},
		{"env dark", env(IconsEnv, "dark"), `echo "'prefer-light'"`, false},
		{"env Light, spaces", env(IconsEnv, " Light "), `echo ran > "` + args + `"`, true},
		{"env unknown falls through", env(IconsEnv, "auto"), `echo "'prefer-light'"`, true},
		{"asks gsettings", env(), `echo "$*" > "` + args + `"; echo "'prefer-light'"`, true},
		{"default on KDE", env("XDG_CURRENT_DESKTOP", "KDE"), `echo "'default'"`, true},
		{"no gsettings", env(), "", false},
		{"gsettings fails", env(), `echo "No such schema" >&2; exit 1`, false},
		{"gsettings hangs", env(), "exec " + sleep + " 30", false},
		{"gsettings answers too late", env(), sleep + ` 1; echo "'prefer-light'"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(filepath.Join(dir, "gsettings"))
			os.Remove(args)
			if tt.gsettings != "" {
				script(t, dir, "gsettings", tt.gsettings)
			}
			t.Setenv("PATH", dir)
			start := time.Now()
			if got := PanelIsLight(tt.getenv); got != tt.want {
				t.Errorf("PanelIsLight() = %v; want %v", got, tt.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("PanelIsLight took %v; want at most about %v", d, gsettingsTimeout)
			}
			b, _ := os.ReadFile(args)
			switch got := strings.TrimSpace(string(b)); {
			case tt.name == "asks gsettings" && got != "get org.gnome.desktop.interface color-scheme":
				t.Errorf("gsettings ran with %q; want the color-scheme key", got)
			case tt.name == "env Light, spaces" && got != "":
				t.Error("gsettings ran; want the environment to decide")
			}
		})
	}
}

func TestPanelFromEnv(t *testing.T) {
	for v, want := range map[string]bool{"light": true, " Light ": true, "dark": false, "": false, "other": false} {
		if got := panelFromEnv(func(k string) string {
			if k == IconsEnv {
				return v
			}
			return ""
		}); got != want {
			t.Errorf("panelFromEnv(%s=%q) = %v; want %v", IconsEnv, v, got, want)
		}
	}
}
