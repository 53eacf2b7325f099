package control

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"piecestray/internal/winetest"
)

// staleSocket leaves a socket file at path that nobody listens on, as a
// crashed agent does.
func staleSocket(t *testing.T, path string) {
	t.Helper()
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("stale socket not left behind: %v", err)
	}
}

// stopServer releases a Server that was never served.
func stopServer(t *testing.T, s *Server) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Errorf("Close() = %v; want nil", err)
	}
}

func TestListenReplacesStaleSocket(t *testing.T) {
	winetest.NeedUnixSockets(t)
	path := winetest.SocketPath(t, "c.sock")
	staleSocket(t, path)
	s, err := Listen(path)
	if err != nil {
		t.Fatalf("Listen over a stale socket = %v; want nil", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, newFakeHandler()) }()
	c := client(t, path)
	if err := c.Call(context.Background(), "echo", 1, nil); err != nil {
		t.Errorf("Call on the new agent = %v; want nil", err)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Lstat(path)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("socket mode = %v; want 0600", perm)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve() = %v; want nil", err)
	}
}

func TestListenLiveAgent(t *testing.T) {
	_, path := serve(t, newFakeHandler())
	if s, err := Listen(path); !errors.Is(err, ErrAlreadyRunning) {
		if s != nil {
			stopServer(t, s)
		}
		t.Fatalf("Listen(%q) beside a live agent = %v; want ErrAlreadyRunning", path, err)
	}
	// The live agent is untouched.
	c := client(t, path)
	if err := c.Call(context.Background(), "echo", 1, nil); err != nil {
		t.Errorf("Call on the first agent = %v; want nil", err)
	}
}

// fakeAgent listens on path without taking the lock, like an agent whose
// lock file was deleted; reply is what it writes after reading the request.
func fakeAgent(t *testing.T, path, reply string) {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if reply != "" {
				c.SetDeadline(time.Now().Add(waitLong))
				bufio.NewReader(c).ReadString('\n')
				c.Write([]byte(reply))
			}
			c.Close()
		}
	}()
}

func TestListenProbesExistingSocket(t *testing.T) {
	winetest.NeedUnixSockets(t)
	tests := []struct {
		name, reply string
		wantRunning bool
	}{
		{"answers a state", "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n\r\n{\"seq\":1}\n", true},
		{"answers a problem", "HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n{\"code\":\"bad_request\",\"message\":\"newer\"}\n", true},
		{"closes at once", "", false},
		{"speaks something else", `{"v":1,"id":0,"op":"error"}` + "\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := winetest.SocketPath(t, "c.sock")
			fakeAgent(t, path, tt.reply)
			s, err := Listen(path)
			if s != nil {
				stopServer(t, s)
				t.Fatalf("Listen(%q) took over a socket in use", path)
			}
			if got := errors.Is(err, ErrAlreadyRunning); got != tt.wantRunning {
				t.Errorf("Listen(%q) = %v; want ErrAlreadyRunning: %v", path, err, tt.wantRunning)
			}
		})
	}
}

func TestListenRefusesNonSocket(t *testing.T) {
	path := winetest.SocketPath(t, "c.sock")
	if err := os.WriteFile(path, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := Listen(path); err == nil {
		stopServer(t, s)
		t.Fatalf("Listen(%q) over a regular file = nil; want an error", path)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "precious" {
		t.Errorf("regular file after Listen = %q, %v; want it untouched", b, err)
	}
}

func TestListenRaceOneWins(t *testing.T) {
	winetest.NeedUnixSockets(t)
	for round := range 20 {
		path := winetest.SocketPath(t, "c.sock")
		if round%2 == 1 {
			staleSocket(t, path) // also race over a crashed agent's socket
		}
		const n = 8
		var wg sync.WaitGroup
		servers := make(chan *Server, n)
		errs := make(chan error, n)
		start := make(chan struct{})
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				s, err := Listen(path)
				if err != nil {
					errs <- err
					return
				}
				servers <- s
			}()
		}
		close(start)
		wg.Wait()
		close(servers)
		close(errs)
		won := 0
		for s := range servers {
			won++
			stopServer(t, s)
		}
		if won != 1 {
			t.Errorf("round %d: %d of %d concurrent Listen calls won; want exactly 1", round, won, n)
		}
		for err := range errs {
			if !errors.Is(err, ErrAlreadyRunning) {
				t.Errorf("round %d: losing Listen = %v; want ErrAlreadyRunning", round, err)
			}
		}
	}
}

