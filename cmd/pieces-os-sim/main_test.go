package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// startCommand runs the command with args until the test ends and returns
// the lines it printed first ("auth0: ..." and/or "pieces-os: ...").
func startCommand(t *testing.T, args []string, lines int) []string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		go io.Copy(io.Discard, pr) //nolint:errcheck // drain until the pipe closes
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("run did not end after cancel")
		}
	})
	var out []string
	sc := bufio.NewScanner(pr)
	for len(out) < lines && sc.Scan() {
		out = append(out, sc.Text())
	}
	if len(out) < lines {
		t.Fatalf("printed %q; want %d lines", out, lines)
	}
	return out
}

func TestCommandStartsBothServers(t *testing.T) {
	out := startCommand(t, []string{"--addr", "127.0.0.1:0", "--user", "ada@example.com", "--taken", "a, b", "--version", "12.0.1"}, 2)
	if !strings.HasPrefix(out[0], "auth0: http://127.0.0.1:") {
		t.Errorf("first line = %q; want auth0: http://127.0.0.1:PORT", out[0])
	}
	base, ok := strings.CutPrefix(out[1], "pieces-os: ")
	if !ok || !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("second line = %q; want pieces-os: http://127.0.0.1:PORT", out[1])
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	resp, err := c.Get(base + "/user")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		User *struct {
			Email string `json:"email"`
		} `json:"user"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || got.User == nil || got.User.Email != "ada@example.com" {
		t.Fatalf("GET /user = %v %+v; want ada signed in", err, got.User)
	}
	v, err := c.Get(base + "/.well-known/version")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(v.Body)
	v.Body.Close()
	if string(b) != "12.0.1" {
		t.Errorf("version = %q; want 12.0.1", b)
	}
}

func TestCommandWithAuth0URL(t *testing.T) {
	out := startCommand(t, []string{"--addr", "127.0.0.1:0", "--auth0-url", "http://127.0.0.1:1", "-v"}, 1)
	if !strings.HasPrefix(out[0], "pieces-os: http://127.0.0.1:") {
		t.Errorf("line = %q; want only pieces-os (no auth0 server started)", out[0])
	}
}

func TestCommandErrors(t *testing.T) {
	tests := [][]string{
		{"--nope"},
		{"extra"},
		{"--addr", "256.1.1.1:0", "--auth0-url", "http://x"},
	}
	for _, args := range tests {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("run(%q) = nil; want an error", args)
		}
	}
}
