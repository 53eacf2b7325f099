package control

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// probeTimeout bounds how long Listen waits for an existing socket to
// answer hello before it decides that something unknown holds it.
const probeTimeout = 3 * time.Second

// errLocked is returned by lockFile when another open file holds the lock.
var errLocked = errors.New("control: lock held by another process")

// Listen creates the agent's socket at path and returns a Server for it; the
// caller then calls Serve, which releases everything when it returns, or
// Close.
//
// The directory of path must be private to the user (see DefaultSocketPath;
// a missing directory is created 0700, one of ours named pieces-tray* that is
// too open is tightened, any other too open one is refused). Listen takes the lock file path+".lock"
// and returns ErrAlreadyRunning when another agent holds it or answers on
// path. A socket file that nobody listens on any more (a crashed agent) is
// removed and replaced; a path that is not a socket, or a socket whose
// listener does not speak this protocol, is an error.
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
	return newServer(ln, path, lock), nil
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
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		// Refused (or unreachable): nobody listens. We hold the lock, so
		// replacing the file cannot race with a starting agent.
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("control: remove stale socket: %w", err)
		}
		return nil
	}
	defer c.Close()
	deadline, _ := ctx.Deadline()
	err = handshake(c, bufio.NewReader(c), deadline)
	var re *RemoteError
	if err == nil || errors.As(err, &re) {
		return ErrAlreadyRunning
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

// checkPeer accepts a connection whose peer runs as uid when we run as self.
func checkPeer(uid, self int) error {
	if uid != self {
		return fmt.Errorf("control: peer runs as uid %d, not %d", uid, self)
	}
	return nil
}
