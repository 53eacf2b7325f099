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
	"piecestray/internal/agent"
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

	work, err := os.MkdirTemp("", "pt-idle")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	// The agent as a person runs it, but with no X display: only the bus.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			env = append(env, kv)
		}
	}
	env = append(env, "BROWSER="+browserBin, "XDG_STATE_HOME="+work)
	startAgent := func(n int) (*exec.Cmd, string, error) {
		socket := filepath.Join(work, fmt.Sprintf("s%d.sock", n))
		cmd := exec.Command(agentBin, "--pieces-os-url", sim.PiecesOS, "--auth0-domain", sim.Auth0,
			"--keyring-service", "pieces-tray-bench", "--socket", socket,
			"--log-file", filepath.Join(work, fmt.Sprintf("agent%d.log", n)))
		cmd.Env = env
		return cmd, socket, cmd.Start()
	}

	fmt.Printf("exec → tray registered (%d runs):", runs)
	for i := range runs {
		before := len(watcher.Registrations())
		start := time.Now()
		cmd, _, err := startAgent(i)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		regs, err := watcher.WaitRegistrations(ctx, before+1)
		cancel()
		stopAgent(cmd)
		if err != nil {
			return fmt.Errorf("the agent did not register with the watcher: %w", err)
		}
		fmt.Printf(" %.1f ms", float64(regs[before].At.Sub(start).Microseconds())/1000)
	}
	fmt.Println()

	// The long run: signed in, live stream, idle.
	cmd, socket, err := startAgent(runs)
	if err != nil {
		return err
	}
	defer stopAgent(cmd)
	if _, err := agent.SignIn(context.Background(), socket, 30*time.Second); err != nil {
		return err
	}
	// The scripted browser completes the sign-in.
	if _, err := waitState(socket, 30*time.Second, func(st app.State) bool {
		return st.Phase == app.PhaseSignedIn && st.Stream.Status == app.StreamLive
	}); err != nil {
		return fmt.Errorf("the agent did not sign in: %w", err)
	}
	time.Sleep(settle) // let start-up work finish
	pid := cmd.Process.Pid
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
	st, err := waitState(socket, 5*time.Second, func(app.State) bool { return true })
	if err != nil {
		return err
	}
	fmt.Printf("idle %v signed in (%s, stream %s): CPU %.1f ms, RSS %.1f MB (file %.1f MB, anon %.1f MB; peak %.1f MB), %d threads, DISPLAY unset\n",
		idle, st.Phase, st.Stream.Status, float64((cpu1-cpu0).Microseconds())/1000,
		mb(mem["VmRSS"]), mb(mem["RssFile"]), mb(mem["RssAnon"]), mb(mem["VmHWM"]), mem["Threads"])
	return nil
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

// waitState watches the agent at socket for up to limit and returns the
// first state ok accepts.
func waitState(socket string, limit time.Duration, ok func(app.State) bool) (app.State, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	c := control.NewClient(socket)
	defer c.Close()
	states, err := c.Watch(ctx)
	if err != nil {
		return app.State{}, err
	}
	var st app.State
	for raw := range states {
		if err := json.Unmarshal(raw, &st); err != nil {
			return st, err
		}
		if ok(st) {
			return st, nil
		}
	}
	return st, fmt.Errorf("phase %s, stream %s after %v", st.Phase, st.Stream.Status, limit)
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

// memory reads the figures of /proc/PID/status, such as the memory ones
// (kB: VmRSS, VmHWM, RssFile, RssAnon) and the thread count (Threads).
func memory(pid int) (map[string]int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	m := map[string]int{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k], _ = strconv.Atoi(strings.Fields(v + " 0")[0])
		}
	}
	return m, nil
}

// mb converts kB to MB.
func mb(kb int) float64 { return float64(kb) / 1024 }
