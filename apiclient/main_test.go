package apiclient

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"testing"

	"github.com/gorilla/websocket"
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
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("PIECES_TRAY_TEST_PORT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// It plays Pieces OS well enough to be followed: health, the stream
	// (held open) and nobody signed in.
	upgrader := websocket.Upgrader{}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { //nolint:errcheck // ends with the process
		switch r.URL.Path {
		case "/user/stream":
			if c, err := upgrader.Upgrade(w, r, nil); err == nil {
				for {
					if _, _, err := c.ReadMessage(); err != nil {
						return
					}
				}
			}
		case "/user":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"user":null}`) //nolint:errcheck // best effort
		}
	}))
	fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	io.Copy(io.Discard, os.Stdin) //nolint:errcheck // until the test closes it
	return 0
}
