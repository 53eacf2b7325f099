package windowcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"piecestray/app"
	"piecestray/internal/control"
	"piecestray/internal/desktoptest"
)

// screenshotsEnv names a directory where TestWindowsOnDesktop saves its
// captures (docs/screenshots for the README); unset, they go to a
// temporary directory.
const screenshotsEnv = "PIECES_TRAY_SCREENSHOTS"

// desktopWindows are the windows captured, in order, with their titles.
var desktopWindows = []struct{ name, title string }{
	{"account", "Pieces account"},
	{"vanity", "Pieces vanity name"},
	{"beta", "Pieces beta program"},
	{"signout", "Sign out of Pieces"},
}

// TestWindowsOnDesktop runs `pieces-tray window NAME` by hand against an
// agent under Xvfb that runs against the demo's Pieces OS simulator
// (cmd/pieces-os-sim with the demo's settings) and is signed in by a
// scripted browser: the agent opens the window in a process of its own. It measures exec
// → window mapped → painted, captures every window to PNG, checks that a
// second request raises the open window instead of opening another, that
// Escape closes a window, and that each window process exits cleanly.
func TestWindowsOnDesktop(t *testing.T) {
	desktoptest.Require(t)
	if testing.Short() {
		t.Skip("builds and runs the pieces-tray binary")
	}
	for _, tool := range []string{"xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing (make deps installs it): %v", tool, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	bin := desktoptest.Build(t, "piecestray", "piecestray/cmd/pieces-os-sim", "piecestray/cmd/scripted-browser")
	exe := filepath.Join(bin, "piecestray")
	// The demo's settings (scripts/demo.sh): names that are taken, and a
	// personal cloud that is not ready for 20 s after sign-in.
	sim := desktoptest.RunSim(t, filepath.Join(bin, "pieces-os-sim"), "--addr", "127.0.0.1:0",
		"--taken", "pieces,admin,demo", "--cloud-ready-delay", "20s")
	shots := os.Getenv(screenshotsEnv)
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	// A tray host, so that the agent shows its icon instead of opening the
	// account window by itself.
	watcher, err := desktoptest.StartWatcher()
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Stop()

	home := t.TempDir()
	sock := filepath.Join(home, "pieces-tray", "control.sock")
	env := func(instance string) []string {
		for _, d := range []string{"config", "cache", "state", "data"} {
			if err := os.MkdirAll(filepath.Join(home, instance, d), 0o700); err != nil {
				t.Fatal(err)
			}
		}
		return append(os.Environ(),
			"BROWSER="+filepath.Join(bin, "scripted-browser"),
			"SCRIPTED_BROWSER_ACTION=approve",
			"SCRIPTED_BROWSER_EMAIL=ada@example.com",
			"PIECES_TRAY_NOTIFICATIONS=off",
			"PIECES_TRAY_SOCKET="+sock,
			"FYNE_THEME=light",
			"FYNE_SCALE=1",
			"LANG=en_US.UTF-8",
			// The demo's profile picture is a Gravatar URL: a dead proxy keeps
			// the test off the Internet (the placeholder shows). Go never
			// proxies loopback, so the simulators are still reached.
			"HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9", "NO_PROXY=",
			"XDG_CONFIG_HOME="+filepath.Join(home, instance, "config"),
			"XDG_CACHE_HOME="+filepath.Join(home, instance, "cache"),
			"XDG_STATE_HOME="+filepath.Join(home, instance, "state"),
			"XDG_DATA_HOME="+filepath.Join(home, instance, "data"),
		)
	}
	agent := exec.CommandContext(ctx, exe, "--pieces-os-url", sim.PiecesOS, "--auth0-domain", sim.Auth0,
		"--keyring-service", "pieces-tray-test-"+t.Name(), "--socket", sock, "--log-file", filepath.Join(home, "agent.log"))
	agent.Env = env("agent")
	if err := agent.Start(); err != nil {
		t.Fatalf("start the agent: %v", err)
	}
	agentDone := make(chan error, 1)
	go func() { agentDone <- agent.Wait() }()
	agentExited := false // agentDone has been read
	defer func() {
		if !agentExited {
			agent.Process.Signal(syscall.SIGTERM) //nolint:errcheck // it may have exited
			select {
			case <-agentDone:
			case <-time.After(15 * time.Second):
				agent.Process.Kill() //nolint:errcheck // it may have exited
				<-agentDone
			}
		}
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(home, "agent.log")); err == nil {
				t.Logf("agent log:\n%s", b)
			}
		}
	}()

	cl := dialAgent(ctx, t, sock)
	defer cl.Close()
	signIn := exec.CommandContext(ctx, exe, "sign-in", "--socket", sock)
	signIn.Env = env("sign-in")
	if out, err := signIn.CombinedOutput(); err != nil {
		t.Fatalf("pieces-tray sign-in: %v\n%s", err, out)
	}
	waitSignedIn(ctx, t, cl)

	for _, w := range desktopWindows {
		t.Run(w.name, func(t *testing.T) {
			p := startWindow(ctx, t, exe, w.name, env("window-"+w.name))
			if code := p.wait(t, 20*time.Second); code != 0 {
				t.Errorf("`window %s` run by hand exited %d; want 0 once the agent was asked", w.name, code)
			}
			id, mapped := waitMapped(ctx, t, w.title, p.started)
			img, painted := waitPainted(ctx, t, id, p.started)
			t.Logf("%s: exec → window mapped %v, → painted %v", w.name, mapped.Round(time.Millisecond), painted.Round(time.Millisecond))
			img = waitSettled(ctx, t, id, img)
			if b := img.Bounds(); b.Dx() < 300 || b.Dy() < 150 {
				t.Errorf("capture is %dx%d; want a whole window", b.Dx(), b.Dy())
			}
			savePNG(t, filepath.Join(shots, w.name+".png"), img)

			if w.name == "vanity" {
				// Typing and Enter reach the agent: the demo answers that the
				// personal cloud is not ready yet (first 20 s) or that "demo"
				// is taken.
				typing := exec.CommandContext(ctx, "xdotool", "windowfocus", "--sync", id, "type", "--delay", "30", "demo")
				if out, err := typing.CombinedOutput(); err != nil {
					t.Fatalf("xdotool type: %v\n%s", err, out)
				}
				if out, err := exec.CommandContext(ctx, "xdotool", "key", "Return").CombinedOutput(); err != nil {
					t.Fatalf("xdotool key Return: %v\n%s", err, out)
				}
				msg := waitLastError(ctx, t, cl)
				if !strings.Contains(msg, "already taken") && !strings.Contains(msg, "not fully connected") {
					t.Errorf("after typing demo + Enter the agent says %q; want taken or not ready", msg)
				}
				savePNG(t, filepath.Join(shots, "vanity-error.png"), waitSettled(ctx, t, id, img))
				// A second request brings the open window forward instead of
				// opening another: hidden first, it is shown again by the
				// raise event that only a registered window gets.
				if out, err := exec.CommandContext(ctx, "xdotool", "windowunmap", "--sync", id).CombinedOutput(); err != nil {
					t.Fatalf("xdotool windowunmap: %v\n%s", err, out)
				}
				second := startWindow(ctx, t, exe, w.name, env("window-vanity-2"))
				if code := second.wait(t, 20*time.Second); code != 0 {
					t.Errorf("second `window vanity` exited %d; want 0", code)
				}
				waitMapped(ctx, t, w.title, second.started)
				if ids := searchWindows(ctx, w.title); len(ids) != 1 || ids[0] != id {
					t.Errorf("visible windows titled %q: %v; want only %s", w.title, ids, id)
				}
			}
			// The keyboard as a person uses it: Escape closes the window
			// (and so ends its process; the agent logs an unclean exit,
			// checked after quitting) without signing out.
			key := exec.CommandContext(ctx, "xdotool", "windowfocus", "--sync", id, "key", "Escape")
			if out, err := key.CombinedOutput(); err != nil {
				t.Fatalf("xdotool key Escape: %v\n%s", err, out)
			}
			waitGone(ctx, t, w.title)
		})
	}

	// Without an agent the window process explains itself in a window.
	t.Run("unavailable", func(t *testing.T) {
		p := startWindow(ctx, t, exe, "vanity", append(env("window-unavailable"), "PIECES_TRAY_SOCKET="+filepath.Join(home, "nobody.sock")))
		id, _ := waitMapped(ctx, t, "Pieces Tray", p.started)
		img, _ := waitPainted(ctx, t, id, p.started)
		savePNG(t, filepath.Join(shots, "unavailable.png"), waitSettled(ctx, t, id, img))
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if code := p.wait(t, 15*time.Second); code != ExitUnavailable {
			t.Errorf("window process without an agent exited %d; want %d", code, ExitUnavailable)
		}
	})

	// The menu's path: the agent launches the window (show_window) and it
	// is mapped; this is "click a menu item → window painted".
	t.Run("show_window", func(t *testing.T) {
		start := time.Now()
		if err := cl.Call(ctx, string(app.ActionShowWindow), app.WindowArgs{Name: "account"}, nil); err != nil {
			t.Fatalf("show_window: %v", err)
		}
		id, mapped := waitMapped(ctx, t, "Pieces account", start)
		_, painted := waitPainted(ctx, t, id, start)
		t.Logf("menu → account window mapped %v, → painted %v", mapped.Round(time.Millisecond), painted.Round(time.Millisecond))
		if err := cl.Call(ctx, string(app.ActionShowWindow), app.WindowArgs{Name: "account"}, nil); err != nil {
			t.Fatalf("second show_window: %v", err)
		}
		time.Sleep(300 * time.Millisecond) // a wrong second window would be mapped by now
		if ids := searchWindows(ctx, "Pieces account"); len(ids) != 1 {
			t.Errorf("%d account windows after two show_window; want 1", len(ids))
		}
	})

	// Quitting the agent closes the window it launched (left open above).
	t.Run("quit", func(t *testing.T) {
		if ids := searchWindows(ctx, "Pieces account"); len(ids) != 1 {
			t.Fatalf("%d account windows before quitting; want the one show_window opened", len(ids))
		}
		if err := agent.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-agentDone:
			agentExited = true
			if err != nil {
				t.Errorf("the agent exited with %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("the agent did not exit within 15 s of SIGTERM")
		}
		// The agent waited for its window process to exit; the X server
		// drops the window as it notices the closed connection.
		deadline := time.Now().Add(5 * time.Second)
		for ids := searchWindows(ctx, "Pieces account"); len(ids) != 0; ids = searchWindows(ctx, "Pieces account") {
			if time.Now().After(deadline) {
				t.Fatalf("%d account windows 5 s after the agent quit; want 0", len(ids))
			}
			time.Sleep(50 * time.Millisecond)
		}
		b, err := os.ReadFile(filepath.Join(home, "agent.log"))
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"did not close when asked", "a window ended with an error"} {
			if strings.Contains(string(b), bad) {
				t.Errorf("the agent's log says %q:\n%s", bad, b)
			}
		}
	})
}

