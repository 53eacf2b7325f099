// Package winetest helps tests run on Windows as it is emulated by Wine 8,
// where the Windows lane of `make test` runs them (scripts/wine-test.sh).
// Two gaps of Wine 8 that real Windows 10 does not have need a hand:
//
//   - No AF_UNIX sockets: every socket() of that family fails with
//     WSAEAFNOSUPPORT. NeedUnixSockets skips a test that needs one.
//   - No FileDispositionInformationEx, which os.RemoveAll uses since Go
//     1.25: removing a directory that still holds files fails with
//     "unlinkat …: Invalid function", and so does the cleanup of
//     t.TempDir. TempDir removes its directory first, one file at a time
//     with os.Remove, which Wine does support.
package winetest

import (
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"piecestray/internal/neterr"
)

// TempDir is tb.TempDir, removed one file at a time before testing's own
// cleanup (on Windows; elsewhere it is tb.TempDir alone).
func TempDir(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	if runtime.GOOS == "windows" {
		// Cleanups run last first: this one before TempDir's RemoveAll.
		tb.Cleanup(func() { removeTree(dir) })
	}
	return dir
}

// SocketPath returns the path name (which may name a directory to create
// too) in a new private directory under the system's temporary directory:
// short enough for a Unix socket, which t.TempDir's paths can exceed (about
// 104 bytes at most). The directory is removed when tb ends, as TempDir's
// is on Windows.
func SocketPath(tb testing.TB, name string) string {
	tb.Helper()
	dir, err := os.MkdirTemp("", "pt")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { removeTree(dir) })
	return filepath.Join(dir, name)
}

// removeTree removes dir and everything in it, deepest first.
func removeTree(dir string) {
	var paths []string
	filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err == nil {
			paths = append(paths, p)
		}
		return nil
	})
	for i := len(paths) - 1; i >= 0; i-- {
		os.Remove(paths[i])
	}
}

// unixSockets is the outcome of one attempt to listen on an AF_UNIX socket.
var unixSockets = sync.OnceValue(func() error {
	dir, err := os.MkdirTemp("", "pt")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("unix", filepath.Join(dir, "probe.sock"))
	if err == nil {
		ln.Close()
	}
	return err
})

// NeedUnixSockets skips tb when this system cannot make AF_UNIX sockets, as
// under Wine 8 (Windows has them since Windows 10 1803). It finds out by
// trying once; any other failure is left for the test to meet and report.
func NeedUnixSockets(tb testing.TB) {
	tb.Helper()
	if err := unixSockets(); neterr.IsAFNotSupported(err) {
		tb.Skipf("Wine has no AF_UNIX sockets (WSAEAFNOSUPPORT): %v", err)
	}
}
