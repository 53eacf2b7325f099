package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"piecestray/internal/winetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitLong bounds every wait in these tests: generous, for a loaded box.
const waitLong = 20 * time.Second

// fakeHandler is a Handler for tests. Its Watch keeps only the newest
// state, as the Handler contract asks.
type fakeHandler struct {
	mu    sync.Mutex // guards state, subs
	state json.RawMessage
	subs  map[chan json.RawMessage]struct{}

	call func(ctx context.Context, action string, args json.RawMessage) (json.RawMessage, error)
}

func newFakeHandler() *fakeHandler {
	return &fakeHandler{state: json.RawMessage(`{"seq":0}`), subs: make(map[chan json.RawMessage]struct{})}
}

func (h *fakeHandler) Watch(ctx context.Context) <-chan json.RawMessage {
	ch := make(chan json.RawMessage, 1)
	h.mu.Lock()
	ch <- h.state
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	context.AfterFunc(ctx, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		close(ch)
		h.mu.Unlock()
	})
	return ch
}

// publish sends st to every watcher.
func (h *fakeHandler) publish(st json.RawMessage) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.state = st
	for ch := range h.subs {
		select {
		case <-ch:
		default:
		}
		ch <- st
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
func serve(t *testing.T, h Handler) (*Server, string) {
	t.Helper()
	winetest.NeedUnixSockets(t)
	path := winetest.SocketPath(t, "c.sock")
	s, err := Listen(path)
	if err != nil {
		t.Fatalf("Listen(%q) = %v", path, err)
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

// client returns a Client closed at cleanup.
func client(t *testing.T, path string) *Client {
	t.Helper()
	c := NewClient(path)
	t.Cleanup(func() { c.Close() })
	return c
}

// wantRemote fails unless err is a *RemoteError with code.
func wantRemote(t *testing.T, what string, err error, code string) {
	t.Helper()
	var re *RemoteError
	if !errors.As(err, &re) || re.Code != code || re.Message == "" {
		t.Errorf("%s = %v; want a *RemoteError with code %q and a message", what, err, code)
	}
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