// dialAgent returns a Client once the agent answers on sock.
func dialAgent(ctx context.Context, t *testing.T, sock string) *control.Client {
	t.Helper()
	cl := control.NewClient(sock)
	for {
		wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := cl.Watch(wctx)
		cancel()
		if err == nil {
			return cl
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the agent never answered on %s: %v", sock, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitSignedIn waits until the agent has signed in ada@example.com.
func waitSignedIn(ctx context.Context, t *testing.T, cl *control.Client) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	states, err := cl.Watch(wctx)
	if err != nil {
		t.Fatal(err)
	}
	var last app.State
	for raw := range states {
		if err := json.Unmarshal(raw, &last); err == nil && last.SignedIn() {
			return
		}
	}
	t.Fatalf("the agent did not sign in; last phase %q (%s)", last.Phase, last.LastError)
}

// waitLastError waits until the agent reports a failure and returns it.
func waitLastError(ctx context.Context, t *testing.T, cl *control.Client) string {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	states, err := cl.Watch(wctx)
	if err != nil {
		t.Fatal(err)
	}
	for raw := range states {
		var s app.State
		if err := json.Unmarshal(raw, &s); err == nil && s.LastError != "" {
			return s.LastError
		}
	}
	t.Fatal("the agent reported no failure after the vanity name was submitted")
	return ""
}

// windowProc is one `pieces-tray window NAME` process.
type windowProc struct {
	cmd     *exec.Cmd
	started time.Time
	done    chan error
	stderr  *bytes.Buffer
}

func startWindow(ctx context.Context, t *testing.T, exe, name string, env []string) *windowProc {
	t.Helper()
	p := &windowProc{cmd: exec.CommandContext(ctx, exe, "window", name), done: make(chan error, 1), stderr: &bytes.Buffer{}}
	p.cmd.Env = env
	p.cmd.Stderr = p.stderr
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start window %s: %v", name, err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill() //nolint:errcheck // it may have exited
			<-p.done
		}
		if t.Failed() {
			t.Logf("window %s stderr:\n%s", name, p.stderr)
		}
	})
	return p
}

