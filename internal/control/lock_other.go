//go:build !unix && !windows

package control

import (
	"errors"
	"os"
)

// lockFile is not supported on this system.
func lockFile(path string) (*os.File, error) {
	return nil, errors.New("control: single-instance lock not supported on this system")
}
