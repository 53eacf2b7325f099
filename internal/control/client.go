package control

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Client is a connection to the agent, made by Dial. Its methods are safe
// for concurrent use. Dial starts one reader goroutine; Close stops it and
// waits for it.
type Client struct {
	c *net.UnixConn
	r *bufio.Reader // read only by the reader goroutine after Dial

	wmu sync.Mutex // serializes writes to c

	mu      sync.Mutex // guards nextID, pending, watches, raises, err
	nextID  uint64
	pending map[uint64]chan *message // calls and registrations awaiting their reply
	watches map[uint64]*watchSub
	raises  map[string]func() // registered window → its raise callback
	err     error             // why the connection ended, once it has

	done      chan struct{} // closed when the reader goroutine ends
	closeOnce sync.Once
	closeErr  error
}

// watchSub is one running Watch.
type watchSub struct {
	ch   chan json.RawMessage // capacity 1: the newest state not yet taken
	stop func() bool          // stops the ctx AfterFunc; guarded by Client.mu
}

// Dial connects to the agent's socket at path and says hello. ctx bounds
// the connection and the handshake only. A *RemoteError (found with
// errors.As) means the agent answered but refused, for instance with code
// "unsupported_version".
func Dial(ctx context.Context, path string) (*Client, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, fmt.Errorf("control: dial: %w", err)
	}
	uc := nc.(*net.UnixConn)
	deadline := time.Now().Add(helloWait)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	stop := context.AfterFunc(ctx, func() { uc.SetDeadline(time.Now()) })
	r := bufio.NewReader(uc)
	err = handshake(uc, r, deadline)
	if !stop() {
		uc.Close()
		return nil, fmt.Errorf("control: hello: %w", ctx.Err())
	}
	if err != nil {
		uc.Close()
		return nil, fmt.Errorf("control: hello: %w", err)
	}
	c := &Client{
		c:       uc,
		r:       r,
		nextID:  1, // hello
		pending: make(map[uint64]chan *message),
		watches: make(map[uint64]*watchSub),
		raises:  make(map[string]func()),
		done:    make(chan struct{}),
	}
	go c.readLoop()
	return c, nil
}

// handshake sends hello on c and reads the reply from r before deadline.
// An error reply or another protocol version is a *RemoteError.
func handshake(c net.Conn, r *bufio.Reader, deadline time.Time) error {
	c.SetDeadline(deadline)
	b, err := encode(&message{ID: 1, Op: opHello})
	if err != nil {
		return err
	}
	if _, err := c.Write(b); err != nil {
		return err
	}
	line, err := readLine(r, maxReplySize)
	if err != nil {
		return err
	}
	var m message
	if err := json.Unmarshal(line, &m); err != nil {
		return fmt.Errorf("bad reply: %w", err)
	}
	switch {
	case m.Op == opError && m.Error != nil:
		return m.Error
	case m.V != Version:
		return &RemoteError{Code: CodeUnsupportedVersion, Message: fmt.Sprintf(
			"the agent speaks protocol version %d and this program version %d: restart pieces-tray so both are the same version", m.V, Version)}
	case m.Op != opHello || m.ID != 1:
		return fmt.Errorf("unexpected reply %q to hello", truncate(m.Op, 40))
	}
	return c.SetDeadline(time.Time{})
}

// Call runs action on the agent with args (marshalled to JSON; nil for
// none) and decodes its result into result (unless result is nil). A
// failure the agent reports is a *RemoteError; any other error is a
// transport or encoding error, wrapped. When ctx ends first the agent is
// asked to cancel the call and Call returns ctx.Err(), wrapped.
func (c *Client) Call(ctx context.Context, action string, args any, result any) error {
	var raw json.RawMessage
	if args != nil {
		b, err := json.Marshal(args)
		if err != nil {
			return fmt.Errorf("control: call %s: encode args: %w", action, err)
		}
		raw = b
	}
	id, ch, err := c.expect()
	if err != nil {
		return fmt.Errorf("control: call %s: %w", action, err)
	}
	if err := c.send(&message{ID: id, Op: opCall, Action: action, Args: raw}); err != nil {
		c.forget(id)
		return fmt.Errorf("control: call %s: %w", action, err)
	}
	var m *message
	select {
	case m = <-ch:
	case <-ctx.Done():
		c.forget(id)
		c.cancel(id)
		return fmt.Errorf("control: call %s: %w", action, ctx.Err())
	case <-c.done:
		select {
		case m = <-ch: // the reply came in just before the end
		default:
			return fmt.Errorf("control: call %s: %w", action, c.connErr())
		}
	}
	if m.Op == opError {
		if m.Error == nil {
			return &RemoteError{Code: CodeInternal, Message: "the agent reported an error without details"}
		}
		return m.Error
	}
	if m.Op != opResult {
		return fmt.Errorf("control: call %s: unexpected reply %q", action, truncate(m.Op, 40))
	}
	if result != nil && len(m.Result) > 0 {
		if err := json.Unmarshal(m.Result, result); err != nil {
			return fmt.Errorf("control: call %s: decode result: %w", action, err)
		}
	}
	return nil
}

// Watch asks the agent for its state: the returned channel gets the current
// state JSON at once, then each change. A consumer slower than the changes
// receives only the newest. The channel is closed when ctx ends, the agent
// ends the watch, or the connection ends.
func (c *Client) Watch(ctx context.Context) (<-chan json.RawMessage, error) {
	sub := &watchSub{ch: make(chan json.RawMessage, 1)}
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return nil, fmt.Errorf("control: watch: %w", err)
	}
	c.nextID++
	id := c.nextID
	c.watches[id] = sub
	c.mu.Unlock()

	if err := c.send(&message{ID: id, Op: opWatch}); err != nil {
		c.closeWatch(id)
		return nil, fmt.Errorf("control: watch: %w", err)
	}
	stop := context.AfterFunc(ctx, func() {
		if c.closeWatch(id) {
			c.cancel(id)
		}
	})
	c.mu.Lock()
	if c.watches[id] == sub {
		sub.stop = stop
		stop = nil
	}
	c.mu.Unlock()
	if stop != nil { // already closed
		stop()
	}
	return sub.ch, nil
}

