package apiclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Connection timeouts of WS /user/stream, after gorilla/websocket's
// examples/chat. Pieces OS never sends pings of its own, so the client pings
// and treats a missing pong as a dead peer. FollowerConfig can override each
// value (tests use milliseconds).
const (
	// writeWait is the time allowed to write one control frame (ping,
	// close) to Pieces OS.
	writeWait = 10 * time.Second
	// pongWait is how long the stream may stay silent (no pong, no frame)
	// before the peer counts as dead; pings go out every 9/10 of it
	// (FollowerConfig.PingPeriod), so a live peer's pong arrives before the
	// deadline and a dead or stalled Pieces OS is noticed within pongWait
	// (30 s), under a minute.
	pongWait = 30 * time.Second
	// maxFrameSize is the largest frame accepted. A profile is a few kB;
	// a larger frame closes the connection (1009 "message too big").
	maxFrameSize = 1 << 20
	// handshakeTimeout bounds the TCP connect and the WebSocket upgrade.
	handshakeTimeout = 5 * time.Second
	// keepBuffer is the largest read buffer kept between frames; a buffer
	// grown by a larger frame is dropped after it.
	keepBuffer = 64 << 10
)

// errFrameTooLarge is returned by streamConn.run when Pieces OS sent a frame
// over the limit.
var errFrameTooLarge = errors.New("apiclient: stream frame over the size limit")

// streamURL returns the WebSocket URL of /user/stream for an HTTP base URL:
// http becomes ws and https wss.
func streamURL(baseURL string) (string, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return "", fmt.Errorf("apiclient: stream URL: %w", err)
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("apiclient: stream URL: base URL scheme %q is not http or https", u.Scheme)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/user/stream"
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	return u.String(), nil
}

// streamConn is one WebSocket connection to /user/stream. It is used by
// exactly two goroutines: the one calling run reads (the only reader), and
// the pinger run starts is the only writer.
type streamConn struct {
	conn *websocket.Conn
	url  string
	cfg  *FollowerConfig // timeouts, limits and logger (defaults filled in)
	buf  bytes.Buffer    // frame being read; owned by the reader
}

// dialStream opens /user/stream of the Pieces OS at baseURL. ctx bounds the
// handshake only. The connection must be used by run (which closes it) or
// closed with close.
func dialStream(ctx context.Context, baseURL string, cfg *FollowerConfig) (*streamConn, error) {
	u, err := streamURL(baseURL)
	if err != nil {
		return nil, err
	}
	d := websocket.Dialer{
		Proxy:            nil, // Pieces OS is local: never through a proxy
		HandshakeTimeout: cfg.HandshakeTimeout,
		NetDialContext:   (&net.Dialer{Timeout: cfg.HandshakeTimeout}).DialContext,
	}
	c, resp, err := d.DialContext(ctx, u, nil)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("apiclient: dial stream %s: %w (HTTP %d)", u, err, resp.StatusCode)
		}
		return nil, fmt.Errorf("apiclient: dial stream %s: %w", u, err)
	}
	return &streamConn{conn: c, url: u, cfg: cfg}, nil
}

// close closes a connection that run was not called for.
func (s *streamConn) close() { s.conn.Close() }

// run reads frames until the connection fails or ctx ends, calls handle with
// each decoded profile (nil = signed out), in order, from the calling
// goroutine, and closes the connection before it returns. Invalid frames are
// logged without their content; a profile this version cannot read is
// handed over as a nil profile with its error (errors.Is
// ErrUnreadableProfile), and a frame that is not JSON is skipped. run
// returns ctx.Err() when ctx ended, otherwise why the connection ended
// (errFrameTooLarge for an oversize frame). It does not reconnect: that is
// the Follower's job.
func (s *streamConn) run(ctx context.Context, handle func(*UserProfile, error)) error {
	done := make(chan struct{}) // closed when the reader stops
	var wg sync.WaitGroup
	var pingErr error // written by the pinger, read after wg.Wait
	wg.Add(1)
	go func() {
		defer wg.Done()
		pingErr = s.ping(ctx, done)
	}()
	err := s.read(handle)
	close(done)
	s.conn.Close() // the reader is done; release the socket
	wg.Wait()
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case pingErr != nil:
		return pingErr
	}
	return err
}

// read is the reader loop. The read deadline is pongWait ahead and moves on
// with every pong and every frame.
func (s *streamConn) read(handle func(*UserProfile, error)) error {
	c := s.conn
	c.SetReadLimit(s.cfg.MaxFrameSize)
	alive := func() error { return c.SetReadDeadline(time.Now().Add(s.cfg.PongWait)) }
	if err := alive(); err != nil {
		return fmt.Errorf("apiclient: stream: %w", err)
	}
	c.SetPongHandler(func(string) error { return alive() })
	for {
		kind, r, err := c.NextReader()
		if err == nil {
			err = alive()
		}
		if err == nil {
			s.buf.Reset()
			_, err = s.buf.ReadFrom(r)
		}
		if err != nil {
			return s.readError(err)
		}
		if kind != websocket.TextMessage {
			s.cfg.Logger.Warn("apiclient: ignoring a binary stream frame", "bytes", s.buf.Len())
			s.shrink()
			continue
		}
		p, err := DecodeFrame(s.buf.Bytes())
		s.shrink()
		if err != nil {
			// err never quotes the frame (see DecodeFrame).
			s.cfg.Logger.Warn("apiclient: ignoring an invalid stream frame; keeping the last state", "err", err)
			if !errors.Is(err, ErrUnreadableProfile) {
				continue
			}
		}
		handle(p, err)
	}
}

// shrink drops a read buffer that an unusually large frame has grown, so
// that an idle connection holds little memory.
func (s *streamConn) shrink() {
	if s.buf.Cap() > keepBuffer {
		s.buf = bytes.Buffer{}
	}
}

// readError explains why the reader stopped.
func (s *streamConn) readError(err error) error {
	var ne net.Error
	var ce *websocket.CloseError
	switch {
	case errors.Is(err, websocket.ErrReadLimit):
		s.cfg.Logger.Warn("apiclient: Pieces OS sent a stream frame over the size limit; closing the connection to reconnect",
			"limit_bytes", s.cfg.MaxFrameSize, "url", s.url)
		return fmt.Errorf("%w (%d bytes)", errFrameTooLarge, s.cfg.MaxFrameSize)
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("apiclient: stream: no pong or frame from Pieces OS for %s: %w", s.cfg.PongWait, err)
	case errors.As(err, &ce):
		return fmt.Errorf("apiclient: stream closed by Pieces OS: %w", err)
	}
	return fmt.Errorf("apiclient: stream read: %w", err)
}

// ping is the writer: it pings every pingPeriod, each write bounded by
// writeWait, until the reader stops (done) or ctx ends. When ctx ends it
// sends a close frame and closes the connection, which ends the reader. A
// failed ping closes the connection too.
func (s *streamConn) ping(ctx context.Context, done <-chan struct{}) error {
	t := time.NewTicker(s.cfg.PingPeriod)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if err := s.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(s.cfg.WriteWait)); err != nil {
				s.conn.Close()
				select {
				case <-done: // the reader failed first: its error explains more
					return nil
				default:
				}
				return fmt.Errorf("apiclient: stream ping: %w", err)
			}
		case <-ctx.Done():
			// Best effort: a close frame tells Pieces OS this was on purpose.
			_ = s.conn.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""),
				time.Now().Add(min(s.cfg.WriteWait, time.Second)))
			s.conn.Close()
			return nil
		case <-done:
			return nil
		}
	}
}
