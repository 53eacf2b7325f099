//go:build unix

package control

import (
	"io/fs"
	"syscall"
)

// fileOwner returns the uid owning the file described by fi.
func fileOwner(fi fs.FileInfo) (uid int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

// permsMatter reports whether Unix permission bits protect the socket
// directory on this system.
func permsMatter() bool { return true }
