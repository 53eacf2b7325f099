//go:build windows

package control

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// fileOwner is not checked on Windows: %LOCALAPPDATA% is private to
// the user through its ACL, which the socket directory inherits.
func fileOwner(fs.FileInfo) (uid int, ok bool) { return 0, false }

// errorSharingViolation is ERROR_SHARING_VIOLATION.
const errorSharingViolation syscall.Errno = 32

// lockFile opens path without sharing: while the returned file is open no
// other process (nor another lockFile in this one) can open it, and Windows
// closes it when the process dies. Close the returned file to release it.
func lockFile(path string) (*os.File, error) {
	p, err := syscall.UTF16PtrFromString(path)
	if err != nil {
		return nil, fmt.Errorf("control: lock %s: %w", path, err)
	}
	h, err := syscall.CreateFile(p, syscall.GENERIC_READ|syscall.GENERIC_WRITE, 0, nil,
		syscall.OPEN_ALWAYS, syscall.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		if errors.Is(err, errorSharingViolation) {
			return nil, errLocked
		}
		return nil, fmt.Errorf("control: lock %s: %w", path, err)
	}
	return os.NewFile(uintptr(h), path), nil
}
