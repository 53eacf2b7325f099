package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"

	"piecestray/app"
)

// Client is the windows' line to the agent.
type Client interface {
	// Watch returns the agent's current state at once and then every change
	// (coalesced) until ctx ends; the channel is closed when the agent goes
	// away or ctx ends.
	Watch(ctx context.Context) (<-chan app.State, error)
	// Do runs an action in the agent and returns its result. A failed action
	// returns an *app.ActionError whose Code tells the window which button
	// helps (taken, cloud_not_ready, not_signed_in, server, not_running,
	// invalid, busy, ...).
	Do(ctx context.Context, action app.Action, args any) (app.Result, error)
}

// Window names accepted by New; they match app.Windows.
const (
	WindowAccount = "account"
	WindowVanity  = "vanity"
	WindowBeta    = "beta"
	WindowSignOut = "signout"
)

// New builds the window called name (account, vanity, beta or signout). The
// window is not shown yet. It returns an error for an unknown name.
func New(name string, a fyne.App, c Client) (fyne.Window, error) {
	switch name {
	case WindowAccount:
		return NewAccount(a, c), nil
	case WindowVanity:
		return NewVanity(a, c), nil
	case WindowBeta:
		return NewBeta(a, c), nil
	case WindowSignOut:
		return NewSignOut(a, c), nil
	}
	return nil, fmt.Errorf("ui: there is no window called %q (choose account, vanity, beta or signout)", name)
}
