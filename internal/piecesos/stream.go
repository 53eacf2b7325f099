package piecesos

import (
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Timeouts and limits of a /user/stream connection, after the pattern of the
// gorilla/websocket chat example.
const (
	// writeWait is the time allowed to write one frame or control message.
	writeWait = 10 * time.Second
	// closeWait is the time allowed for the close frame sent when the
	// simulator drops a stream.
	closeWait = 250 * time.Millisecond
	// maxClientMessage bounds what a client may send: clients never send
	// data frames, only control frames.
	maxClientMessage = 4096
	// sendQueue is how many frames wait for a slow client before its
	// connection is closed.
	sendQueue = 64
)

// streams are the /user/stream connections and the stall switch.
type streams struct {
	conns  map[*streamConn]struct{} // open connections; guarded by Server.mu
	closed bool                     // Close was called: no new connection; guarded by Server.mu
	wg     sync.WaitGroup           // stream handlers, waited for by Close
	gate   gate                     // Stall
}

// streamConn is one /user/stream connection. Its handler goroutine reads
// (so pings are answered) and one writer goroutine writes the frames.
type streamConn struct {
	ws      *websocket.Conn
	send    chan []byte   // frames to write, in order
	done    chan struct{} // closed by close
	once    sync.Once
	written chan struct{} // closed when the writer has returned
}

// close ends the connection at once; safe to call more than once.
func (c *streamConn) close(closeFrame bool) {
	c.once.Do(func() {
		close(c.done)
		if closeFrame {
			msg := websocket.FormatCloseMessage(websocket.CloseGoingAway, "Pieces OS closed the stream")
			_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeWait))
		}
		_ = c.ws.Close()
	})
}

// broadcastLocked queues frame on every connection; a connection whose
// queue is full is closed (its client reconnects and reads the state again).
func (s *Server) broadcastLocked(frame []byte) {
	for c := range s.hub.conns {
		select {
		case c.send <- frame:
		default:
			c.close(false)
		}
	}
}

// gate is the Stall switch: while stalled, stream readers and writers wait.
type gate struct {
	mu     sync.Mutex
	resume chan struct{} // while stalled: closed when the stall ends; nil otherwise
}

func (g *gate) set(on bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if on && g.resume == nil {
		g.resume = make(chan struct{})
	} else if !on && g.resume != nil {
		close(g.resume)
		g.resume = nil
	}
}

func (g *gate) stalled() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.resume != nil
}

// wait returns true once not stalled, or false when done closes first.
func (g *gate) wait(done <-chan struct{}) bool {
	g.mu.Lock()
	resume := g.resume
	g.mu.Unlock()
	if resume == nil {
		return true
	}
	select {
	case <-resume:
		return true
	case <-done:
		return false
	}
}

// handleStream serves WS /user/stream: the current profile (or an empty
// frame when signed out) right after the upgrade, then one frame per change.
//
// s.mu is held from before the upgrade answer until the connection is
// registered, and Streams, DropStreams, SendRaw, every change of the user
// and GET /user wait for s.mu: once a client has its 101 answer, all of
// them see its connection.
func (s *Server) handleStream(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.mu.Unlock()
		return // Upgrade has answered with an HTTP error
	}
	c := &streamConn{
		ws:      ws,
		send:    make(chan []byte, sendQueue),
		done:    make(chan struct{}),
		written: make(chan struct{}),
	}
	if s.hub.closed {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.hub.conns[c] = struct{}{}
	s.hub.wg.Add(1)
	c.send <- s.frame // the current state (see publishLocked)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.hub.conns, c)
		s.mu.Unlock()
		s.hub.wg.Done()
	}()
	s.log.Debug("piecesos: stream connected", "remote", r.RemoteAddr)
	go s.writeStream(c, r)
	s.readStream(c)
	c.close(false)
	<-c.written
	s.log.Debug("piecesos: stream closed", "remote", r.RemoteAddr)
}

// readStream reads until the connection fails, so that control frames are
// processed: pings get their pong (unless stalled) and a close is noticed.
func (s *Server) readStream(c *streamConn) {
	c.ws.SetReadLimit(maxClientMessage)
	pong := c.ws.PingHandler() // gorilla's: answers a pong, ignoring a closed or slow peer
	c.ws.SetPingHandler(func(data string) error {
		if !s.hub.gate.wait(c.done) {
			return net.ErrClosed
		}
		return pong(data)
	})
	for {
		if _, _, err := c.ws.ReadMessage(); err != nil {
			return
		}
		if !s.hub.gate.wait(c.done) {
			return
		}
	}
}

// writeStream is the one writer of c: it writes the queued frames in order,
// holding them while stalled, until the connection or its request ends.
func (s *Server) writeStream(c *streamConn, r *http.Request) {
	defer close(c.written)
	for {
		select {
		case <-c.done:
			return
		case <-r.Context().Done(): // the serving listener stopped
			c.close(!s.hub.gate.stalled())
			return
		case f := <-c.send:
			if !s.hub.gate.wait(c.done) {
				return
			}
			_ = c.ws.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.ws.WriteMessage(websocket.TextMessage, f); err != nil {
				c.close(false)
				return
			}
		}
	}
}

// DropStreams closes every /user/stream connection (with a close frame,
// unless stalled), including one whose client has just had its upgrade
// answer. Clients are expected to reconnect.
func (s *Server) DropStreams() {
	s.mu.Lock() // waits for a registration in progress (see handleStream)
	defer s.mu.Unlock()
	frame := !s.hub.gate.stalled()
	for c := range s.hub.conns {
		c.close(frame)
	}
}

// SendRaw queues frame, as is, as a text frame to every stream connection.
// It is the one way to send something that is not a valid profile.
func (s *Server) SendRaw(frame []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := append([]byte(nil), frame...)
	s.frameOK = false // the next change is sent even if equal to the last profile
	s.broadcastLocked(f)
}

// Stall stops (on) or resumes (off) all reading and writing on the stream
// connections: while stalled, frames are held back and pings get no pong,
// as with a hung Pieces OS. Held frames are written when the stall ends.
func (s *Server) Stall(on bool) {
	s.hub.gate.set(on)
}

// Streams is the number of open /user/stream connections, counting every
// one whose client has had its upgrade answer.
func (s *Server) Streams() int {
	s.mu.Lock() // waits for a registration in progress (see handleStream)
	defer s.mu.Unlock()
	return len(s.hub.conns)
}
