package tray

import (
	"context"
	"errors"
	"os/exec"
	"runtime"
	"testing"
	"time"
)

func TestPanelIsLight(t *testing.T) {
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
	found := func(string) (string, error) { return "/usr/bin/gsettings", nil }
	missing := func(string) (string, error) { return "", exec.ErrNotFound }
	answer := func(out string) func(context.Context, string, ...string) (string, error) {
		return func(context.Context, string, ...string) (string, error) { return out, nil }
	}
	failing := func(context.Context, string, ...string) (string, error) {
		return "", errors.New("exit status 1: No such schema")
	}
	hanging := func(ctx context.Context, _ string, _ ...string) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	}
	late := func(ctx context.Context, _ string, _ ...string) (string, error) {
		<-ctx.Done() // answers, but only after the deadline
		return "'prefer-light'\n", nil
	}
	tests := []struct {
		name     string
		getenv   func(string) string
		lookPath func(string) (string, error)
		run      func(context.Context, string, ...string) (string, error)
		want     bool
	}{
		{"env light", env(IconsEnv, "light"), found, answer("'prefer-dark'\n"), true},
		{"env dark", env(IconsEnv, "dark"), found, answer("'prefer-light'\n"), false},
		{"env Light, spaces", env(IconsEnv, " Light "), missing, nil, true},
		{"env unknown falls through", env(IconsEnv, "auto"), found, answer("'prefer-light'\n"), true},
		{"prefer-dark", env(), found, answer("'prefer-dark'\n"), false},
		{"prefer-light", env(), found, answer("'prefer-light'\n"), true},
		{"default on GNOME", env("XDG_CURRENT_DESKTOP", "ubuntu:GNOME"), found, answer("'default'\n"), false},
		{"default elsewhere", env("XDG_CURRENT_DESKTOP", "XFCE"), found, answer("'default'\n"), false},
		{"default on KDE", env("XDG_CURRENT_DESKTOP", "KDE"), found, answer("'default'\n"), true},
		{"unknown value", env(), found, answer("'prefer-purple'\n"), false},
		{"no gsettings", env(), missing, nil, false},
		{"gsettings fails", env(), found, failing, false},
		{"gsettings hangs", env(), found, hanging, false},
		{"gsettings answers too late", env(), found, late, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := tt.run
			if run == nil {
				run = func(context.Context, string, ...string) (string, error) {
					t.Error("gsettings ran; want it left alone")
					return "", nil
				}
			}
			p := panelProbe{getenv: tt.getenv, lookPath: tt.lookPath, run: run, timeout: 20 * time.Millisecond}
			if got := p.isLight(); got != tt.want {
				t.Errorf("PanelIsLight() = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestPanelIsLightAsksGsettings(t *testing.T) {
	var gotName string
	var gotArgs []string
	p := panelProbe{
		getenv:   func(string) string { return "" },
		lookPath: func(string) (string, error) { return "/opt/bin/gsettings", nil },
		run: func(_ context.Context, name string, args ...string) (string, error) {
			gotName, gotArgs = name, args
			return "'prefer-light'", nil
		},
		timeout: time.Second,
	}
	p.isLight()
	want := "/opt/bin/gsettings get org.gnome.desktop.interface color-scheme"
	got := gotName
	for _, a := range gotArgs {
		got += " " + a
	}
	if got != want {
		t.Errorf("PanelIsLight ran %q; want %q", got, want)
	}
}

func TestRunCommandStopsAtDeadline(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses sleep(1)")
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := runCommand(ctx, sleep, "30"); err == nil {
		t.Errorf("runCommand(sleep 30) with a 50 ms deadline = nil error; want one")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("runCommand(sleep 30) returned after %v; want soon after the deadline", d)
	}
}

func TestPanelIsLightEnv(t *testing.T) {
	// The exported function honours the variable without running anything.
	if !PanelIsLight(func(k string) string {
		if k == IconsEnv {
			return "light"
		}
		return ""
	}) {
		t.Errorf("PanelIsLight(%s=light) = false; want true", IconsEnv)
	}
}

func TestPanelFromEnv(t *testing.T) {
	for v, want := range map[string]bool{"light": true, " Light ": true, "dark": false, "": false, "other": false} {
		if got := PanelFromEnv(func(k string) string {
			if k == IconsEnv {
				return v
			}
			return ""
		}); got != want {
			t.Errorf("PanelFromEnv(%s=%q) = %v; want %v", IconsEnv, v, got, want)
		}
	}
}
