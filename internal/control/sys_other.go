//go:build !unix && !windows

package control

import (
	"errors"
	"io/fs"
	"os"
)

// fileOwner is not available here.
func fileOwner(fs.FileInfo) (uid int, ok bool) { return 0, false }

// permsMatter reports whether Unix permission bits protect the socket
// directory on this system.
func permsMatter() bool { return false }

// lockFile is not supported on this system.
func lockFile(path string) (*os.File, error) {
	return nil, errors.New("control: single-instance lock not supported on this system")
}
