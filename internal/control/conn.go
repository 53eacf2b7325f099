package control

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// serverConn is one client connection of a Server. One goroutine (serve)
// reads requests; each call and watch runs in its own goroutine; writes from
// all of them are serialized by wmu.
type serverConn struct {
	s *Server
	h Handler
	c *net.UnixConn

	wmu sync.Mutex // serializes writes to c

	mu       sync.Mutex                    // guards inflight
	inflight map[uint64]context.CancelFunc // running calls and watches by id

	wg sync.WaitGroup // request goroutines
}

// serve reads and dispatches requests until the peer leaves, a read fails
// or ctx ends; then it waits for the connection's requests to finish.
func (sc *serverConn) serve(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		sc.c.Close() // pending writes fail fast
		cancel()
		sc.wg.Wait()
		sc.s.dropConn(sc)
	}()
	if uid, ok, err := peerUID(sc.c); err != nil {
		return
	} else if ok && checkPeer(uid, sc.s.uid) != nil {
		return // another user: drop without a word
	}

	r := bufio.NewReader(sc.c)
	helloDone := false
	sc.c.SetReadDeadline(time.Now().Add(sc.s.helloWait))
	for {
		line, err := readLine(r, MaxRequestSize+1)
		if errors.Is(err, errLineTooLong) {
			sc.write(&message{Op: opError, Error: &RemoteError{Code: CodeTooLarge,
				Message: fmt.Sprintf("request longer than %d bytes; closing the connection", MaxRequestSize)}})
			return
		}
		if err != nil {
			return // EOF, closed, or no hello in time
		}
		line = bytes.TrimSuffix(line[:len(line)-1], []byte("\r"))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		m, rerr := decodeRequest(line)
		if rerr != nil {
			sc.write(&message{ID: m.ID, Op: opError, Error: rerr})
			continue
		}
		if m.Op == opHello {
			helloDone = true
			sc.c.SetReadDeadline(time.Time{})
			sc.write(&message{ID: m.ID, Op: opHello})
			continue
		}
		if !helloDone {
			sc.write(&message{ID: m.ID, Op: opError, Error: &RemoteError{Code: CodeHelloRequired, Message: "send hello first"}})
			continue
		}
		sc.dispatch(ctx, m)
	}
}

// dispatch handles one valid request other than hello.
func (sc *serverConn) dispatch(ctx context.Context, m message) {
	switch m.Op {
	case opCall:
		rctx, rerr := sc.begin(ctx, m.ID)
		if rerr != nil {
			sc.write(&message{ID: m.ID, Op: opError, Error: rerr})
			return
		}
		sc.wg.Add(1)
		go func() {
			defer sc.wg.Done()
			res, err := sc.h.Call(rctx, m.Action, m.Args)
			sc.end(m.ID)
			sc.reply(m.ID, res, err)
		}()
	case opWatch:
		rctx, rerr := sc.begin(ctx, m.ID)
		if rerr != nil {
			sc.write(&message{ID: m.ID, Op: opError, Error: rerr})
			return
		}
		sc.wg.Add(1)
		go func() {
			defer sc.wg.Done()
			sc.watch(rctx, m.ID)
			sc.end(m.ID)
			sc.write(&message{ID: m.ID, Op: opEnd})
		}()
	case opRegister:
		if rerr := sc.s.register(m.Window, sc); rerr != nil {
			sc.write(&message{ID: m.ID, Op: opError, Error: rerr})
			return
		}
		sc.write(&message{ID: m.ID, Op: opOK})
	case opCancel:
		sc.mu.Lock()
		cancel := sc.inflight[m.Ref]
		sc.mu.Unlock()
		if cancel != nil {
			cancel()
		}
	}
}

// begin records request id as running and returns its context.
func (sc *serverConn) begin(ctx context.Context, id uint64) (context.Context, *RemoteError) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if _, dup := sc.inflight[id]; dup {
		return nil, &RemoteError{Code: CodeDuplicateID, Message: fmt.Sprintf("request %d is still running", id)}
	}
	if len(sc.inflight) >= maxInflight {
		return nil, &RemoteError{Code: CodeBusy, Message: fmt.Sprintf("more than %d requests running on this connection", maxInflight)}
	}
	rctx, cancel := context.WithCancel(ctx)
	sc.inflight[id] = cancel
	return rctx, nil
}

// end forgets request id and releases its context.
func (sc *serverConn) end(id uint64) {
	sc.mu.Lock()
	cancel := sc.inflight[id]
	delete(sc.inflight, id)
	sc.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// reply sends the outcome of a call.
func (sc *serverConn) reply(id uint64, res json.RawMessage, err error) {
	if err != nil {
		var re *RemoteError
		if !errors.As(err, &re) {
			re = &RemoteError{Code: CodeInternal, Message: err.Error()}
		}
		sc.write(&message{ID: id, Op: opError, Error: re})
		return
	}
	if len(res) > 0 && !json.Valid(res) {
		sc.write(&message{ID: id, Op: opError, Error: &RemoteError{Code: CodeInternal, Message: "the agent produced an invalid result"}})
		return
	}
	sc.write(&message{ID: id, Op: opResult, Result: res})
}

// watch forwards the handler's states to the peer until ctx ends or the
// handler closes its channel. A pump keeps only the newest state while a
// write is under way, so a slow peer never holds up the handler and always
// gets the latest state next.
func (sc *serverConn) watch(ctx context.Context, id uint64) {
	states := sc.h.Watch(ctx)
	latest := make(chan json.RawMessage, 1) // the pump is its only sender
	sc.wg.Add(1)
	go func() {
		defer sc.wg.Done()
		defer close(latest)
		for {
			select {
			case <-ctx.Done():
				return
			case st, ok := <-states:
				if !ok {
					return
				}
				select {
				case <-latest: // drop the state the writer has not taken yet
				default:
				}
				latest <- st
			}
		}
	}()
	for st := range latest {
		// encode refuses a state that is not valid JSON: nothing is sent.
		sc.write(&message{ID: id, Op: opState, State: st})
	}
}

// write sends one message. A failed write closes the connection: the peer is
// gone or does not read.
func (sc *serverConn) write(m *message) error {
	b, err := encode(m)
	if err != nil {
		return err
	}
	sc.wmu.Lock()
	defer sc.wmu.Unlock()
	sc.c.SetWriteDeadline(time.Now().Add(writeWait))
	if _, err := sc.c.Write(b); err != nil {
		sc.c.Close()
		return fmt.Errorf("control: write %s: %w", m.Op, err)
	}
	return nil
}
