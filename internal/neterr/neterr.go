// Package neterr recognises network failures by what they mean, on every
// system: Linux and macOS report them as errno values (syscall.EADDRINUSE,
// ECONNRESET …), Windows as Winsock errors (WSAEADDRINUSE is 10048,
// WSAECONNRESET 10054 …) that do not match Go's syscall.E* values there, so
// errors.Is(err, syscall.EADDRINUSE) is always false on Windows.
//
// The Winsock numbers are checked on every system (no errno there comes
// near 10000), so tests can build a Windows error on any machine.
package neterr

import (
	"errors"
	"runtime"
	"syscall"
)

// Winsock error numbers (winerror.h).
const (
	wsaeAFNoSupport = syscall.Errno(10047) // WSAEAFNOSUPPORT
	wsaeAddrInUse   = syscall.Errno(10048) // WSAEADDRINUSE
	wsaeConnAborted = syscall.Errno(10053) // WSAECONNABORTED
	wsaeConnReset   = syscall.Errno(10054) // WSAECONNRESET
	wsaeShutdown    = syscall.Errno(10058) // WSAESHUTDOWN
	wsaeConnRefused = syscall.Errno(10061) // WSAECONNREFUSED
)

// errNetnameDeleted is ERROR_NETNAME_DELETED, which Windows can return for a
// read on a reset connection. On Linux 64 means ENONET, so it counts only on
// Windows.
const errNetnameDeleted = syscall.Errno(64)

// isWindows is whether this program runs on Windows.
const isWindows = runtime.GOOS == "windows"

// IsAddrInUse reports whether err says a local address (a port) is taken by
// another socket: EADDRINUSE, or WSAEADDRINUSE on Windows.
func IsAddrInUse(err error) bool {
	return isAny(err, syscall.EADDRINUSE, wsaeAddrInUse)
}

// IsRefused reports whether err says nothing listens at the address dialed:
// ECONNREFUSED, or WSAECONNREFUSED on Windows.
func IsRefused(err error) bool {
	return isAny(err, syscall.ECONNREFUSED, wsaeConnRefused)
}

// IsReset reports whether err says the other end dropped an open connection:
// reset (ECONNRESET, WSAECONNRESET), aborted (ECONNABORTED, WSAECONNABORTED),
// or written to after it closed (EPIPE, WSAESHUTDOWN). On Windows it also
// counts ERROR_NETNAME_DELETED, which an overlapped read on a reset
// connection can return.
func IsReset(err error) bool {
	if isWindows && errors.Is(err, errNetnameDeleted) {
		return true
	}
	return isAny(err, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE,
		wsaeConnReset, wsaeConnAborted, wsaeShutdown)
}

// IsAFNotSupported reports whether err says this system cannot make sockets
// of the family asked for: EAFNOSUPPORT, or WSAEAFNOSUPPORT on Windows. Wine
// 8 answers so for every AF_UNIX socket (Windows 10 since 1803 has them).
func IsAFNotSupported(err error) bool {
	return isAny(err, syscall.EAFNOSUPPORT, wsaeAFNoSupport)
}

// isAny reports whether err wraps any of errnos.
func isAny(err error, errnos ...syscall.Errno) bool {
	for _, e := range errnos {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
