//go:build unix

package control

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeInfo is an fs.FileInfo with a chosen mode and owner.
type fakeInfo struct {
	mode fs.FileMode
	uid  uint32
}

func (f fakeInfo) Name() string       { return "pieces-tray" }
func (f fakeInfo) Size() int64        { return 0 }
func (f fakeInfo) Mode() fs.FileMode  { return f.mode }
func (f fakeInfo) ModTime() time.Time { return time.Time{} }
func (f fakeInfo) IsDir() bool        { return f.mode.IsDir() }
func (f fakeInfo) Sys() any           { return &syscall.Stat_t{Uid: f.uid} }

func TestCheckDir(t *testing.T) {
	const me = 1000
	tests := []struct {
		name    string
		fi      fakeInfo
		mayFix  bool // the socket's own directory
		fix     bool
		wantErr string
	}{
		{"private", fakeInfo{fs.ModeDir | 0o700, me}, true, false, ""},
		{"private, not the socket's own", fakeInfo{fs.ModeDir | 0o700, me}, false, false, ""},
		{"ours, too open", fakeInfo{fs.ModeDir | 0o755, me}, true, true, ""},
		{"ours, group only", fakeInfo{fs.ModeDir | 0o710, me}, true, true, ""},
		{"too open, not the socket's own", fakeInfo{fs.ModeDir | 0o755, me}, false, false, "choose a socket path in a private directory"},
		{"someone else's", fakeInfo{fs.ModeDir | 0o700, 1001}, true, false, "belongs to user 1001"},
		{"root's", fakeInfo{fs.ModeDir | 0o700, 0}, true, false, "belongs to user 0"},
		{"shared tmp", fakeInfo{fs.ModeDir | fs.ModeSticky | 0o777, me}, true, false, "shared"},
		{"symlink", fakeInfo{fs.ModeSymlink | 0o777, me}, true, false, "symbolic link"},
		{"file", fakeInfo{0o600, me}, true, false, "not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fix, err := checkDir("/d", tt.fi, me, tt.mayFix)
			if tt.wantErr == "" {
				if err != nil || fix != tt.fix {
					t.Errorf("checkDir(%v, uid %d) = %v, %v; want %v, nil", tt.fi.mode, tt.fi.uid, fix, err, tt.fix)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("checkDir(%v, uid %d) = %v; want an error containing %q", tt.fi.mode, tt.fi.uid, err, tt.wantErr)
			}
		})
	}
}

func TestSecureDir(t *testing.T) {
	base, err := os.MkdirTemp("", "pt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	mk := func(name string, mode fs.FileMode) string {
		p := filepath.Join(base, name)
		if err := os.Mkdir(p, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}

	t.Run("missing is created 0700", func(t *testing.T) {
		p := filepath.Join(base, "new", "pieces-tray")
		if err := secureDir(p); err != nil {
			t.Fatalf("secureDir(%q) = %v; want nil", p, err)
		}
		assertMode(t, p, 0o700)
	})
	t.Run("ours and open is tightened", func(t *testing.T) {
		for _, name := range []string{"pieces-tray", "pieces-tray-1000"} {
			p := mk(name, 0o775)
			if err := secureDir(p); err != nil {
				t.Fatalf("secureDir(%q) = %v; want nil", p, err)
			}
			assertMode(t, p, 0o700)
		}
	})
	t.Run("open and not made for the socket is refused and left alone", func(t *testing.T) {
		// Like $HOME for --socket ~/x.sock: never chmod it.
		p := mk("home", 0o755)
		err := secureDir(p)
		if err == nil || !strings.Contains(err.Error(), "choose a socket path in a private directory") {
			t.Errorf("secureDir(%q) = %v; want a refusal saying to choose a private directory", p, err)
		}
		assertMode(t, p, 0o755)
	})
	t.Run("missing with any name is created 0700", func(t *testing.T) {
		p := filepath.Join(base, "sockets")
		if err := secureDir(p); err != nil {
			t.Fatalf("secureDir(%q) = %v; want nil", p, err)
		}
		assertMode(t, p, 0o700)
	})
	t.Run("sticky is refused and left alone", func(t *testing.T) {
		p := mk("sticky", fs.ModeSticky|0o777)
		if err := secureDir(p); err == nil {
			t.Fatalf("secureDir(%q) = nil; want an error", p)
		}
		assertMode(t, p, fs.ModeSticky|0o777)
	})
	t.Run("symlink is refused", func(t *testing.T) {
		target := mk("target", 0o700)
		p := filepath.Join(base, "link")
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		if err := secureDir(p); err == nil {
			t.Errorf("secureDir(%q) = nil; want an error", p)
		}
	})
	t.Run("file is refused", func(t *testing.T) {
		p := filepath.Join(base, "file")
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := secureDir(p); err == nil {
			t.Errorf("secureDir(%q) = nil; want an error", p)
		}
	})
	t.Run("someone else's is refused", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a directory away; TestCheckDir covers the decision")
		}
		p := mk("theirs", 0o755)
		if err := os.Chown(p, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if err := secureDir(p); err == nil || !strings.Contains(err.Error(), "belongs to user 65534") {
			t.Errorf("secureDir(%q) = %v; want a refusal", p, err)
		}
		assertMode(t, p, 0o755)
		if s, err := Listen(filepath.Join(p, "c.sock")); err == nil {
			stopServer(t, s)
			t.Errorf("Listen in someone else's directory = nil; want an error")
		}
	})
}

func assertMode(t *testing.T, p string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode() & (fs.ModePerm | fs.ModeSticky); got != want&(fs.ModePerm|fs.ModeSticky) {
		t.Errorf("mode of %s = %v; want %v", p, got, want)
	}
}
