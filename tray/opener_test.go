package tray

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"piecestray/internal/winetest"
)

func TestBrowserCommands(t *testing.T) {
	const u = "http://127.0.0.1:1/a?b=c"
	tests := []struct {
		browser string
		want    [][]string
	}{
		{"firefox", [][]string{{"firefox", u}}},
		{"  firefox --new-window ", [][]string{{"firefox", "--new-window", u}}},
		{"w3m %s", [][]string{{"w3m", u}}},
		{"echo url=%s 100%% %%s", [][]string{{"echo", "url=" + u, "100%", "%s"}}},
		{strings.ReplaceAll("a:: b %s:", ":", string(os.PathListSeparator)), [][]string{{"a", u}, {"b", u}}},
		{"", nil},
		{"   ", nil},
	}
	for _, tt := range tests {
		if got := browserCommands(tt.browser, u); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("browserCommands(%q) = %q; want %q", tt.browser, got, tt.want)
		}
	}
}

// script writes an executable shell script into dir and returns its path.
func script(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitFile waits until path has content and returns it.
func waitFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if err == nil && len(b) > 0 && strings.HasSuffix(string(b), "\n") {
			return string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not written", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOpenerUsesBrowserEnv(t *testing.T) {
	dir := winetest.TempDir(t)
	out := filepath.Join(dir, "out")
	browser := standIn(t, out, "")
	tests := []struct {
		name, env, want string
	}{
		{"plain", browser, "https://example.com/x"},
		{"substitution", browser + " --flag=%s", "--flag=https://example.com/x"},
		{"list, first missing", filepath.Join(dir, "missing") + string(os.PathListSeparator) + browser, "https://example.com/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(out)
			t.Setenv("BROWSER", tt.env)
			o := &BrowserOpener{}
			start := time.Now()
			if err := o.Open("https://example.com/x"); err != nil {
				t.Fatalf("Open: %v", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Open took %v", d)
			}
			if got := strings.TrimSpace(waitFile(t, out)); got != tt.want {
				t.Errorf("browser got %q; want %q", got, tt.want)
			}
			o.Wait()
		})
	}
}

func TestOpenerDoesNotWaitForTheBrowser(t *testing.T) {
	dir := winetest.TempDir(t)
	out := filepath.Join(dir, "out")
	release := filepath.Join(dir, "release")
	t.Setenv("BROWSER", standIn(t, out, release))
	o := &BrowserOpener{}
	if err := o.Open("https://example.com/"); err != nil {
		t.Fatalf("Open: %v", err)
	}
	waitFile(t, out) // Open returned while the browser still runs
	if err := os.WriteFile(release, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	o.Wait()
}

func TestOpenerRejectsEmptyURL(t *testing.T) {
	if err := (&BrowserOpener{}).Open(""); err == nil {
		t.Error(`Open("") = nil; want an error`)
	}
}

func TestOpenerFallsBackToXDGOpen(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		t.Skip("xdg-open is the opener of Linux and the BSDs")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	script(t, dir, "xdg-open", `printf '%s\n' "$*" > "`+out+`"`)
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("BROWSER", "")
	o := &BrowserOpener{}
	if err := o.Open("https://example.com/y"); err != nil {
		t.Fatalf("Open: %v", err)
	}
	if got := strings.TrimSpace(waitFile(t, out)); got != "https://example.com/y" {
		t.Errorf("xdg-open got %q; want %q", got, "https://example.com/y")
	}
	o.Wait()
}
