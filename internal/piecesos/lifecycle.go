package piecesos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"piecestray/internal/neterr"
)

// rebindWait bounds how long Restart retries listening on the old address
// while the kernel still holds it.
const rebindWait = 2 * time.Second

// ErrClosed is returned by Start and Restart after Close.
var ErrClosed = errors.New("piecesos: server closed")

// run is one period of serving on a listener, from Start to Stop.
type run struct {
	srv    *http.Server
	cancel context.CancelFunc // cancels every request context of this run
	served chan struct{}      // closed when Serve has returned

	mu       sync.Mutex
	stopping bool           // no handler starts any more
	reqs     sync.WaitGroup // handlers running; added to with mu held while not stopping
}

// handle runs s's handler for each request of this run, so that Stop can
// wait for it. A request that comes in as the run stops is dropped.
func (r *run) handle(s *Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		if r.stopping {
			r.mu.Unlock()
			panic(http.ErrAbortHandler)
		}
		r.reqs.Add(1)
		r.mu.Unlock()
		defer r.reqs.Done()
		s.ServeHTTP(w, req)
	})
}

// Start listens on addr (such as "127.0.0.1:0") and serves in the
// background until Stop or Close. The address actually bound is kept for
// Restart and reported by Addr and URL.
func (s *Server) Start(addr string) error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.run != nil {
		return fmt.Errorf("piecesos: already serving on %s", *s.addr.Load())
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("piecesos: listen: %w", err)
	}
	s.serve(ln)
	return nil
}

// serve starts serving on ln. Called with s.life held.
func (s *Server) serve(ln net.Listener) {
	a := ln.Addr().String()
	s.addr.Store(&a)
	ctx, cancel := context.WithCancel(context.Background())
	r := &run{cancel: cancel, served: make(chan struct{})}
	r.srv = &http.Server{
		Handler:           r.handle(s),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	s.run = r
	go func() {
		defer close(r.served)
		if err := r.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("piecesos: serve", "err", err)
		}
	}()
	s.log.Info("piecesos: serving", "url", "http://"+a)
}

// Addr is the address served, such as "127.0.0.1:39300"; empty before the
// first Start. It stays the same across Stop and Restart.
func (s *Server) Addr() string {
	if a := s.addr.Load(); a != nil {
		return *a
	}
	return ""
}

// URL is the base URL, such as "http://127.0.0.1:39300"; empty before the
// first Start.
func (s *Server) URL() string {
	if a := s.Addr(); a != "" {
		return "http://" + a
	}
	return ""
}

// Stop closes the listener and every connection, streams included, as a
// killed Pieces OS would (a request in flight gets no answer), and waits
// for the handlers of those requests to end. It also ends a Stall. The user state is kept: Restart
// (or Start) serves it again, as a restarted Pieces OS would. Stopping a
// stopped server does nothing.
func (s *Server) Stop() error {
	s.life.Lock()
	defer s.life.Unlock()
	return s.stopLocked()
}

func (s *Server) stopLocked() error {
	r := s.run
	if r == nil {
		return nil
	}
	s.run = nil
	// As a killed Pieces OS: every connection drops, so a request in
	// flight gets no answer (a handler that then returns writes nothing).
	err := r.srv.Close()  // the listener and every connection but the streams
	r.cancel()            // request contexts: latency waits, sign-in waits, /userinfo calls
	s.DropStreams()       // hijacked connections, which Close leaves: the streams
	s.hub.gate.set(false) // a restarted Pieces OS is no longer hung
	r.mu.Lock()
	r.stopping = true
	r.mu.Unlock()
	r.reqs.Wait()
	<-r.served
	s.auth0.CloseIdleConnections()
	s.log.Info("piecesos: stopped", "addr", s.Addr())
	if err != nil {
		return fmt.Errorf("piecesos: stop: %w", err)
	}
	return nil
}

// Restart stops the server, then listens again on the same address.
func (s *Server) Restart() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return ErrClosed
	}
	addr := s.Addr()
	if addr == "" {
		return errors.New("piecesos: restart: never started")
	}
	if err := s.stopLocked(); err != nil {
		return err
	}
	deadline := time.Now().Add(rebindWait) // the kernel may still hold addr for a moment
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			s.serve(ln)
			return nil
		}
		if !neterr.IsAddrInUse(err) || time.Now().After(deadline) {
			return fmt.Errorf("piecesos: restart: listen %s: %w", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Close stops the server for good: it ends background work (delayed
// restarts of the admin API, browser sign-ins, which then answer 503), stops
// serving, closes every stream (also those served through
// ServeHTTP by another server) and waits for them.
func (s *Server) Close() error {
	s.signInMu.Lock()
	s.closeAll()
	s.signInMu.Unlock()
	s.bg.Wait()
	s.life.Lock()
	defer s.life.Unlock()
	err := s.stopLocked()
	s.closed = true
	s.mu.Lock()
	s.hub.closed = true // no new stream, also through ServeHTTP by another server
	s.mu.Unlock()
	s.DropStreams()
	s.hub.wg.Wait()
	s.auth0.CloseIdleConnections()
	return err
}