func TestListenSecuresDirectory(t *testing.T) {
	winetest.NeedUnixSockets(t)
	base, err := os.MkdirTemp("", "pt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	open := filepath.Join(base, "pieces-tray-open")
	if err := os.Mkdir(open, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(open, 0o755) // whatever the umask
	s, err := Listen(filepath.Join(open, "c.sock"))
	if err != nil {
		t.Fatalf("Listen in our own 0755 pieces-tray directory = %v; want the directory tightened", err)
	}
	stopServer(t, s)
	fi, err := os.Stat(open)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode after Listen = %v; want 0700", fi.Mode().Perm())
	}
}

func TestListenLeavesOtherDirectoriesAlone(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("directory modes do not apply")
	}
	base, err := os.MkdirTemp("", "pt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	// Like the home directory for --socket ~/x.sock.
	home := filepath.Join(base, "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(home, 0o755) // whatever the umask
	path := filepath.Join(home, "x.sock")
	if s, err := Listen(path); err == nil {
		stopServer(t, s)
		t.Errorf("Listen(%q) in a 0755 directory not made for the socket = nil; want a refusal", path)
	} else if !strings.Contains(err.Error(), "private directory") {
		t.Errorf("Listen(%q) = %v; want an error telling to choose a private directory", path, err)
	}
	fi, err := os.Stat(home)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o755 {
		t.Errorf("directory mode after Listen = %v; want it left at 0755", fi.Mode().Perm())
	}
	if _, err := os.Lstat(path); err == nil {
		t.Errorf("Listen left a socket at %s", path)
	}
}

func TestPeerCredOfOwnConnection(t *testing.T) {
	winetest.NeedUnixSockets(t)
	path := winetest.SocketPath(t, "c.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc, err := ln.AcceptUnix()
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	uid, pid, ok, err := peerCred(sc)
	if err != nil {
		t.Fatalf("peerCred() = %v", err)
	}
	if runtime.GOOS != "linux" {
		if ok {
			t.Errorf("peerCred() ok = true on %s; want false (not checked)", runtime.GOOS)
		}
		return
	}
	if !ok || uid != os.Getuid() || pid != os.Getpid() {
		t.Errorf("peerCred() = uid %d, pid %d, %v; want %d, %d, true", uid, pid, ok, os.Getuid(), os.Getpid())
	}
}

func TestServerDropsOtherUsers(t *testing.T) {
	winetest.NeedUnixSockets(t)
	if runtime.GOOS != "linux" {
		t.Skip("peer credentials are checked on Linux only")
	}
	path := winetest.SocketPath(t, "c.sock")
	s, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	// Pretend the agent runs as someone else: our own connections are then
	// another user's, and must be dropped without an answer.
	s.ln.uid = os.Getuid() + 1
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, newFakeHandler()) }()
	defer func() { cancel(); <-done }()

	cctx, ccancel := context.WithTimeout(context.Background(), waitLong)
	defer ccancel()
	err = client(t, path).Call(cctx, "echo", 1, nil)
	var re *RemoteError
	switch {
	case err == nil, errors.As(err, &re):
		t.Fatalf("Call as another user = %v; want the connection dropped", err)
	case errors.Is(err, context.DeadlineExceeded):
		t.Errorf("Call as another user = %v; want it dropped at once, not ignored", err)
	}
}

func TestCloseReleases(t *testing.T) {
	winetest.NeedUnixSockets(t)
	h := newFakeHandler()
	t.Run("before Serve", func(t *testing.T) {
		path := winetest.SocketPath(t, "c.sock")
		s, err := Listen(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close() = %v; want nil", err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("second Close() = %v; want nil", err)
		}
		if _, err := os.Lstat(path); !os.IsNotExist(err) {
			t.Errorf("socket file after Close: %v; want it removed", err)
		}
		if err := s.Serve(context.Background(), h); err == nil {
			t.Error("Serve after Close = nil; want an error")
		}
		s2, err := Listen(path)
		if err != nil {
			t.Fatalf("Listen after Close = %v; want nil (lock released)", err)
		}
		stopServer(t, s2)
	})
	t.Run("during Serve", func(t *testing.T) {
		path := winetest.SocketPath(t, "c.sock")
		s, err := Listen(path)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- s.Serve(context.Background(), h) }()
		c := client(t, path)
		if err := c.Call(context.Background(), "echo", 1, nil); err != nil { // Serve is running
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close() = %v; want nil", err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve() after Close = %v; want nil", err)
			}
		case <-time.After(waitLong):
			t.Fatal("Serve did not return after Close")
		}
		if err := c.Call(context.Background(), "echo", 1, nil); err == nil {
			t.Error("Call after Close = nil; want an error")
		}
		if _, err := os.Lstat(path); !os.IsNotExist(err) {
			t.Errorf("socket file after Serve returned: %v; want it removed", err)
		}
	})
}
