//go:build !unix

package control

import "io/fs"

// fileOwner is not available here. On Windows %LOCALAPPDATA% is private to
// the user through its ACL, which the socket directory inherits.
func fileOwner(fs.FileInfo) (uid int, ok bool) { return 0, false }

// permsMatter reports whether Unix permission bits protect the socket
// directory on this system; on Windows the ACL does.
func permsMatter() bool { return false }
