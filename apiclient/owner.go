package apiclient

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
)

// ForeignListenerError is a loopback port where Pieces OS was looked for
// whose listening socket belongs to another user: not this user's Pieces OS,
// and never sent a token.
type ForeignListenerError struct {
	Port int
	UID  int // the owner's user id
}

func (e *ForeignListenerError) Error() string {
	return fmt.Sprintf("something else is listening on port %d (a program of another user, uid %d); Pieces Tray does not use it", e.Port, e.UID)
}

// checkListenerOwner fails with a *ForeignListenerError when base is a
// loopback address whose listening socket another user owns. Where the
// system cannot tell (not Linux, or no such socket), it does not fail.
func checkListenerOwner(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); (ip == nil || !ip.IsLoopback()) && host != "localhost" {
		return nil
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		if u.Scheme == "https" {
			port = 443
		} else {
			port = 80
		}
	}
	uid, ok := listenerUID(port)
	if ok && uid != currentUID() {
		return &ForeignListenerError{Port: port, UID: uid}
	}
	return nil
}
