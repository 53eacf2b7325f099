package control

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

// probeTimeout bounds how long Listen waits for an existing socket to
// answer before it decides that something unknown holds it.
const probeTimeout = 3 * time.Second

// maxConns is the number of connections served at once; more are answered
// "too_many" and closed.
const maxConns = 32

// errLocked is returned by lockFile when another open file holds the lock.
var errLocked = errors.New("control: lock held by another process")

// ErrAlreadyRunning is returned by Listen when another agent already serves
// the socket. The caller can ask it, with a Client, to show a window and
// exit.
var ErrAlreadyRunning = errors.New("control: the pieces-tray agent is already running")

// Listen creates the agent's socket at path in a private directory and
// returns a Server for it; the caller then calls Serve, which releases
// everything when it returns, or Close. It returns ErrAlreadyRunning when
// another agent holds the lock or answers on path (see the package doc).
func Listen(path string) (*Server, error) {
	if err := secureDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	lock, err := lockFile(path + ".lock")
	if errors.Is(err, errLocked) {
		return nil, ErrAlreadyRunning
	}
	if err != nil {
		return nil, err
	}
	if err := clearStale(path); err != nil {
		lock.Close()
		return nil, err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("control: listen on %s: %w", path, err)
	}
	if runtime.GOOS != "windows" {
		// The directory is already 0700; this is a second fence.
		if err := os.Chmod(path, 0o600); err != nil {
			ln.Close()
			lock.Close()
			return nil, fmt.Errorf("control: make socket private: %w", err)
		}
	}
	return newServer(&listener{UnixListener: ln, uid: os.Getuid()}, lock), nil
}

// clearStale removes a socket file at path that no process listens on. It
// returns ErrAlreadyRunning when an agent answers there. The caller holds the
// lock, so no other agent can be starting up meanwhile.
func clearStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("control: socket file: %w", err)
	}
	if !isSocket(fi) {
		return fmt.Errorf("control: %s exists and is not a socket; refusing to replace it", path)
	}
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	cl := NewClient(path)
	defer cl.Close()
	body, err := cl.send(ctx, http.MethodGet, "/v1/watch", "", nil)
	var re *RemoteError
	var oe *net.OpError
	switch {
	case err == nil:
		body.Close()
		return ErrAlreadyRunning
	case errors.As(err, &re): // an agent, with a problem
		return ErrAlreadyRunning
	case errors.As(err, &oe) && oe.Op == "dial":
		// Refused (or unreachable): nobody listens. We hold the lock, so
		// replacing the file cannot race with a starting agent.
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("control: remove stale socket: %w", err)
		}
		return nil
	}
	return fmt.Errorf("control: %s is held by a process that does not answer (%w); stop it or remove the file", path, err)
}

// isSocket reports whether fi describes a Unix socket file.
func isSocket(fi fs.FileInfo) bool {
	if fi.Mode().Type() == fs.ModeSocket {
		return true
	}
	// Older Go releases report AF_UNIX reparse points on Windows as
	// irregular files.
	return runtime.GOOS == "windows" && fi.Mode().Type() == fs.ModeIrregular
}

// listener drops connections from other users and counts the rest: the
// first maxConns open ones are admitted, later ones are marked so that the
// server answers them "too_many".
type listener struct {
	*net.UnixListener
	uid int // ours: peers must have it

	mu   sync.Mutex // guards open
	open int        // admitted connections not yet closed
}

// Accept returns the next connection of our user.
func (l *listener) Accept() (net.Conn, error) {
	for {
		uc, err := l.AcceptUnix()
		if err != nil {
			return nil, err
		}
		uid, pid, ok, err := peerCred(uc)
		if err != nil || (ok && uid != l.uid) {
			uc.Close() // another user, or unknown: no answer
			continue
		}
		c := &conn{UnixConn: uc, pid: pid}
		l.mu.Lock()
		if l.open < maxConns {
			l.open++
			c.l = l
		}
		l.mu.Unlock()
		return c, nil
	}
}

// conn is one accepted connection.
type conn struct {
	*net.UnixConn
	pid  int       // the peer's process, 0 when unknown
	l    *listener // nil when over maxConns
	once sync.Once // frees the slot once
}

// Close closes the connection and frees its slot.
func (c *conn) Close() error {
	c.once.Do(func() {
		if c.l != nil {
			c.l.mu.Lock()
			c.l.open--
			c.l.mu.Unlock()
		}
	})
	return c.UnixConn.Close()
}
