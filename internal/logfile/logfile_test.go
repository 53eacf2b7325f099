package logfile

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"piecestray/internal/winetest"
)

// permsMatter is whether Unix modes keep the log private here; on Windows
// the ACL of the user's profile does, and Go reports 0666 and 0777.
const permsMatter = runtime.GOOS != "windows"

func TestRotation(t *testing.T) {
	path := filepath.Join(winetest.TempDir(t), "sub", "app.log")
	w, err := Open(path, 100, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	line := []byte(strings.Repeat("x", 39) + "\n") // 40 bytes
	for i := 0; i < 10; i++ {
		if _, err := w.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{path, path + ".1", path + ".2"} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatalf("Stat(%q): %v", p, err)
		}
		if info.Size() > 100 {
			t.Errorf("%s is %d bytes; want at most 100", p, info.Size())
		}
		if permsMatter && info.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v; want 0600", p, info.Mode().Perm())
		}
	}
	if _, err := os.Stat(path + ".3"); !os.IsNotExist(err) {
		t.Errorf("%s.3 exists; want only 2 rotated files kept", path)
	}
	dir, _ := os.Stat(filepath.Dir(path))
	if permsMatter && dir.Mode().Perm() != 0o700 {
		t.Errorf("log directory mode = %v; want 0700", dir.Mode().Perm())
	}
}

func TestAppendsAcrossOpens(t *testing.T) {
	path := filepath.Join(winetest.TempDir(t), "app.log")
	for _, s := range []string{"one\n", "two\n"} {
		w, err := Open(path, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(s))
		w.Close()
	}
	b, _ := os.ReadFile(path)
	if string(b) != "one\ntwo\n" {
		t.Errorf("file = %q; want both lines appended", b)
	}
}

func TestConcurrentWritesAndClose(t *testing.T) {
	path := filepath.Join(winetest.TempDir(t), "app.log")
	w, err := Open(path, 1000, 1)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				w.Write([]byte("0123456789\n"))
			}
		}()
	}
	wg.Wait()
	w.Close()
	if _, err := w.Write([]byte("late")); err == nil {
		t.Error("Write after Close succeeded; want an error")
	}
	b, _ := os.ReadFile(path)
	if len(b)%11 != 0 || bytes.Contains(b, []byte("late")) {
		t.Errorf("current file has torn lines (%d bytes)", len(b))
	}
}

func TestDefaultPath(t *testing.T) {
	env := map[string]string{"XDG_STATE_HOME": "/state"}
	p, err := DefaultPath(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(p, filepath.Join("pieces-tray", "pieces-tray.log")) {
		t.Errorf("DefaultPath = %q; want it to end in pieces-tray/pieces-tray.log", p)
	}
}
