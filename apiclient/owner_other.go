//go:build !linux

package apiclient

func currentUID() int { return -1 }

// listenerUID cannot tell a listening socket's owner on this system.
func listenerUID(int) (int, bool) { return 0, false }
