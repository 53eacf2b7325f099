package apiclient

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

func currentUID() int { return os.Getuid() }

// listenerUID returns the owner of the TCP socket listening on port, read
// from /proc/net/tcp and /proc/net/tcp6 (their uid column), and whether
// one was found. A loopback or wildcard listener is what a client on
// 127.0.0.1 or ::1 reaches.
func listenerUID(port int) (int, bool) {
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		if uid, ok := listenerIn(table, port); ok {
			return uid, true
		}
	}
	return 0, false
}

func listenerIn(table string, port int) (int, bool) {
	f, err := os.Open(table)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // the header
	for sc.Scan() {
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid ...
		fields := strings.Fields(sc.Text())
		if len(fields) < 8 || fields[3] != "0A" { // 0A: LISTEN
			continue
		}
		addr, portHex, ok := strings.Cut(fields[1], ":")
		if !ok {
			continue
		}
		p, err := strconv.ParseUint(portHex, 16, 16)
		if err != nil || int(p) != port || !reachableFromLoopback(addr) {
			continue
		}
		uid, err := strconv.Atoi(fields[7])
		if err != nil {
			continue
		}
		return uid, true
	}
	return 0, false
}

// reachableFromLoopback reports a local address (hex, as /proc writes it)
// that a connection to 127.0.0.1 or ::1 reaches: loopback or any address.
func reachableFromLoopback(hexAddr string) bool {
	switch hexAddr {
	case "00000000", // 0.0.0.0
		"00000000000000000000000000000000", // ::
		"00000000000000000000000001000000", // ::1
		"0000000000000000FFFF00000100007F": // ::ffff:127.0.0.1
		return true
	}
	// 127.0.0.0/8, stored little-endian: the last byte is 7F.
	return len(hexAddr) == 8 && strings.HasSuffix(hexAddr, "7F")
}
