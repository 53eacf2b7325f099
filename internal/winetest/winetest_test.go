package winetest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestTempDir fills a TempDir with nested files; the test fails in its
// cleanup (under Wine) unless TempDir empties the directory first.
func TestTempDir(t *testing.T) {
	dir := TempDir(t)
	sub := filepath.Join(dir, "a", "b")
	if err := os.MkdirAll(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(dir, "top"), filepath.Join(dir, "a", "mid"), filepath.Join(sub, "deep")} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRemoveTree: removeTree removes a directory with files in
// subdirectories.
func TestRemoveTree(t *testing.T) {
	dir, err := os.MkdirTemp("", "winetest")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "a", "b"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a", "b", "f"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	removeTree(dir)
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat(%q) after removeTree = %v; want it gone", dir, err)
	}
}

// TestNeedUnixSockets: where it does not skip, a unix socket can be made.
func TestNeedUnixSockets(t *testing.T) {
	NeedUnixSockets(t)
	if err := unixSockets(); err != nil {
		t.Errorf("NeedUnixSockets did not skip, but listening on a unix socket failed: %v", err)
	}
}
