package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// Timeouts of the server.
const (
	// helloWait is how long a new connection may take to send hello. After
	// hello there is no read deadline: idle watch connections stay open.
	helloWait = 10 * time.Second
	// writeWait bounds every write; a peer that does not read for that long
	// is disconnected so that it cannot stall the agent.
	writeWait = 10 * time.Second
	// maxInflight is the number of calls and watches one connection may have
	// running at once.
	maxInflight = 64
	// acceptBackoffMax caps the wait after a failed Accept (e.g. EMFILE).
	acceptBackoffMax = time.Second
)

// Handler is what the agent serves (implemented by app.ControlHandler).
// Both methods are called concurrently from many connections.
type Handler interface {
	// Watch returns the current state JSON at once, then each change; the
	// channel is closed when ctx ends.
	Watch(ctx context.Context) <-chan json.RawMessage
	// Call runs action with its arguments (nil when the request had none)
	// and returns its result JSON. The error may be a *RemoteError, whose
	// code and message reach the client; other errors travel with the code
	// "internal". Call must return soon after ctx ends.
	Call(ctx context.Context, action string, args json.RawMessage) (json.RawMessage, error)
}

// Server is the agent's end of the socket, made by Listen. Its methods are
// safe for concurrent use.
type Server struct {
	ln        *net.UnixListener
	path      string
	lock      io.Closer
	uid       int           // our uid, for the peer check
	helloWait time.Duration // tests shorten it

	mu      sync.Mutex // guards serving, shut, cancel, closed, conns, windows
	serving bool
	shut    bool               // Close was called
	cancel  context.CancelFunc // stops Serve, once it runs
	closed  bool               // Serve is shutting down: no new connections
	conns   map[*serverConn]struct{}
	windows map[string]*serverConn // registered window → its connection
}

func newServer(ln *net.UnixListener, path string, lock io.Closer) *Server {
	return &Server{
		ln:        ln,
		path:      path,
		lock:      lock,
		uid:       os.Getuid(),
		helloWait: helloWait,
		conns:     make(map[*serverConn]struct{}),
		windows:   make(map[string]*serverConn),
	}
}

// Serve accepts connections and serves h on them until ctx ends. It then
// closes every connection, waits for all its goroutines (and so for running
// h.Call and h.Watch to return), removes the socket file, releases the lock
// and returns nil; it returns an error only when it cannot go on serving.
// Serve may be called once; a caller that changes its mind after Listen
// calls Close instead.
func (s *Server) Serve(ctx context.Context, h Handler) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	switch {
	case s.shut:
		s.mu.Unlock()
		return errors.New("control: Serve after Close")
	case s.serving:
		s.mu.Unlock()
		return errors.New("control: Serve called twice")
	}
	s.serving = true
	s.cancel = cancel
	s.mu.Unlock()

	stop := context.AfterFunc(ctx, func() { s.ln.Close() })
	defer stop()

	var wg sync.WaitGroup
	err := s.acceptLoop(ctx, h, &wg)
	cancel()
	s.ln.Close() // removes the socket file: net created it
	s.closeConns()
	wg.Wait()
	s.lock.Close()
	return err
}

// Close releases the Server. Before Serve it removes the socket file and
// releases the lock at once, and a later Serve fails; while Serve runs it
// stops it as if its ctx had ended (Serve returns once all is released). It
// may be called more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.shut {
		s.mu.Unlock()
		return nil
	}
	s.shut = true
	serving, cancel := s.serving, s.cancel
	s.mu.Unlock()
	if serving {
		cancel()
		return nil
	}
	err := s.ln.Close()
	if lerr := s.lock.Close(); err == nil {
		err = lerr
	}
	if err != nil {
		return fmt.Errorf("control: close: %w", err)
	}
	return nil
}

// acceptLoop accepts connections until ctx ends or the listener fails for
// good, starting one goroutine (counted in wg) per connection.
func (s *Server) acceptLoop(ctx context.Context, h Handler, wg *sync.WaitGroup) error {
	var backoff time.Duration
	for {
		c, err := s.ln.AcceptUnix()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("control: accept: %w", err)
			}
			// Probably out of file descriptors: wait and try again.
			backoff = min(max(2*backoff, 5*time.Millisecond), acceptBackoffMax)
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
			continue
		}
		backoff = 0
		sc := &serverConn{s: s, h: h, c: c, inflight: make(map[uint64]context.CancelFunc)}
		if !s.addConn(sc) {
			c.Close()
			return nil
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc.serve(ctx)
		}()
	}
}

// Raise tells the window process registered as window to come forward. It
// reports whether such a connection exists and the message was sent.
func (s *Server) Raise(window string) bool {
	s.mu.Lock()
	sc := s.windows[window]
	s.mu.Unlock()
	if sc == nil {
		return false
	}
	return sc.write(&message{Op: opRaise, Window: window}) == nil
}

// addConn records a new connection; false when the server is closing.
func (s *Server) addConn(sc *serverConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[sc] = struct{}{}
	return true
}

// dropConn forgets a finished connection and its windows.
func (s *Server) dropConn(sc *serverConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, sc)
	for w, c := range s.windows {
		if c == sc {
			delete(s.windows, w)
		}
	}
}

// closeConns closes every connection so that their readers return.
func (s *Server) closeConns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for sc := range s.conns {
		sc.c.Close()
	}
}

// register makes sc the connection of window; an error when another
// connection holds the name.
func (s *Server) register(window string, sc *serverConn) *RemoteError {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.windows[window]; ok && c != sc {
		return &RemoteError{Code: CodeAlreadyRegistered, Message: fmt.Sprintf("window %q is already open", window)}
	}
	s.windows[window] = sc
	return nil
}
