package desktoptest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestSignInWithChromium signs a person in with a real Chromium, driven over
// the DevTools protocol. The agent runs against the Pieces OS simulator and
// its Auth0 stand-in (cmd/pieces-os-sim); `pieces-tray sign-in` starts the
// sign-in, as `make demo` does. The agent (or, in pieces-os mode, the
// simulator) names the sign-in page in $BROWSER, Chromium
// loads it, an email is typed and "Sign in" pressed, and the tray must show
// the person signed in. In auth0 mode the page comes back to the agent's
// documented redirect, http://localhost:3000/pkce/response/code, by
// response_mode=form_post, as Pieces' Auth0 tenant does.
func TestSignInWithChromium(t *testing.T) {
	Require(t)
	if testing.Short() {
		t.Skip("builds the agent and runs Chromium")
	}
	chromium := findChromium(t)
	bin := binaries(t)
	for _, mode := range []string{"auth0", "pieces-os"} {
		t.Run(mode, func(t *testing.T) {
			signInWithChromium(t, bin, chromium, mode)
		})
	}
}

// findChromium returns Debian's Chromium, skipping the test when it is not
// installed, except under CI=true, where it fails: CI installs it.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const why = "Chromium is not installed (make deps installs Debian's chromium)"
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
	return ""
}

func signInWithChromium(t *testing.T, bin, chromium, mode string) {
	StartBus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	watcher, err := StartWatcher()
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Stop()

	home := t.TempDir()
	// $BROWSER records the URL it is asked to open; Chromium, driven by the
	// test, then opens it.
	urls := filepath.Join(home, "urls")
	opener := filepath.Join(home, "open-url")
	script := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' \"$1\" >> %q\n", urls)
	if err := os.WriteFile(opener, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	// The simulator opens the browser for POST /os/sign_in (pieces-os mode).
	t.Setenv("BROWSER", opener)
	sim := RunSim(t, filepath.Join(bin, "pieces-os-sim"), "--addr", "127.0.0.1:0")
	// The agent signs in at its default redirect URL (auth0 mode), which
	// the stand-in allows, as Pieces' tenant does.
	agent := startAgent(ctx, t, bin, nil, nil, "--sign-in", mode,
		"--pieces-os-url", sim.PiecesOS, "--auth0-domain", sim.Auth0, "--keyring-service", "pieces-tray-test-"+t.Name())

	regs, err := watcher.WaitRegistrations(ctx, 1)
	if err != nil {
		t.Fatalf("the agent never registered a tray item: %v", err)
	}
	item, err := OpenItem(ctx, Connect(t), regs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer item.Close()

	// `pieces-tray sign-in` starts the sign-in; wait for the page it opens.
	signIn := exec.CommandContext(ctx, filepath.Join(bin, "piecestray"), "sign-in", "--socket", agent.socket, "--wait", "30s")
	if out, err := signIn.CombinedOutput(); err != nil {
		t.Fatalf("pieces-tray sign-in: %v\n%s", err, out)
	} else {
		t.Logf("pieces-tray sign-in: %s", bytes.TrimSpace(out))
	}
	signInURL := waitLine(ctx, t, urls, "/authorize?")
	if mode == "auth0" {
		for _, want := range []string{"response_mode=form_post", "redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fpkce%2Fresponse%2Fcode"} {
			if !strings.Contains(signInURL, want) {
				t.Errorf("sign-in URL %s lacks %s", signInURL, want)
			}
		}
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox, // the tests run as root in CI
		chromedp.UserDataDir(filepath.Join(home, "chromium")),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	if err := chromedp.Do(bctx,
		chromedp.Navigate(signInURL),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "ada@example.com"),
		chromedp.Click(chromedp.CSS("button[value=approve]")),
	); err != nil {
		t.Fatalf("Chromium on the sign-in page: %v", err)
	}
	// The page the browser ends on: the agent's own (auth0 mode, after the
	// form_post page posted the code back) or the simulator's (pieces-os).
	// It goes through several navigations (the form_post page posts
	// itself); evaluate until a page with a heading stays.
	for {
		h, err := chromedp.Run(bctx, chromedp.Evaluate[string](`(document.querySelector("h1") || {}).textContent || ""`))
		loc, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`location.pathname`))
		if err == nil && h != "" && !strings.HasPrefix(loc, "/authorize") {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("Chromium never left the sign-in server (last at %q)", loc)
		case <-time.After(100 * time.Millisecond):
		}
	}
	heading, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("body")))
	where, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.location.href`))
	t.Logf("Chromium ended on %s: %q", where, heading)
	if !strings.Contains(strings.ToLower(heading), "signed in") {
		t.Fatalf("Chromium ended on %q: %s", heading, body)
	}
	if _, err := item.WaitMenu(ctx, func(entries []MenuEntry) bool {
		labels := Labels(Visible(entries))
		return len(labels) > 0 && strings.Contains(labels[0], "ada@example.com")
	}); err != nil {
		t.Fatalf("the tray never showed ada@example.com signed in: %v", err)
	}
}

// waitLine waits for a line containing want in the file at path.
func waitLine(ctx context.Context, t *testing.T, path, want string) string {
	t.Helper()
	for {
		b, _ := os.ReadFile(path)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, want) {
				return strings.TrimSpace(line)
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no URL with %q was opened (got %q)", want, b)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
