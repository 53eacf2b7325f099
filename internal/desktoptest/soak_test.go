package desktoptest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"

	"piecestray/app"
	"piecestray/internal/control"
)

// soakUser is the keyring user of the agent's session item (the agent's
// keyringUser).
const soakUser = "session"

// TestRestartSoak (issue 17) keeps a signed-in agent running while Pieces OS
// crashes: the simulator is killed (SIGKILL) and started again at once on
// the same port, SOAK_RESTARTS times (default 50; make soak runs 500), with
// random gaps of 0–2 s. The Auth0 stand-in runs in a process of its own and
// stays, as the real one does. A restarted simulator has nobody signed in,
// as a Pieces OS that lost its session: each time, the agent must sign in
// there again with the session in its keyring, and that keyring item must
// never be deleted.
//
// The agent is the real binary on the desktop session's bus, with its real
// gnome-keyring (a private bus has none). It registers no tray and has no
// display, so that it leaves the shared bus and Xvfb to the other tests.
func TestRestartSoak(t *testing.T) {
	Require(t)
	if testing.Short() {
		t.Skip("restarts Pieces OS 50 times under the agent binary")
	}
	restarts := 50
	if v := os.Getenv("SOAK_RESTARTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("SOAK_RESTARTS=%q: want a positive number", v)
		}
		restarts = n
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(restarts)*time.Minute)
	defer cancel()

	bin := binaries(t)
	simBin := filepath.Join(bin, "pieces-os-sim")
	auth0 := RunSim(t, simBin, "--auth0-only").Auth0
	sim, err := StartSim(simBin, "--addr", "127.0.0.1:0", "--auth0-url", auth0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if sim != nil {
			sim.Stop() //nolint:errcheck // the last one; a killed one says so
		}
	}()
	addr := strings.TrimPrefix(sim.PiecesOS, "http://")

	// A keyring service of this run's own, never the real one; go-keyring
	// talks over godbus' shared session connection, closed last (goleak).
	service := fmt.Sprintf("pieces-tray-soak-%d-%d", os.Getpid(), time.Now().UnixNano())
	t.Cleanup(func() {
		keyring.Delete(service, soakUser) //nolint:errcheck // best effort
		if bus, err := dbus.SessionBus(); err == nil {
			bus.Close()
		}
	})
	secrets := watchKeyring(t)

	var noDisplay []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			noDisplay = append(noDisplay, kv)
		}
	}
	agent := startAgent(ctx, t, bin, noDisplay, []string{
		"BROWSER=" + filepath.Join(bin, "scripted-browser"),
		"SCRIPTED_BROWSER_ACTION=approve",
		"SCRIPTED_BROWSER_EMAIL=ada@example.com",
	}, "--pieces-os-url", sim.PiecesOS, "--auth0-domain", auth0, "--keyring-service", service, "--notifications=false")

	c := control.NewClient(agent.socket)
	defer c.Close()
	if err := callWhenUp(ctx, c, app.ActionSignIn); err != nil {
		t.Fatal(err)
	}
	if err := waitAgentSignedIn(ctx, c, time.Minute); err != nil {
		t.Fatalf("first sign-in: %v", err)
	}
	item := secrets.item(t, service)
	if _, err := keyring.Get(service, soakUser); err != nil {
		t.Fatalf("no session in the keyring after signing in: %v", err)
	}

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 17))
	var back []time.Duration // restart → signed in again, per restart
	started := time.Now()
	for i := 1; i <= restarts; i++ {
		time.Sleep(time.Duration(rng.Int64N(int64(2 * time.Second))))
		sim.Kill()
		restarted := time.Now()
		if sim, err = StartSim(simBin, "--addr", addr, "--auth0-url", auth0); err != nil {
			t.Fatalf("restart %d: %v", i, err)
		}
		if err := waitSimSignedIn(ctx, sim.PiecesOS, time.Minute); err != nil {
			t.Fatalf("restart %d of %d: session lost: the agent did not sign in to the restarted Pieces OS: %v", i, restarts, err)
		}
		if err := waitAgentSignedIn(ctx, c, time.Minute); err != nil {
			t.Fatalf("restart %d of %d: session lost: %v", i, restarts, err)
		}
		back = append(back, time.Since(restarted))
		if _, err := keyring.Get(service, soakUser); err != nil {
			t.Fatalf("restart %d: the keyring item is gone: %v", i, err)
		}
		if secrets.wasDeleted(item) {
			t.Fatalf("restart %d: the keyring item %s was deleted", i, item)
		}
		if now := secrets.item(t, service); now != item {
			t.Fatalf("restart %d: the keyring item was replaced (%s, was %s)", i, now, item)
		}
	}
	slices.Sort(back)
	t.Logf("%d Pieces OS restarts in %v, 0 sessions lost, keyring item never deleted; restart → signed in again: median %v, p95 %v, max %v",
		restarts, time.Since(started).Round(time.Second), back[len(back)/2].Round(time.Millisecond),
		back[len(back)*95/100].Round(time.Millisecond), back[len(back)-1].Round(time.Millisecond))
}