// Register tells the agent that this connection shows window, so that
// Server.Raise(window) reaches it: onRaise (which may be nil) is then
// called on the Client's reader goroutine and must return quickly, for
// instance by handing the work to fyne.Do. A *RemoteError with code
// "already_registered" means another process shows that window.
func (c *Client) Register(window string, onRaise func()) error {
	if err := validWindow(window); err != nil {
		return fmt.Errorf("control: register: %w", err)
	}
	if onRaise == nil {
		onRaise = func() {}
	}
	c.mu.Lock()
	prev, had := c.raises[window]
	c.raises[window] = onRaise
	c.mu.Unlock()
	restore := func() {
		c.mu.Lock()
		if had {
			c.raises[window] = prev
		} else {
			delete(c.raises, window)
		}
		c.mu.Unlock()
	}

	id, ch, err := c.expect()
	if err != nil {
		restore()
		return fmt.Errorf("control: register: %w", err)
	}
	if err := c.send(&message{ID: id, Op: opRegister, Window: window}); err != nil {
		c.forget(id)
		restore()
		return fmt.Errorf("control: register: %w", err)
	}
	t := time.NewTimer(writeWait)
	defer t.Stop()
	select {
	case m := <-ch:
		if m.Op == opOK {
			return nil
		}
		restore()
		if m.Error != nil {
			return m.Error
		}
		return fmt.Errorf("control: register: unexpected reply %q", truncate(m.Op, 40))
	case <-c.done:
		restore()
		return fmt.Errorf("control: register: %w", c.connErr())
	case <-t.C:
		c.forget(id)
		restore()
		return errors.New("control: register: the agent did not answer")
	}
}

// Close closes the connection and waits for the reader goroutine. Running
// calls fail and watch channels are closed.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		if err := c.c.Close(); err != nil {
			c.closeErr = fmt.Errorf("control: close: %w", err)
		}
		<-c.done
	})
	return c.closeErr
}

// readLoop dispatches the agent's messages until the connection ends.
func (c *Client) readLoop() {
	var err error
	for {
		var line []byte
		line, err = readLine(c.r, maxReplySize)
		if err != nil {
			break
		}
		m := new(message)
		if json.Unmarshal(line, m) != nil {
			continue // not for us to judge: a newer agent may send more
		}
		c.dispatch(m)
	}
	c.mu.Lock()
	c.err = fmt.Errorf("connection to the agent ended: %w", err)
	subs := c.watches
	c.watches = make(map[uint64]*watchSub)
	for _, sub := range subs {
		close(sub.ch)
	}
	c.mu.Unlock()
	for _, sub := range subs {
		if sub.stop != nil {
			sub.stop()
		}
	}
	close(c.done)
}

// dispatch handles one message from the agent on the reader goroutine.
func (c *Client) dispatch(m *message) {
	switch m.Op {
	case opRaise:
		c.mu.Lock()
		fn := c.raises[m.Window]
		c.mu.Unlock()
		if fn != nil {
			fn()
		}
		return
	case opState:
		c.mu.Lock()
		if sub := c.watches[m.ID]; sub != nil {
			select {
			case <-sub.ch: // drop what the consumer has not taken yet
			default:
			}
			sub.ch <- m.State
		}
		c.mu.Unlock()
		return
	case opEnd:
		c.closeWatch(m.ID)
		return
	}
	c.mu.Lock()
	ch := c.pending[m.ID]
	delete(c.pending, m.ID)
	c.mu.Unlock()
	if ch != nil {
		ch <- m
		return
	}
	if m.Op == opError {
		c.closeWatch(m.ID) // a refused watch
	}
}

// expect allocates a request id whose reply will arrive on the returned
// channel.
func (c *Client) expect() (uint64, chan *message, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, nil, c.err
	}
	c.nextID++
	ch := make(chan *message, 1)
	c.pending[c.nextID] = ch
	return c.nextID, ch, nil
}

// forget drops the reply channel of request id.
func (c *Client) forget(id uint64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// closeWatch ends watch id; false when it had already ended.
func (c *Client) closeWatch(id uint64) bool {
	c.mu.Lock()
	sub := c.watches[id]
	delete(c.watches, id)
	if sub != nil {
		close(sub.ch)
	}
	c.mu.Unlock()
	if sub == nil {
		return false
	}
	if sub.stop != nil {
		sub.stop()
	}
	return true
}

// cancel asks the agent, best effort, to cancel request ref.
func (c *Client) cancel(ref uint64) {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	c.mu.Unlock()
	c.send(&message{ID: id, Op: opCancel, Ref: ref})
}

// send writes one request.
func (c *Client) send(m *message) error {
	b, err := encode(m)
	if err != nil {
		return err
	}
	if len(b)-1 > MaxRequestSize {
		return fmt.Errorf("request of %d bytes is over the limit of %d", len(b)-1, MaxRequestSize)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.c.SetWriteDeadline(time.Now().Add(writeWait))
	if _, err := c.c.Write(b); err != nil {
		return err
	}
	return nil
}

// connErr returns why the connection ended.
func (c *Client) connErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		return net.ErrClosed
	}
	return c.err
}
