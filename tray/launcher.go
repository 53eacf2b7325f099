package tray

import (
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"piecestray/internal/control"
)

// Registry is the control socket's side of the window processes
// (*control.Server): it brings registered windows forward, closes them, and
// gives out the token a started window registers with.
type Registry interface {
	Raise(window string) bool
	CloseWindow(window string) bool
	WindowToken(window string) string
}

// Launcher opens the agent's windows: each is a process `EXE window NAME`
// (Fyne's driver lives there, not in the agent). It implements
// control.WindowLauncher.
//
// ShowWindow first asks the Registry to bring a window of that name
// forward. Otherwise it starts the process, with a fresh registration token
// in its environment (control.WindowTokenEnv), unless one for that name is
// already running or starting: there is at most one process per name.
// Processes are reaped in a goroutine; Wait waits for them, and CloseWindows
// asks them to close when the agent quits.
type Launcher struct {
	exe string
	reg Registry
	log *slog.Logger

	mu      sync.Mutex // guards running
	running map[string]*exec.Cmd
	wg      sync.WaitGroup // counts the reaping goroutines
}

// NewLauncher returns a Launcher starting exe (usually os.Executable());
// logger may be nil.
func NewLauncher(exe string, reg Registry, logger *slog.Logger) *Launcher {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Launcher{exe: exe, reg: reg, log: logger, running: make(map[string]*exec.Cmd)}
}

// WindowReasonEnv names the environment variable in which the Launcher
// tells a window process why the agent opened it by itself
// (ReasonNoTrayHost); empty, the person asked for the window.
const WindowReasonEnv = "PIECES_TRAY_WINDOW_REASON"

// ReasonNoTrayHost is the reason of the account window the agent opens
// because no tray host shows its icon.
const ReasonNoTrayHost = "no-tray-host"

// ShowWindow brings the window called name forward, or starts it.
func (l *Launcher) ShowWindow(name string) error { return l.ShowWindowBecause(name, "") }

// ShowWindowBecause is ShowWindow for a window the agent opens by itself: a
// new window process finds reason in WindowReasonEnv. A window already open
// is only brought forward.
func (l *Launcher) ShowWindowBecause(name, reason string) error {
	if !control.ValidWindow(name) {
		return fmt.Errorf("tray: show window: no window called %q", name)
	}
	if l.reg.Raise(name) {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.running[name]; ok {
		return nil // starting or running; it comes forward by itself when mapped
	}
	cmd := exec.Command(l.exe, "window", name)
	cmd.Env = append(os.Environ(), WindowReasonEnv+"="+reason, // set even when empty: never inherited
		control.WindowTokenEnv+"="+l.reg.WindowToken(name))
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("tray: start the %s window: %w", name, err)
	}
	l.running[name] = cmd
	l.log.Debug("started a window", "window", name, "pid", cmd.Process.Pid)
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		err := cmd.Wait()
		l.mu.Lock()
		delete(l.running, name)
		l.mu.Unlock()
		if err != nil {
			l.log.Warn("a window ended with an error", "window", name, "err", err)
		}
	}()
	return nil
}

// Wait waits until every started window process has exited.
func (l *Launcher) Wait() { l.wg.Wait() }

// CloseWindows asks every window process this launcher started to close,
// through the Registry when it has registered, else as the session ending
// would (SIGTERM, on which Fyne's driver quits; Windows has no such request,
// so there they are ended), and waits up to grace for them to exit. Those
// still running after grace are killed. A window whose agent has quit could
// do nothing but say so: the person chose to quit the whole application.
func (l *Launcher) CloseWindows(grace time.Duration) {
	l.mu.Lock()
	for name, cmd := range l.running {
		if l.reg.CloseWindow(name) {
			continue
		}
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil { // not on Windows
			cmd.Process.Kill() //nolint:errcheck // it may have exited meanwhile
		}
	}
	l.mu.Unlock()
	exited := make(chan struct{})
	go func() {
		l.wg.Wait()
		close(exited)
	}()
	select {
	case <-exited:
		return
	case <-time.After(grace):
	}
	l.mu.Lock()
	for name, cmd := range l.running {
		l.log.Warn("a window did not close when asked; ending it", "window", name, "pid", cmd.Process.Pid)
		cmd.Process.Kill() //nolint:errcheck // it may have exited meanwhile
	}
	l.mu.Unlock()
	<-exited
}
