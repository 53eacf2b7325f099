package apiclient

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them. Run
// with PIECES_TRAY_TEST_LISTEN=1, the test binary is instead a health
// server on a loopback port (printed on stdout) until its stdin closes: the
// discovery test starts it as another user.
func TestMain(m *testing.M) {
	if os.Getenv("PIECES_TRAY_TEST_LISTEN") == "1" {
		os.Exit(serveHealth())
	}
	goleak.VerifyTestMain(m)
}

func serveHealth() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	go http.Serve(ln, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})) //nolint:errcheck // ends with the process
	fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	io.Copy(io.Discard, os.Stdin) //nolint:errcheck // until the test closes it
	return 0
}
