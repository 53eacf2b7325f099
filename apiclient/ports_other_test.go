//go:build !linux

package apiclient_test

import (
	"net"
	"testing"
)

// freePorts returns n distinct loopback ports nothing listens on: they were
// free a moment ago, so connecting to them is refused.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	lns := make([]net.Listener, n)
	ports := make([]int, n)
	for i := range lns {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[i] = ln
		ports[i] = ln.Addr().(*net.TCPAddr).Port
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}
