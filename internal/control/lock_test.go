//go:build unix || windows

package control

import (
	"errors"
	"path/filepath"
	"testing"

	"piecestray/internal/winetest"
)

// TestLockFile: the agent's lock is held by one open file at a time (flock
// on Unix, a file opened without sharing on Windows) and free again once
// that file is closed. It needs no socket, so it runs under Wine too.
func TestLockFile(t *testing.T) {
	path := filepath.Join(winetest.TempDir(t), "c.sock.lock")
	first, err := lockFile(path)
	if err != nil {
		t.Fatalf("lockFile(%q) = %v", path, err)
	}
	if f, err := lockFile(path); !errors.Is(err, errLocked) {
		if f != nil {
			f.Close()
		}
		t.Fatalf("second lockFile(%q) = %v; want errLocked", path, err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := lockFile(path)
	if err != nil {
		t.Fatalf("lockFile(%q) after the holder closed = %v; want the lock", path, err)
	}
	again.Close()
}
