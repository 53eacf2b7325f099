package apiclient_test

import (
	"syscall"
	"testing"
)

// freePorts returns n distinct loopback ports that refuse connections and
// stay reserved until the test ends: each is bound by a socket that never
// listens, so no other test (of this or another package, running at the
// same time) can start a server on it.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, 0, n)
	for range n {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = syscall.Close(fd) })
		if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
			t.Fatal(err)
		}
		sa, err := syscall.Getsockname(fd)
		if err != nil {
			t.Fatal(err)
		}
		ports = append(ports, sa.(*syscall.SockaddrInet4).Port)
	}
	return ports
}
