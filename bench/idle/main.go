// Command idle measures the tray agent as a person runs it all day: it starts
// the Pieces OS simulator, the agent (with no X display, only the session
// bus), a test-side StatusNotifierWatcher and notification server, signs in
// with a scripted browser, and then reports
//
//   - exec → tray registered (RegisterStatusNotifierItem seen by the watcher),
//   - CPU time used over an idle period with a live stream,
//   - resident memory (RSS) at the end, and its peak.
//
// Run it with bench/idle.sh, which provides a private session bus. The
// figures go to docs/PERFORMANCE.md.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"piecestray/app"
	"piecestray/internal/control"
	"piecestray/internal/desktoptest"
)

func main() {
	agentBin := flag.String("agent", "bin/pieces-tray", "the agent binary")
	simBin := flag.String("sim", "bin/pieces-os-sim", "the Pieces OS simulator binary")
	browserBin := flag.String("browser", "bin/scripted-browser", "the scripted browser binary")
	idle := flag.Duration("idle", 60*time.Second, "idle period to measure")
	runs := flag.Int("runs", 5, "how many times to measure exec → registered")
	settle := flag.Duration("settle", 12*time.Second, "wait after sign-in before measuring (past the agent's start-up trim at 10 s)")
	flag.Parse()
	if err := run(*agentBin, *simBin, *browserBin, *idle, *settle, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "idle:", err)
		os.Exit(1)
	}
}

func run(agentBin, simBin, browserBin string, idle, settle time.Duration, runs int) error {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return fmt.Errorf("no session bus: run this through bench/idle.sh")
	}
	for _, p := range []*string{&agentBin, &simBin, &browserBin} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return err
		}
		*p = abs
	}
	watcher, err := desktoptest.StartWatcher()
	if err != nil {
		return fmt.Errorf("start watcher: %w", err)
	}
	defer watcher.Stop()
	notes, err := desktoptest.StartNotificationServer()
	if err != nil {
		return fmt.Errorf("start notification server: %w", err)
	}
	defer notes.Stop()

	sim, err := desktoptest.StartSim(simBin, "--addr", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer sim.Stop() //nolint:errcheck // the figures are printed
	urls := map[string]string{"pieces-os": sim.PiecesOS, "auth0": sim.Auth0}

	work, err := os.MkdirTemp("", "pt-idle")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	fmt.Printf("exec → tray registered (%d runs):", runs)
	for i := 0; i < runs; i++ {
		d, err := measureRegistration(agentBin, watcher, urls, work, browserBin, i)
		if err != nil {
			return err
		}
		fmt.Printf(" %.1f ms", float64(d.Microseconds())/1000)
	}
	fmt.Println()

	// The long run: signed in, live stream, idle.
	agent, socket, err := startAgent(agentBin, urls, work, browserBin, runs)
	if err != nil {
		return err
	}
	defer stopAgent(agent)
	if err := signIn(socket); err != nil {
		return err
	}
	time.Sleep(settle) // let start-up work finish
	pid := agent.Process.Pid
	cpu0, err := cpuTime(pid)
	if err != nil {
		return err
	}
	time.Sleep(idle)
	cpu1, err := cpuTime(pid)
	if err != nil {
		return err
	}
	mem, err := memory(pid)
	if err != nil {
		return err
	}
	st, err := state(socket)
	if err != nil {
		return err
	}
	fmt.Printf("idle %v signed in (%s, stream %s): CPU %.1f ms, RSS %.1f MB (file %.1f MB, anon %.1f MB; peak %.1f MB), %d threads, DISPLAY unset\n",
		idle, st.Phase, st.Stream.Status, float64((cpu1-cpu0).Microseconds())/1000,
		mb(mem["VmRSS"]), mb(mem["RssFile"]), mb(mem["RssAnon"]), mb(mem["VmHWM"]), mem["Threads"])
	return nil
}

func agentCmd(agentBin string, urls map[string]string, work, browserBin string, n int) (*exec.Cmd, string) {
	socket := filepath.Join(work, fmt.Sprintf("s%d.sock", n))
	cmd := exec.Command(agentBin,
		"--pieces-os-url", urls["pieces-os"],
		"--auth0-domain", urls["auth0"],
		"--keyring-service", "pieces-tray-bench",
		"--socket", socket,
		"--log-file", filepath.Join(work, fmt.Sprintf("agent%d.log", n)))
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "BROWSER="+browserBin, "XDG_STATE_HOME="+work)
	return cmd, socket
}

func measureRegistration(agentBin string, w *desktoptest.Watcher, urls map[string]string, work, browserBin string, n int) (time.Duration, error) {
	before := len(w.Registrations())
	cmd, _ := agentCmd(agentBin, urls, work, browserBin, n)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer stopAgent(cmd)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	regs, err := w.WaitRegistrations(ctx, before+1)
	if err != nil {
		return 0, fmt.Errorf("the agent did not register with the watcher: %w", err)
	}
	return regs[before].At.Sub(start), nil
}

func startAgent(agentBin string, urls map[string]string, work, browserBin string, n int) (*exec.Cmd, string, error) {
	cmd, socket := agentCmd(agentBin, urls, work, browserBin, n)
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	return cmd, socket, nil
}

func stopAgent(cmd *exec.Cmd) {
	cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// signIn asks the agent to sign in (the scripted browser completes it) and
// waits until it is signed in with a live stream.
func signIn(socket string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := control.NewClient(socket)
	defer c.Close()
	var states <-chan json.RawMessage
	var err error
	for ctx.Err() == nil {
		if states, err = c.Watch(ctx); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if states == nil {
		return fmt.Errorf("reach the agent: %w", err)
	}
	asked := false
	for raw := range states {
		var st app.State
		if err := json.Unmarshal(raw, &st); err != nil {
			return err
		}
		switch {
		case st.Phase == app.PhaseSignedIn && st.Stream.Status == app.StreamLive:
			return nil
		case st.Phase == app.PhaseSignedOut && !asked:
			asked = true
			if err := c.Call(ctx, string(app.ActionSignIn), nil, nil); err != nil {
				return fmt.Errorf("sign in: %w", err)
			}
		}
	}
	return fmt.Errorf("the agent did not sign in: %v", ctx.Err())
}

func state(socket string) (app.State, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := control.NewClient(socket)
	defer c.Close()
	states, err := c.Watch(ctx)
	if err != nil {
		return app.State{}, err
	}
	var st app.State
	err = json.Unmarshal(<-states, &st)
	return st, err
}

// cpuTime sums the on-CPU time of every thread of pid (schedstat, in ns).
func cpuTime(pid int) (time.Duration, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(tasks) == 0 {
		return 0, fmt.Errorf("read schedstat of %d: %v", pid, err)
	}
	var total time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // the thread ended
		}
		f := strings.Fields(string(b))
		if len(f) > 0 {
			ns, _ := strconv.ParseInt(f[0], 10, 64)
			total += time.Duration(ns)
		}
	}
	return total, nil
}

// memory reads the memory figures of pid (kB: VmRSS, VmHWM, RssFile,
// RssAnon) and its thread count (Threads) from /proc/PID/status.
func memory(pid int) (map[string]int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	m := map[string]int{}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch k {
		case "VmRSS", "VmHWM", "RssFile", "RssAnon", "Threads":
			m[k], _ = strconv.Atoi(strings.Fields(v + " 0")[0])
		}
	}
	return m, nil
}

// mb converts kB to MB.
func mb(kb int) float64 { return float64(kb) / 1024 }
