package apiclient_test

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// otherUsersListener starts a health server that answers like Pieces OS, as
// the user nobody, on port (0: any), and returns its port and nobody's uid.
// It needs Linux (the owner is read from /proc) and root; it skips
// elsewhere, and fails under CI=true, which runs as root.
func otherUsersListener(t *testing.T, port int) (int, int) {
	t.Helper()
	if os.Getuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI runs as root, which can start a listener as another user")
		}
		t.Skip("needs root, to start a listener as another user")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	// A copy of this test binary the other user can run (the build
	// directory is private).
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "pieces-tray-listen")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	exe := filepath.Join(dir, "listen")
	b, err := os.ReadFile(self)
	if err == nil {
		err = os.WriteFile(exe, b, 0o755)
	}
	if err == nil {
		err = os.Chmod(dir, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "PIECES_TRAY_TEST_LISTEN=1", "PIECES_TRAY_TEST_PORT="+strconv.Itoa(port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() }) //nolint:errcheck // it ends with its stdin
	if _, err := fmt.Fscan(out, &port); err != nil {
		return 0, -1 // it could not listen (the port is taken)
	}
	return port, uid
}

// tryOtherUsersListener is otherUsersListener on a given port, reporting
// false while that port is still taken.
func tryOtherUsersListener(t *testing.T, port int) (int, bool) {
	t.Helper()
	p, uid := otherUsersListener(t, port)
	return p, uid >= 0
}
