package desktoptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAgentEndToEnd runs the real agent binary against the Pieces OS
// simulator and its Auth0 stand-in (cmd/pieces-os-sim, a process of its
// own), with a scripted browser in $BROWSER, and reads it as a desktop
// does: tray item, menu, clicks, notifications, re-registration.
func TestAgentEndToEnd(t *testing.T) {
	Require(t)
	if testing.Short() {
		t.Skip("builds and runs the agent binary")
	}
	StartBus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	bin := binaries(t)
	stand := RunSim(t, filepath.Join(bin, "pieces-os-sim"), "--addr", "127.0.0.1:0")
	sim := stand.PiecesOS

	watcher, err := StartWatcher()
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Stop()
	notes, err := StartNotificationServer()
	if err != nil {
		t.Fatal(err)
	}
	defer notes.Stop()

	start := time.Now()
	agent := startAgent(ctx, t, bin, nil, []string{
		"BROWSER=" + filepath.Join(bin, "scripted-browser"),
		"SCRIPTED_BROWSER_ACTION=approve",
		"SCRIPTED_BROWSER_EMAIL=ada@example.com",
	}, "--pieces-os-url", sim, "--auth0-domain", stand.Auth0, "--keyring-service", "pieces-tray-test-"+t.Name())

	regs, err := watcher.WaitRegistrations(ctx, 1)
	if err != nil {
		t.Fatalf("the agent never registered a tray item: %v", err)
	}
	t.Logf("exec → tray registered: %v", regs[0].At.Sub(start).Round(time.Millisecond))

	host := Connect(t)
	item, err := OpenItem(ctx, host, regs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer item.Close()
	if _, err := item.WaitMenu(ctx, HasLabel("Not signed in")); err != nil {
		t.Fatal(err)
	}
	props, err := item.WaitProperties(ctx, func(p ItemProps) bool { return p.Tooltip.Title == "Pieces: Not signed in" })
	if err != nil {
		t.Error(err)
	}
	if len(props.Icons) == 0 || len(props.Icons[0].Pix) == 0 {
		t.Error("the item has no icon (empty IconPixmap)")
	}

	// Sign in through the menu; the scripted browser approves.
	if _, err := item.WaitMenu(ctx, IsEnabled("Sign in…")); err != nil {
		t.Fatal(err)
	}
	if err := item.WaitQuiet(ctx, 150*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := item.Click(ctx, "Sign in…"); err != nil {
		t.Fatal(err)
	}
	header := func(want string) func([]MenuEntry) bool {
		return func(m []MenuEntry) bool {
			v := Visible(m)
			return len(v) > 0 && strings.Contains(v[0].Label, want)
		}
	}
	if _, err := item.WaitMenu(ctx, header("ada@example.com")); err != nil {
		t.Fatal(err)
	}
	if _, err := waitNote(ctx, notes, "Signed in to Pieces"); err != nil {
		t.Fatal(err)
	}

	// A profile change on Pieces OS: the header follows, and exactly one
	// notification says so.
	user := simState(ctx, t, sim)
	user["name"] = "Ada Lovelace-Byron"
	simPost(ctx, t, sim, "/__sim/user", map[string]any{"profile": user})
	if _, err := item.WaitMenu(ctx, header("Ada Lovelace-Byron")); err != nil {
		t.Fatal(err)
	}
	if _, err := waitNote(ctx, notes, "Pieces profile updated"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // longer than the core's coalescing window
	if n := countNotes(notes, "Pieces profile updated"); n != 1 {
		t.Errorf("%d profile notifications; want exactly 1", n)
	}

	// Signed out on Pieces OS.
	simPost(ctx, t, sim, "/__sim/signout", nil)
	if _, err := item.WaitMenu(ctx, header("Not signed in")); err != nil {
		t.Fatal(err)
	}
	if _, err := waitNote(ctx, notes, "Signed out of Pieces"); err != nil {
		t.Fatal(err)
	}

	// The panel restarts: the agent registers again.
	count := len(watcher.Registrations())
	if err := watcher.Restart(); err != nil {
		t.Fatal(err)
	}
	regs, err = watcher.WaitRegistrations(ctx, count+1)
	if err != nil {
		t.Fatalf("no re-registration after the watcher restarted: %v", err)
	}
	if last := regs[len(regs)-1]; last.Sender != regs[0].Sender {
		t.Errorf("re-registered from %s; want %s", last.Sender, regs[0].Sender)
	}

	// Quit ends the process cleanly.
	if err := item.WaitQuiet(ctx, 150*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := item.Click(ctx, "Quit Pieces Tray"); err != nil {
		t.Logf("Click(Quit): %v", err) // the reply may be lost as the agent exits
	}
	if exited, err := agent.wait(15 * time.Second); !exited {
		t.Error("the agent did not exit after Quit")
	} else if err != nil {
		t.Errorf("the agent exited with %v after Quit", err)
	}
	for _, n := range notes.Notifications() {
		if strings.Contains(n.Body, "eyJ") || strings.Contains(n.Summary, "eyJ") {
			t.Errorf("a notification carries something like a token: %+v", n)
		}
	}
	// The whole run logged at debug level, sign-in included, and no JWT (the
	// access and id tokens all start "eyJ") or token field reached the log.
	logged, err := os.ReadFile(agent.log)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(logged), "signed in") {
		t.Errorf("the agent log has no sign-in line; is it the right file?\n%s", logged)
	}
	for _, bad := range []string{"eyJ", "access_token", "refresh_token", "code_verifier"} {
		if strings.Contains(string(logged), bad) {
			t.Errorf("the agent's debug log contains %q", bad)
		}
	}
}

func waitNote(ctx context.Context, s *NotificationServer, summary string) (Notification, error) {
	for n := 1; ; n++ {
		got, err := s.Wait(ctx, n)
		if err != nil {
			return Notification{}, fmt.Errorf("no %q notification in %d: %w", summary, len(got), err)
		}
		if got[n-1].Summary == summary {
			return got[n-1], nil
		}
	}
}

func countNotes(s *NotificationServer, summary string) int {
	n := 0
	for _, x := range s.Notifications() {
		if x.Summary == summary {
			n++
		}
	}
	return n
}

func simState(ctx context.Context, t *testing.T, sim string) map[string]any {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", sim+"/__sim/state", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		User map[string]any `json:"user"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || st.User == nil {
		t.Fatalf("simulator state: %v (user %v)", err, st.User)
	}
	return st.User
}

func simPost(ctx context.Context, t *testing.T, sim, path string, body any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(ctx, "POST", sim+path, r)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST %s: %s %s", path, resp.Status, b)
	}
}
