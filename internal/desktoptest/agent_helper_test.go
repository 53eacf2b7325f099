package desktoptest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// built holds this test process's one build of the binaries the tests run
// (the agent, the simulator and the scripted browser), shared by every
// test: linking pieces-tray takes seconds. TestMain removes it.
var built struct {
	once sync.Once
	dir  string
	err  error
}

// binaries builds the agent ("piecestray"), "pieces-os-sim" and
// "scripted-browser" once per test process and returns their directory.
func binaries(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "desktoptest-bin-"); built.err != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", built.dir+string(os.PathSeparator),
			"piecestray", "piecestray/cmd/pieces-os-sim", "piecestray/cmd/scripted-browser")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("%w\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatalf("desktoptest: build the binaries: %v", built.err)
	}
	return built.dir
}

// agent is the agent binary running for one test in a home of its own.
type agent struct {
	home, socket, log string
	cmd               *exec.Cmd
	exited            chan error // receives how it exited, once
	reaped            bool       // exited was received from
}

// startAgent starts the agent binary in bin with args, a fresh home (XDG
// directories, control socket and debug log in t.TempDir) and env on top of
// base (nil: this process's environment). It is stopped (interrupted, then
// killed) when the test ends, and its log is shown if the test failed.
func startAgent(ctx context.Context, t *testing.T, bin string, base []string, env []string, args ...string) *agent {
	t.Helper()
	home := t.TempDir()
	a := &agent{home: home, exited: make(chan error, 1),
		// t.TempDir is 0755, which the agent refuses for its socket: a
		// missing directory, which it creates 0700, is the private one.
		socket: filepath.Join(home, "pieces-tray", "control.sock"),
		log:    filepath.Join(home, "agent.log"),
	}
	args = append([]string{"--debug", "--socket", a.socket, "--log-file", a.log}, args...)
	a.cmd = exec.CommandContext(ctx, filepath.Join(bin, "piecestray"), args...)
	if base == nil {
		base = os.Environ()
	}
	a.cmd.Env = append(append(base,
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"),
		"XDG_STATE_HOME="+filepath.Join(home, "state"),
		"XDG_DATA_HOME="+filepath.Join(home, "data"),
	), env...)
	if err := a.cmd.Start(); err != nil {
		t.Fatalf("start the agent: %v", err)
	}
	go func() { a.exited <- a.cmd.Wait() }()
	t.Cleanup(func() {
		if !a.reaped {
			a.cmd.Process.Signal(os.Interrupt) //nolint:errcheck // it may have exited
			if exited, _ := a.wait(15 * time.Second); !exited {
				a.cmd.Process.Kill() //nolint:errcheck // it may have exited
				<-a.exited
			}
		}
		if t.Failed() {
			if b, err := os.ReadFile(a.log); err == nil {
				t.Logf("agent log:\n%s", b)
			}
		}
	})
	return a
}

// wait waits up to limit for the agent to exit and returns whether it did,
// and how.
func (a *agent) wait(limit time.Duration) (exited bool, err error) {
	select {
	case err := <-a.exited:
		a.reaped = true
		return true, err
	case <-time.After(limit):
		return false, nil
	}
}
