// Package logfile is a size-rotated log file for the agent: logs go to the
// user's state or cache directory, in files and a directory it creates
// readable by the user alone (0600 in 0700; on Windows the user's
// %LOCALAPPDATA% keeps others out through its ACL), and never grow without
// bound.
//
// A Writer keeps the current file plus Keep older ones (NAME.1 … NAME.Keep).
// It is safe for concurrent use, so a slog handler can write to it from any
// goroutine.
package logfile

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// DefaultMaxSize is the size at which the file is rotated.
const DefaultMaxSize = 1 << 20

// DefaultKeep is how many rotated files are kept.
const DefaultKeep = 3

// Writer is an io.Writer that appends to a file and rotates it when it grows
// past MaxSize.
type Writer struct {
	path    string
	maxSize int64
	keep    int

	mu   sync.Mutex // guards f and size
	f    *os.File
	size int64
}

// Open opens (or creates) the log file at path with mode 0600, creating its
// directory with mode 0700. maxSize and keep fall back to the defaults when
// they are not positive.
func Open(path string, maxSize int64, keep int) (*Writer, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	if keep <= 0 {
		keep = DefaultKeep
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("logfile: create directory: %w", err)
	}
	w := &Writer{path: path, maxSize: maxSize, keep: keep}
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *Writer) open() error {
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("logfile: open: %w", err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("logfile: stat: %w", err)
	}
	w.f, w.size = f, info.Size()
	return nil
}

// Write appends p, rotating first when p would take the file past MaxSize.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return 0, os.ErrClosed
	}
	if w.size > 0 && w.size+int64(len(p)) > w.maxSize {
		if err := w.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := w.f.Write(p)
	w.size += int64(n)
	return n, err
}

// rotate shifts NAME.i to NAME.i+1 (the rename over NAME.keep drops the
// oldest) and starts a new file.
// When the current file cannot be moved (on Windows, another program that
// has it open without sharing deletion, such as a log viewer, holds it), it
// changes nothing and keeps appending to it: the next write past MaxSize
// tries again.
func (w *Writer) rotate() error {
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("logfile: close: %w", err)
	}
	w.f = nil
	moving := w.path + ".rotating"
	if err := os.Rename(w.path, moving); err != nil {
		return w.open()
	}
	for i := w.keep - 1; i >= 1; i-- {
		os.Rename(fmt.Sprintf("%s.%d", w.path, i), fmt.Sprintf("%s.%d", w.path, i+1))
	}
	renameErr := os.Rename(moving, w.path+".1")
	if err := w.open(); err != nil {
		return err
	}
	if renameErr != nil {
		return fmt.Errorf("logfile: rotate: %w", renameErr)
	}
	return nil
}

// Close closes the file. Later writes fail with os.ErrClosed.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}

// DefaultPath is where the agent logs: $XDG_STATE_HOME/pieces-tray on Linux
// (~/.local/state), ~/Library/Logs/pieces-tray on macOS, and the user cache
// directory elsewhere.
func DefaultPath(getenv func(string) string) (string, error) {
	var dir string
	var err error
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd":
		if dir = getenv("XDG_STATE_HOME"); !filepath.IsAbs(dir) {
			dir, err = os.UserHomeDir()
			dir = filepath.Join(dir, ".local", "state")
		}
	case "darwin":
		dir, err = os.UserHomeDir()
		dir = filepath.Join(dir, "Library", "Logs")
	default:
		dir, err = os.UserCacheDir()
	}
	if err != nil {
		return "", fmt.Errorf("logfile: %w", err)
	}
	return filepath.Join(dir, "pieces-tray", "pieces-tray.log"), nil
}
