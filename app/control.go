package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"piecestray/internal/control"
)

// WindowLauncher opens (or brings forward) one of the agent's windows:
// account, vanity, beta or signout.
type WindowLauncher interface {
	ShowWindow(name string) error
}

// The agent's windows, by the names a WindowLauncher and
// `pieces-tray window NAME` accept.
const (
	WindowAccount = "account"
	WindowVanity  = "vanity"
	WindowBeta    = "beta"
	WindowSignOut = "signout"
)

// Windows are the names a WindowLauncher accepts.
var Windows = []string{WindowAccount, WindowVanity, WindowBeta, WindowSignOut}

// ValidWindow reports whether name is one of Windows.
func ValidWindow(name string) bool { return slices.Contains(Windows, name) }

// ControlHandler serves the core's state and actions on the control socket
// (internal/control): window processes, `pieces-tray status` and a second
// launch use it.
type ControlHandler struct {
	Core    *Core
	Windows WindowLauncher // may be nil: show_window then fails
}

// Watch implements control.Handler: the current state, then every later
// publication, coalesced.
func (h *ControlHandler) Watch(ctx context.Context) <-chan json.RawMessage {
	out := make(chan json.RawMessage, 1)
	states := h.Core.Subscribe(ctx)
	go func() {
		defer close(out)
		for s := range states {
			b, err := json.Marshal(s)
			if err != nil {
				continue
			}
			select {
			case <-out: // keep only the newest for a slow reader
			default:
			}
			out <- b
		}
	}()
	return out
}

// Call implements control.Handler. Failures travel as *control.RemoteError
// carrying the ActionError's code and message.
func (h *ControlHandler) Call(ctx context.Context, action string, args json.RawMessage) (json.RawMessage, error) {
	var res Result
	var err error
	if Action(action) == ActionShowWindow {
		res, err = h.showWindow(args)
	} else {
		res, err = h.Core.Do(ctx, Action(action), args)
	}
	if err != nil {
		var ae *ActionError
		if !errors.As(err, &ae) {
			ae = &ActionError{Code: codeOf(err), Message: human(err)}
		}
		return nil, &control.RemoteError{Code: string(ae.Code), Message: ae.Message}
	}
	return json.Marshal(res)
}

func (h *ControlHandler) showWindow(args json.RawMessage) (Result, error) {
	var a WindowArgs
	if err := decodeArgs(args, &a); err != nil {
		return Result{}, err
	}
	if !ValidWindow(a.Name) {
		return Result{}, &ActionError{Code: CodeInvalid, Message: fmt.Sprintf("There is no window called %q.", a.Name)}
	}
	if h.Windows == nil {
		return Result{}, &ActionError{Code: CodeInternal, Message: "This agent cannot open windows."}
	}
	if err := h.Windows.ShowWindow(a.Name); err != nil {
		return Result{}, &ActionError{Code: CodeInternal, Message: "The window could not be opened: " + human(err)}
	}
	return Result{}, nil
}
