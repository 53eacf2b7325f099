package auth_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"piecestray/auth"
)

// TestSystemBrowserEnv opens a URL through $BROWSER with a script that
// hangs until released: Open must return without waiting for it.
func TestSystemBrowserEnv(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "browser.sh")
	body := "#!/bin/sh\nwhile [ ! -e \"" + dir + "/release\" ]; do sleep 0.01; done\necho \"$@\" > \"" + dir + "/args.tmp\"\nmv \"" + dir + "/args.tmp\" \"" + dir + "/args\"\n"
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	const link = "https://auth.example/authorize?client_id=x&state=y"
	tests := []struct {
		name, env, want string
	}{
		{"appended", script + " --new-window", "--new-window " + link},
		{"placeholder", script + " --url=%s --flag", "--url=" + link + " --flag"},
		{"first missing", "/nonexistent/browser:" + script, link},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(filepath.Join(dir, "release"))
			os.Remove(filepath.Join(dir, "args"))
			b := auth.SystemBrowser{Getenv: func(k string) string {
				if k == "BROWSER" {
					return tt.env
				}
				return ""
			}}
			errc := make(chan error, 1)
			go func() { errc <- b.Open(link) }()
			select {
			case err := <-errc:
				if err != nil {
					t.Fatalf("Open() error = %v", err)
				}
			case <-time.After(waitLong):
				t.Fatal("Open() waited for the browser")
			}
			if err := os.WriteFile(filepath.Join(dir, "release"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
			var got []byte
			waitFor(t, "the browser to run", func() bool {
				var err error
				got, err = os.ReadFile(filepath.Join(dir, "args"))
				return err == nil
			})
			if strings.TrimSpace(string(got)) != tt.want {
				t.Errorf("browser got %q; want %q", strings.TrimSpace(string(got)), tt.want)
			}
		})
	}
}

func TestSystemBrowserNone(t *testing.T) {
	b := auth.SystemBrowser{Getenv: func(string) string { return "/nonexistent/a:/nonexistent/b" }}
	err := b.Open("https://auth.example/")
	if err == nil || !strings.Contains(err.Error(), "copy the sign-in link") {
		t.Errorf("Open() with no browser error = %v; want advice to copy the link", err)
	}
}
