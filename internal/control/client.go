package control

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
)

// maxReplySize is the longest result or line a client accepts from the
// server: states and results are larger than requests but still small.
const maxReplySize = 4 << 20

// Client talks to the agent on its socket: windows, `pieces-tray status`
// and a second launch use it. Each request is a connection of its own, made
// when needed, so NewClient cannot fail; an agent that is not there shows
// as the first request's error. Its methods are safe for concurrent use.
type Client struct {
	hc   http.Client
	ctx  context.Context // ends with Close: watches and registrations stop
	stop context.CancelFunc

	mu      sync.Mutex     // orders streams.Go after the check of ctx before Close's Wait
	streams sync.WaitGroup // goroutines reading watches and registrations
}

// NewClient returns a Client for the agent's socket at path. Close it to
// end its watches and registrations.
func NewClient(path string) *Client {
	var d net.Dialer
	ctx, stop := context.WithCancel(context.Background())
	return &Client{
		hc: http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return d.DialContext(ctx, "unix", path)
			},
			DisableKeepAlives: true, // an idle connection would hold one of the agent's slots
		}},
		ctx:  ctx,
		stop: stop,
	}
}

// Call runs action on the agent with args (marshalled to JSON; nil for
// none) and decodes its result into result (unless result is nil). A
// failure the agent reports is a *RemoteError; any other error is a
// transport or encoding error, wrapped. When ctx ends first the agent's
// call is cancelled and Call returns ctx.Err(), wrapped.
func (c *Client) Call(ctx context.Context, action string, args any, result any) error {
	var body []byte
	if args != nil {
		b, err := json.Marshal(args)
		if err != nil {
			return fmt.Errorf("control: call %s: encode args: %w", action, err)
		}
		body = b
	}
	if len(body) > maxBody {
		return fmt.Errorf("control: call %s: arguments of %d bytes are over the limit of %d", action, len(body), maxBody)
	}
	return c.fetch(ctx, http.MethodPost, "/v1/call/"+url.PathEscape(action), body, result, "call "+action)
}

// Info asks the agent which it is: its version and log file. An agent from
// before GET /v1/info answers a *RemoteError with code CodeBadRequest.
func (c *Client) Info(ctx context.Context) (Info, error) {
	var info Info
	err := c.fetch(ctx, http.MethodGet, "/v1/info", nil, &info, "info")
	if err == nil && info.Version == "" {
		err = errors.New("control: info: the agent did not say its version")
	}
	return info, err
}

// Watch asks the agent for its state: the returned channel gets the current
// state JSON at once, then each change. A consumer slower than the changes
// receives only the newest. The channel is closed when ctx ends, the agent
// ends the watch, or the Client closes.
func (c *Client) Watch(ctx context.Context) (<-chan json.RawMessage, error) {
	out := make(chan json.RawMessage, 1)
	err := c.stream(ctx, "/v1/watch", "", func(line []byte) {
		select {
		case <-out: // drop what the consumer has not taken yet
		default:
		}
		out <- bytes.Clone(line)
	}, func() { close(out) })
	if err != nil {
		return nil, fmt.Errorf("control: watch: %w", err)
	}
	return out, nil
}

// Register makes this process the one showing window, with the token the
// agent gave it (WindowTokenEnv), until ctx ends or the Client closes.
// onEvent is called with each event the agent sends (EventRaise,
// EventClose) on a goroutine of the Client, and must return quickly, for
// instance by handing the work to fyne.Do. A *RemoteError with code
// CodeAlreadyRegistered means another process shows that window;
// CodeForbidden that the token is not the agent's.
func (c *Client) Register(ctx context.Context, window, token string, onEvent func(event string)) error {
	err := c.stream(ctx, "/v1/register?window="+url.QueryEscape(window), token, func(line []byte) {
		var ev struct{ Event string }
		if json.Unmarshal(line, &ev) == nil && ev.Event != "" {
			onEvent(ev.Event)
		}
	}, nil)
	if err != nil {
		return fmt.Errorf("control: register %s: %w", window, err)
	}
	return nil
}

// Close ends the Client's watches and registrations and waits for their
// goroutines. It always returns nil.
func (c *Client) Close() error {
	c.mu.Lock()
	c.stop()
	c.mu.Unlock()
	c.streams.Wait()
	return nil
}

// stream opens a newline-delimited stream at path and hands each non-empty
// line to onLine, then calls end (when not nil), on a goroutine that lasts
// until the stream ends, ctx ends or the Client closes.
func (c *Client) stream(ctx context.Context, path, token string, onLine func([]byte), end func()) error {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(c.ctx, cancel)
	done := func() { stop(); cancel() }
	body, err := c.send(ctx, http.MethodGet, path, token, nil)
	if err != nil {
		done()
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx.Err() != nil {
		body.Close()
		done()
		return net.ErrClosed
	}
	c.streams.Go(func() {
		defer done()
		defer body.Close()
		if end != nil {
			defer end()
		}
		sc := bufio.NewScanner(body)
		sc.Buffer(nil, maxReplySize)
		for sc.Scan() {
			if len(sc.Bytes()) > 0 {
				onLine(sc.Bytes())
			}
		}
	})
	return nil
}

// fetch sends method path with body and decodes the JSON answer into
// result (unless result is nil or the answer empty: an action may answer
// nothing). The agent's *RemoteError is returned as it is; other errors are
// wrapped with what.
func (c *Client) fetch(ctx context.Context, method, path string, body []byte, result any, what string) error {
	rc, err := c.send(ctx, method, path, "", body)
	if err == nil {
		defer rc.Close()
		var b []byte
		if b, err = io.ReadAll(io.LimitReader(rc, maxReplySize)); err == nil && result != nil && len(b) > 0 {
			if err = json.Unmarshal(b, result); err != nil {
				err = fmt.Errorf("decode the answer: %w", err)
			}
		}
	}
	if _, remote := errors.AsType[*RemoteError](err); err == nil || remote {
		return err
	}
	return fmt.Errorf("control: %s: %w", what, err)
}

// send sends method path with body (nil for none) and token (when not "")
// and returns the body of a 200 answer. Any other answer is its problem
// body as a *RemoteError, or the status when there is none.
func (c *Client) send(ctx context.Context, method, path, token string, body []byte) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://pieces-tray"+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set(TokenHeader, token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error // its method and made-up URL mean nothing to people
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, err
	}
	if resp.StatusCode == http.StatusOK {
		return resp.Body, nil
	}
	defer resp.Body.Close()
	var re RemoteError
	if json.NewDecoder(io.LimitReader(resp.Body, maxReplySize)).Decode(&re) == nil && re.Code != "" {
		return nil, &re
	}
	return nil, fmt.Errorf("the agent answered %s", resp.Status)
}
