//go:build !linux

package apiclient_test

import "testing"

// otherUsersListener needs Linux, where the owner of a listening socket can
// be read: it skips elsewhere.
func otherUsersListener(t *testing.T, port int) (int, int) {
	t.Skip("the owner of a listening socket is read from /proc (Linux)")
	return 0, 0
}

// tryOtherUsersListener skips, as otherUsersListener does.
func tryOtherUsersListener(t *testing.T, port int) (int, bool) {
	p, uid := otherUsersListener(t, port)
	return p, uid >= 0
}