// callWhenUp runs action on the agent once it answers.
func callWhenUp(ctx context.Context, c *control.Client, action app.Action) error {
	for {
		err := c.Call(ctx, string(action), nil, nil)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the agent never answered %s: %w", action, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitAgentSignedIn waits until the agent says ada@example.com is signed in
// with a live stream.
func waitAgentSignedIn(ctx context.Context, c *control.Client, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	states, err := c.Watch(ctx)
	if err != nil {
		return fmt.Errorf("watch the agent: %w", err)
	}
	var last app.State
	for raw := range states {
		if err := json.Unmarshal(raw, &last); err != nil {
			return err
		}
		if last.SignedIn() && last.Stream.Status == app.StreamLive && last.User != nil && last.User.Email == "ada@example.com" {
			return nil
		}
	}
	return fmt.Errorf("not signed in within %v: phase %q, stream %q, error %q", limit, last.Phase, last.Stream.Status, last.LastError)
}

// waitSimSignedIn waits until the Pieces OS simulator at base has
// ada@example.com signed in: only the agent can have signed her in there.
func waitSimSignedIn(ctx context.Context, base string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/user", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			var got struct {
				User *struct {
					Email string `json:"email"`
				} `json:"user"`
			}
			err = json.NewDecoder(resp.Body).Decode(&got)
			resp.Body.Close()
			if err == nil && got.User != nil && got.User.Email == "ada@example.com" {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("nobody signed in within %v (last: %v)", limit, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// The Secret Service on the session bus.
const (
	secretsName = "org.freedesktop.secrets"
	secretsPath = dbus.ObjectPath("/org/freedesktop/secrets")
)

// keyringWatch reads the Secret Service on the session bus and records the
// items it deletes (its Collection.ItemDeleted signal).
type keyringWatch struct {
	conn    *dbus.Conn
	deleted chan *dbus.Signal
}

// watchKeyring starts recording deletions and checks that it sees one: it
// saves and deletes an item of its own.
func watchKeyring(t *testing.T) *keyringWatch {
	t.Helper()
	w := &keyringWatch{conn: Connect(t), deleted: make(chan *dbus.Signal, 1024)}
	if err := w.conn.AddMatchSignal(dbus.WithMatchInterface("org.freedesktop.Secret.Collection"), dbus.WithMatchMember("ItemDeleted")); err != nil {
		t.Fatalf("watch keyring deletions: %v", err)
	}
	w.conn.Signal(w.deleted)

	canary := fmt.Sprintf("pieces-tray-soak-canary-%d", time.Now().UnixNano())
	if err := keyring.Set(canary, soakUser, "x"); err != nil {
		t.Fatalf("save a keyring item: %v", err)
	}
	path := w.item(t, canary)
	if err := keyring.Delete(canary, soakUser); err != nil {
		t.Fatalf("delete a keyring item: %v", err)
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case s := <-w.deleted:
			if len(s.Body) == 1 && s.Body[0] == path {
				return w
			}
		case <-deadline:
			t.Fatal("deleting a keyring item sent no ItemDeleted signal: the watch would see nothing")
		}
	}
}

// item returns the object path of the keyring item (service, soakUser),
// failing t unless there is exactly one.
func (w *keyringWatch) item(t *testing.T, service string) dbus.ObjectPath {
	t.Helper()
	var unlocked, locked []dbus.ObjectPath
	err := w.conn.Object(secretsName, secretsPath).Call("org.freedesktop.Secret.Service.SearchItems", 0,
		map[string]string{"service": service, "username": soakUser}).Store(&unlocked, &locked)
	if err != nil {
		t.Fatalf("search the keyring: %v", err)
	}
	items := append(unlocked, locked...)
	if len(items) != 1 {
		t.Fatalf("keyring items for %s: %v; want exactly one", service, items)
	}
	return items[0]
}

// wasDeleted reports whether item was deleted since the last call.
func (w *keyringWatch) wasDeleted(item dbus.ObjectPath) bool {
	for {
		select {
		case s := <-w.deleted:
			if len(s.Body) == 1 && s.Body[0] == item {
				return true
			}
		default:
			return false
		}
	}
}
