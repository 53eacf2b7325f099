package main

import (
	"bytes"
	"net"
	"os/exec"
	"piecestray/internal/winetest"
	"slices"
	"strings"
	"testing"
)

// TestNoStandInsInTheProduct checks that pieces-tray links none of the
// stand-ins: the Pieces OS simulator, the Auth0 stand-in and the scripted
// browser live in cmd/pieces-os-sim and the tests.
func TestNoStandInsInTheProduct(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || !slices.Contains(deps, "piecestray/internal/agent") {
		t.Fatalf("go list -deps printed %d packages, without piecestray/internal/agent: %q", len(deps), out)
	}
	for _, banned := range []string{"piecestray/internal/piecesos", "piecestray/internal/auth0sim", "piecestray/internal/scriptbrowser"} {
		if slices.Contains(deps, banned) {
			t.Errorf("pieces-tray imports %s; the stand-ins belong in cmd/pieces-os-sim and the tests", banned)
		}
	}
}

func TestRun(t *testing.T) {
	none := winetest.SocketPath(t, "none.sock")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()

	tests := []struct {
		name     string
		args     []string
		code     int
		out, err string
	}{
		{"version", []string{"--version"}, 0, "pieces-tray " + version, ""},
		{"help", []string{"help"}, 0, "pieces-tray status", ""},
		{"unknown command", []string{"fly"}, 2, "", `unknown command "fly"`},
		{"bad flag", []string{"--no-such-flag"}, 2, "", "no-such-flag"},
		{"window without a name", []string{"window"}, 2, "", "usage: pieces-tray window"},
		{"status, Pieces OS not running", []string{"status", "--socket", none, "--pieces-os-url", closed}, 2, "Pieces OS is not running", ""},
		{"sign-in, no agent", []string{"sign-in", "--socket", none}, 1, "", "no Pieces Tray is running"},
		{"sign-in with an argument", []string{"sign-in", "now"}, 2, "", "usage: pieces-tray sign-in"},
		{"no demo flag", []string{"--demo"}, 2, "", "demo"},
		{"doctor, nothing running", []string{"doctor", "--json", "--socket", none, "--pieces-os-url", closed,
			"--auth0-domain", "https://pieces-tray-test.invalid", "--redirect-url", closed + "/cb"}, 1, `"id": "pieces_os",`, ""},
		{"doctor, bad flag", []string{"doctor", "--no-such-flag"}, 2, "", "no-such-flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(tt.args, &out, &errOut)
			if code != tt.code {
				t.Errorf("run(%q) = %d; want %d (stderr %q)", tt.args, code, tt.code, errOut.String())
			}
			if !strings.Contains(out.String(), tt.out) {
				t.Errorf("run(%q) stdout = %q; want it to contain %q", tt.args, out.String(), tt.out)
			}
			if !strings.Contains(errOut.String(), tt.err) {
				t.Errorf("run(%q) stderr = %q; want it to contain %q", tt.args, errOut.String(), tt.err)
			}
		})
	}
}
