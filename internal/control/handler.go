package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"piecestray/app"
)

// The agent's windows, by the names that `pieces-tray window NAME`,
// show_window, a WindowLauncher and a registration use.
const (
	WindowAccount = "account"
	WindowVanity  = "vanity"
	WindowBeta    = "beta"
	WindowSignOut = "signout"
	WindowDoctor  = "doctor" // the report of `pieces-tray doctor`
)

// Windows are the names of the agent's windows.
var Windows = []string{WindowAccount, WindowVanity, WindowBeta, WindowSignOut, WindowDoctor}

// ValidWindow reports whether name is one of Windows.
func ValidWindow(name string) bool { return slices.Contains(Windows, name) }

// WindowLauncher opens (or brings forward) one of the agent's windows.
type WindowLauncher interface {
	ShowWindow(name string) error
}

// Core is the part of *app.Core that CoreHandler serves.
type Core interface {
	Subscribe(ctx context.Context) <-chan app.State
	Do(ctx context.Context, action app.Action, args json.RawMessage) (app.Result, error)
}

// CoreHandler is the agent's Handler: it serves the core's state and
// actions, and show_window through Windows.
type CoreHandler struct {
	Core    Core
	Windows WindowLauncher // may be nil: show_window then fails
	Info    Info           // answered to GET /v1/info
}

// AgentInfo implements Describer.
func (h *CoreHandler) AgentInfo() Info { return h.Info }

// Watch implements Handler: the current state, then every later
// publication, coalesced.
func (h *CoreHandler) Watch(ctx context.Context) <-chan json.RawMessage {
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

// Call implements Handler. A failed action is a *RemoteError carrying the
// *app.ActionError's code and message.
func (h *CoreHandler) Call(ctx context.Context, action string, args json.RawMessage) (json.RawMessage, error) {
	var res app.Result
	var err error
	if app.Action(action) == app.ActionShowWindow {
		err = h.showWindow(args)
	} else {
		res, err = h.Core.Do(ctx, app.Action(action), args)
	}
	var ae *app.ActionError
	if errors.As(err, &ae) {
		return nil, &RemoteError{Code: string(ae.Code), Message: ae.Message}
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(res)
}

func (h *CoreHandler) showWindow(args json.RawMessage) error {
	var a app.WindowArgs
	if len(args) == 0 || json.Unmarshal(args, &a) != nil {
		return &app.ActionError{Code: app.CodeInvalid, Message: "show_window needs the window's name."}
	}
	if !ValidWindow(a.Name) {
		return &app.ActionError{Code: app.CodeInvalid, Message: fmt.Sprintf("There is no window called %q.", truncate(a.Name, maxWindowInMsg))}
	}
	if h.Windows == nil {
		return &app.ActionError{Code: app.CodeInternal, Message: "This agent cannot open windows."}
	}
	if err := h.Windows.ShowWindow(a.Name); err != nil {
		return &app.ActionError{Code: app.CodeInternal, Message: "The window could not be opened: " + err.Error()}
	}
	return nil
}
