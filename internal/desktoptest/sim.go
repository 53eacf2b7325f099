package desktoptest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Build compiles the main packages pkgs (import paths such as
// "piecestray/cmd/pieces-os-sim") into a new temporary directory of t and
// returns it. Each binary is named after the last element of its path:
// "piecestray" for the agent.
func Build(t testing.TB, pkgs ...string) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", append([]string{"build", "-o", dir + string(os.PathSeparator)}, pkgs...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("desktoptest: go build %s: %v\n%s", strings.Join(pkgs, " "), err, out)
	}
	return dir
}

// simStartTimeout bounds how long a simulator may take to print its URLs.
const simStartTimeout = 30 * time.Second

// Sim is a running cmd/pieces-os-sim process: the Pieces OS simulator and,
// unless started with --auth0-url, its Auth0 stand-in.
type Sim struct {
	PiecesOS string // the simulator's base URL; "" with --auth0-only
	Auth0    string // the Auth0 stand-in's URL; "" with --auth0-url

	cmd  *exec.Cmd
	log  bytes.Buffer  // its stderr; read only once done is closed (Wait has copied it all)
	done chan struct{} // closed once the process has exited and been reaped
	err  error         // how it exited, once done is closed
}

// StartSim runs the pieces-os-sim binary bin with args, in this process's
// environment (so $BROWSER reaches its POST /os/sign_in), and returns once
// it has printed its URLs. Stop or Kill it when done.
func StartSim(bin string, args ...string) (*Sim, error) {
	s := &Sim{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	s.cmd.Stderr = &s.log
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("desktoptest: pieces-os-sim: %w", err)
	}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("desktoptest: start pieces-os-sim: %w", err)
	}
	// It prints "auth0: URL" (unless --auth0-url), then "pieces-os: URL"
	// (unless --auth0-only), once listening.
	last := "pieces-os"
	if slices.Contains(args, "--auth0-only") {
		last = "auth0"
	}
	ready := make(chan map[string]string, 1)
	go func() {
		defer close(s.done)
		urls := map[string]string{}
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ": "); ok && urls[last] == "" {
				urls[k] = v
				if k == last {
					ready <- urls
				}
			}
		}
		s.err = s.cmd.Wait()
	}()
	select {
	case urls := <-ready:
		s.PiecesOS, s.Auth0 = urls["pieces-os"], urls["auth0"]
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("desktoptest: pieces-os-sim %s exited (%v) before it printed its URLs:\n%s", strings.Join(args, " "), s.err, s.log.String())
	case <-time.After(simStartTimeout):
		s.Kill()
		return nil, fmt.Errorf("desktoptest: pieces-os-sim %s printed no URLs within %v:\n%s", strings.Join(args, " "), simStartTimeout, s.log.String())
	}
}

// RunSim is StartSim for a test: it fails t when the simulator does not
// start, stops it when t ends and then logs its output if t failed.
func RunSim(t testing.TB, bin string, args ...string) *Sim {
	t.Helper()
	s, err := StartSim(bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("pieces-os-sim: %v", err)
		}
		if t.Failed() {
			t.Logf("pieces-os-sim %s output:\n%s", strings.Join(args, " "), s.log.String())
		}
	})
	return s
}

// Stop ends the simulator as a person does (SIGTERM), or kills it when it
// does not exit within 10 s, and returns how it exited. It may be called
// more than once, also after Kill.
func (s *Sim) Stop() error {
	s.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // it may have exited
	select {
	case <-s.done:
		return s.err
	case <-time.After(10 * time.Second):
		s.Kill()
		return fmt.Errorf("did not exit within 10 s of SIGTERM")
	}
}

// Kill ends the simulator at once (SIGKILL), as a crash does, and waits
// until it is gone.
func (s *Sim) Kill() {
	s.cmd.Process.Kill() //nolint:errcheck // it may have exited
	<-s.done
}
