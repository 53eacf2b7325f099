package control

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// socketName is the file name of the socket inside its directory.
const socketName = "control.sock"

// DefaultSocketPath returns where the agent's socket lives for the current
// user (see the package doc), creating its directory (mode 0700) when needed
// and checking that nobody else can reach it.
func DefaultSocketPath() (string, error) {
	p, err := socketPathFor(runtime.GOOS, os.Getenv, os.Getuid(), os.TempDir, os.UserCacheDir)
	if err != nil {
		return "", err
	}
	if err := secureDir(filepath.Dir(p)); err != nil {
		return "", err
	}
	return p, nil
}

// socketPathFor is DefaultSocketPath without side effects, for tests.
func socketPathFor(goos string, getenv func(string) string, uid int, tempDir func() string, cacheDir func() (string, error)) (string, error) {
	switch goos {
	case "darwin", "ios", "windows": // %LOCALAPPDATA% on Windows
		base, err := cacheDir()
		if err != nil {
			return "", fmt.Errorf("control: socket path: %w", err)
		}
		return filepath.Join(base, "pieces-tray", socketName), nil
	default:
		if base := getenv("XDG_RUNTIME_DIR"); base != "" && filepath.IsAbs(base) {
			return filepath.Join(base, "pieces-tray", socketName), nil
		}
		return filepath.Join(tempDir(), "pieces-tray-"+strconv.Itoa(uid), socketName), nil
	}
}

// secureDir makes sure dir exists and is private to the current user, as
// the package doc says: it creates a missing directory 0700, tightens one of
// ours made for the socket (just created, or named pieces-tray*) and refuses
// any other that is too open, never changing it.
func secureDir(dir string) error {
	fi, err := os.Lstat(dir)
	created := errors.Is(err, fs.ErrNotExist)
	if created {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("control: create socket directory: %w", err)
		}
		fi, err = os.Lstat(dir)
	}
	if err != nil {
		return fmt.Errorf("control: socket directory: %w", err)
	}
	ours := created || strings.HasPrefix(filepath.Base(dir), "pieces-tray")
	if fix, err := checkDir(dir, fi, os.Geteuid(), ours); err != nil || !fix {
		return err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("control: make socket directory private: %w", err)
	}
	// Look again: a file system that ignores modes leaves it open.
	if fi, err = os.Lstat(dir); err != nil {
		return fmt.Errorf("control: socket directory: %w", err)
	}
	if fix, err := checkDir(dir, fi, os.Geteuid(), true); err != nil || fix {
		return cmp.Or(err, fmt.Errorf("control: socket directory %s is still %v after chmod", dir, fi.Mode().Perm()))
	}
	return nil
}

// checkDir decides about the socket directory described by fi for the user
// uid: an error when it must be refused, fix when its mode must be tightened
// to 0700, which is allowed only when mayFix (the directory is the
// socket's own). It is the pure part of secureDir.
func checkDir(dir string, fi fs.FileInfo, uid int, mayFix bool) (fix bool, err error) {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return false, fmt.Errorf("control: socket directory %s is a symbolic link; refusing it", dir)
	case !fi.IsDir():
		return false, fmt.Errorf("control: socket directory %s is not a directory", dir)
	}
	if owner, ok := fileOwner(fi); ok && owner != uid {
		return false, fmt.Errorf("control: socket directory %s belongs to user %d, not to us (%d); refusing it", dir, owner, uid)
	}
	if runtime.GOOS == "windows" || fi.Mode().Perm()&0o077 == 0 { // on Windows the ACL of %LOCALAPPDATA% protects it
		return false, nil
	}
	if fi.Mode()&fs.ModeSticky != 0 {
		return false, fmt.Errorf("control: socket directory %s is shared (mode %v); use a private directory", dir, fi.Mode())
	}
	if !mayFix {
		return false, fmt.Errorf("control: socket directory %s is open to other users (mode %v) and was not made by Pieces Tray, "+
			"so it is left unchanged; choose a socket path in a private directory (mode 0700) or in one that does not exist yet",
			dir, fi.Mode().Perm())
	}
	return true, nil
}
