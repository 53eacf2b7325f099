package control

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitLong bounds every wait in these tests: generous, for a loaded box.
const waitLong = 20 * time.Second

// socketPath returns a short socket path in a fresh private directory
// (t.TempDir paths can exceed the ~104-byte limit of socket paths).
func socketPath(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "c.sock")
}

// fakeHandler is a Handler for tests. Its Watch does not coalesce: it sends
// every published state, in order, so that the server's coalescing shows.
type fakeHandler struct {
	mu      sync.Mutex // guards state, subs
	state   json.RawMessage
	subs    map[chan json.RawMessage]struct{}
	watches sync.WaitGroup // running Watch feeders

	call func(ctx context.Context, action string, args json.RawMessage) (json.RawMessage, error)
}

func newFakeHandler() *fakeHandler {
	return &fakeHandler{state: json.RawMessage(`{"seq":0}`), subs: make(map[chan json.RawMessage]struct{})}
}

func (h *fakeHandler) Watch(ctx context.Context) <-chan json.RawMessage {
	out := make(chan json.RawMessage)
	in := make(chan json.RawMessage, 100000) // unbounded enough: never drops
	h.mu.Lock()
	in <- h.state
	h.subs[in] = struct{}{}
	h.mu.Unlock()
	h.watches.Add(1)
	go func() {
		defer h.watches.Done()
		defer close(out)
		defer func() {
			h.mu.Lock()
			delete(h.subs, in)
			h.mu.Unlock()
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case st := <-in:
				select {
				case out <- st:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}

// publish sends st to every watcher.
func (h *fakeHandler) publish(st json.RawMessage) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.state = st
	for in := range h.subs {
		in <- st
	}
}

// watchers returns the number of running watches.
func (h *fakeHandler) watchers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

func (h *fakeHandler) Call(ctx context.Context, action string, args json.RawMessage) (json.RawMessage, error) {
	if h.call != nil {
		return h.call(ctx, action, args)
	}
	switch action {
	case "echo":
		return args, nil
	case "nothing":
		return nil, nil
	case "fail":
		return nil, &RemoteError{Code: "taken", Message: "That name is taken."}
	case "wrapped":
		return nil, fmt.Errorf("app: %w", &RemoteError{Code: "busy", Message: "Busy."})
	case "plain":
		return nil, errors.New("boom")
	case "invalid":
		return json.RawMessage(`{`), nil
	case "block":
		<-ctx.Done()
		return nil, &RemoteError{Code: "cancelled", Message: ctx.Err().Error()}
	}
	return nil, &RemoteError{Code: "invalid", Message: "no such action " + action}
}

// serve starts a Server on a fresh socket with h and stops it at cleanup.
// configure, when set, runs before Serve.
func serve(t *testing.T, h Handler, configure func(*Server)) (*Server, string) {
	t.Helper()
	path := socketPath(t)
	s, err := Listen(path)
	if err != nil {
		t.Fatalf("Listen(%q) = %v", path, err)
	}
	if configure != nil {
		configure(s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve() = %v; want nil", err)
			}
		case <-time.After(waitLong):
			t.Errorf("Serve did not return after cancel")
		}
	})
	return s, path
}

// dial connects a Client and closes it at cleanup.
func dial(t *testing.T, path string) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	c, err := Dial(ctx, path)
	if err != nil {
		t.Fatalf("Dial(%q) = %v", path, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// rawConn is a protocol-level connection for tests that send bad bytes.
type rawConn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

// dialRaw connects without a Client; with hello, it says hello first.
func dialRaw(t *testing.T, path string, hello bool) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("unix", path, waitLong)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	t.Cleanup(func() { c.Close() })
	rc := &rawConn{t: t, c: c, r: bufio.NewReader(c)}
	if hello {
		rc.send(`{"v":1,"id":1,"op":"hello"}`)
		if m := rc.read(); m.Op != opHello || m.ID != 1 {
			t.Fatalf("hello reply = %+v; want op hello id 1", m)
		}
	}
	return rc
}

func (rc *rawConn) send(line string) {
	rc.t.Helper()
	rc.c.SetWriteDeadline(time.Now().Add(waitLong))
	if _, err := rc.c.Write([]byte(line + "\n")); err != nil {
		rc.t.Fatalf("write: %v", err)
	}
}

// read returns the next message, failing the test on error.
func (rc *rawConn) read() message {
	rc.t.Helper()
	m, err := rc.tryRead()
	if err != nil {
		rc.t.Fatalf("read: %v", err)
	}
	return m
}

func (rc *rawConn) tryRead() (message, error) {
	rc.c.SetReadDeadline(time.Now().Add(waitLong))
	line, err := readLine(rc.r, maxReplySize)
	if err != nil {
		return message{}, err
	}
	var m message
	if err := json.Unmarshal(line, &m); err != nil {
		return message{}, fmt.Errorf("reply %q: %w", line, err)
	}
	if m.V != Version {
		return m, fmt.Errorf("reply %q has v %d; want %d", line, m.V, Version)
	}
	return m, nil
}

// eventually polls cond until it holds or waitLong passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
