package windowcmd

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"

	"piecestray/app"
	"piecestray/internal/control"
)

// conn is the part of *control.Client that a window uses.
type conn interface {
	Call(ctx context.Context, action string, args any, result any) error
	Watch(ctx context.Context) (<-chan json.RawMessage, error)
}

// remote adapts a control connection to ui.Client: state JSON becomes
// app.State, and *control.RemoteError becomes *app.ActionError.
type remote struct {
	c conn

	done chan struct{}  // closed by shutdown
	wg   sync.WaitGroup // Watch goroutines
}

func newRemote(c conn) *remote {
	return &remote{c: c, done: make(chan struct{})}
}

// shutdown ends every Watch goroutine without closing its channel and waits
// for them, so that closing the connection afterwards is not reported to a
// window whose event loop has already ended ("connection lost").
func (r *remote) shutdown() {
	close(r.done)
	r.wg.Wait()
}

// Watch decodes the agent's states. The channel keeps only the newest state
// for a slow reader, and is closed when ctx ends or the agent's stream ends
// (but not by shutdown). Its goroutine is owned by ctx.
func (r *remote) Watch(ctx context.Context) (<-chan app.State, error) {
	raw, err := r.c.Watch(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan app.State, 1)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			select {
			case <-r.done:
				return // out stays open: the window hears nothing more
			case <-ctx.Done():
				close(out)
				return
			case b, open := <-raw:
				if !open {
					close(out)
					return
				}
				var s app.State
				if err := json.Unmarshal(b, &s); err != nil {
					continue // not a state this version understands
				}
				select {
				case <-out: // drop the state nobody read yet
				default:
				}
				out <- s // never blocks: this goroutine is the only sender
			}
		}
	}()
	return out, nil
}

// Do runs action in the agent. Failures are *app.ActionError: the agent's
// own code and message, or internal/cancelled when the socket failed.
func (r *remote) Do(ctx context.Context, action app.Action, args any) (app.Result, error) {
	var res app.Result
	err := r.c.Call(ctx, string(action), args, &res)
	if err == nil {
		return res, nil
	}
	var re *control.RemoteError
	switch {
	case errors.As(err, &re):
		return app.Result{}, &app.ActionError{Code: app.ErrorCode(re.Code), Message: re.Message}
	case ctx.Err() != nil:
		return app.Result{}, &app.ActionError{Code: app.CodeCancelled, Message: "The window closed before Pieces Tray answered."}
	}
	msg := strings.TrimPrefix(err.Error(), "control: ")
	return app.Result{}, &app.ActionError{Code: app.CodeInternal, Message: "Pieces Tray did not answer: " + msg + ". Is Pieces Tray running?"}
}