// wait returns the exit code once the process ends.
func (p *windowProc) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case err := <-p.done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Logf("stderr: %s", p.stderr)
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatalf("wait: %v", err)
		}
		return 0
	case <-time.After(limit):
		t.Fatalf("the window process did not exit within %v; stderr: %s", limit, p.stderr)
	}
	return -1
}

// waitGone waits until no visible window is titled title.
func waitGone(ctx context.Context, t *testing.T, title string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for len(searchWindows(ctx, title)) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("a window titled %q is still shown 15 s after Escape", title)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// searchWindows lists the visible windows titled exactly title.
func searchWindows(ctx context.Context, title string) []string {
	out, err := exec.CommandContext(ctx, "xdotool", "search", "--onlyvisible", "--name", "^"+title+"$").Output()
	if err != nil {
		return nil // exit status 1: none
	}
	return strings.Fields(string(out))
}

// waitMapped waits until a window titled title is visible and returns its
// id and the time since start.
func waitMapped(ctx context.Context, t *testing.T, title string, start time.Time) (string, time.Duration) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if ids := searchWindows(ctx, title); len(ids) > 0 {
			return ids[0], time.Since(start)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no window titled %q was mapped within 30 s", title)
	return "", 0
}

// capture grabs window id as an image.
func capture(ctx context.Context, id string) (image.Image, error) {
	out, err := exec.CommandContext(ctx, "import", "-window", id, "png:-").Output()
	if err != nil {
		return nil, fmt.Errorf("import -window %s: %w", id, err)
	}
	return png.Decode(bytes.NewReader(out))
}

// waitPainted captures until the window shows more than a blank fill.
func waitPainted(ctx context.Context, t *testing.T, id string, start time.Time) (image.Image, time.Duration) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		img, err := capture(ctx, id)
		if err == nil && colours(img) > 8 {
			return img, time.Since(start)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("window %s was never painted", id)
	return nil, 0
}

// waitSettled captures until two captures in a row are equal (the state
// from the agent has arrived and been drawn).
func waitSettled(ctx context.Context, t *testing.T, id string, img image.Image) image.Image {
	t.Helper()
	for i := 0; i < 50; i++ {
		time.Sleep(200 * time.Millisecond)
		next, err := capture(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if samePixels(img, next) {
			return next
		}
		img = next
	}
	t.Fatalf("window %s kept changing", id)
	return nil
}

// colours counts the distinct colours of img, up to 1000.
func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= 1000 {
				return len(seen)
			}
		}
	}
	return len(seen)
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				return false
			}
		}
	}
	return true
}

func savePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("saved %s", path)
}
