//go:build linux

package control

import (
	"fmt"
	"net"
	"syscall"
)

// peerCred returns the uid and pid of the process at the other end of c,
// read with SO_PEERCRED.
func peerCred(c *net.UnixConn) (uid, pid int, ok bool, err error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return 0, 0, false, fmt.Errorf("control: peer credentials: %w", err)
	}
	var cred *syscall.Ucred
	var serr error
	if err := raw.Control(func(fd uintptr) {
		cred, serr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return 0, 0, false, fmt.Errorf("control: peer credentials: %w", err)
	}
	if serr != nil {
		return 0, 0, false, fmt.Errorf("control: peer credentials: %w", serr)
	}
	return int(cred.Uid), int(cred.Pid), true, nil
}
