package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"piecestray/app"
	"piecestray/internal/control"
)

// ErrNotRunning is returned by SignIn when no agent answers on the socket.
var ErrNotRunning = errors.New("no Pieces Tray is running")

// settleTimeout bounds how long SignIn waits for an agent that is still
// looking for Pieces OS.
const settleTimeout = 30 * time.Second

// SignIn asks the agent on the control socket at path to start the browser
// sign-in, as its menu's "Sign in…" does, and returns what the agent says
// (`pieces-tray sign-in`; the demo script runs it once its agent is up),
// with the sign-in page's address when the agent runs the sign-in (for a
// browser that did not open, or a machine without one). It waits up to wait
// for an agent to answer, then until the agent knows whether anyone is
// signed in: when someone is, it starts nothing and says who.
func SignIn(ctx context.Context, path string, wait time.Duration) (string, error) {
	c := control.NewClient(path)
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, wait+settleTimeout)
	defer cancel()
	states, err := watchAgent(ctx, c, wait)
	if err != nil {
		return "", err
	}
	var (
		msg     string           // the agent's answer, once asked
		pageDue <-chan time.Time // after asking: how long to wait for the page's address
	)
	for {
		var raw json.RawMessage
		select {
		case r, open := <-states:
			if !open {
				if msg != "" {
					return msg, nil
				}
				if ctx.Err() != nil {
					return "", fmt.Errorf("agent: Pieces Tray did not find Pieces OS within %v", settleTimeout)
				}
				return "", errors.New("agent: Pieces Tray quit before the sign-in started")
			}
			raw = r
		case <-pageDue:
			return msg, nil
		}
		var st app.State
		if err := json.Unmarshal(raw, &st); err != nil {
			return "", fmt.Errorf("agent: read the state of Pieces Tray: %w", err)
		}
		if msg != "" {
			switch {
			case st.SignIn != nil && st.SignIn.URL != "":
				return msg + "\nSign-in page: " + app.CleanLine(st.SignIn.URL, 8192), nil
			case st.Phase != app.PhaseSigningIn && st.Phase != app.PhaseConnecting:
				return msg, nil // over already
			}
			continue
		}
		switch st.Phase {
		case app.PhaseConnecting:
			continue
		case app.PhaseSignedIn:
			return "Already signed in to Pieces as " + app.DisplayName(st.User) + ".", nil
		}
		var res app.Result
		if err := c.Call(ctx, string(app.ActionSignIn), nil, &res); err != nil {
			if re := (*control.RemoteError)(nil); errors.As(err, &re) {
				return "", errors.New(app.CleanLine(re.Message, 600))
			}
			return "", fmt.Errorf("agent: ask Pieces Tray to sign in: %w", err)
		}
		msg = app.CleanLine(res.Message, 600)
		if st.Mode == app.ModePiecesOS {
			return msg, nil // Pieces OS opens its own page; the agent has no address
		}
		pageDue = time.After(pageWait)
	}
}

// pageWait bounds how long SignIn waits for the sign-in page's address
// after the agent started the sign-in.
const pageWait = 5 * time.Second

// watchAgent watches the agent's state, trying again until wait has passed
// when no agent answers yet.
func watchAgent(ctx context.Context, c *control.Client, wait time.Duration) (<-chan json.RawMessage, error) {
	deadline := time.Now().Add(wait)
	for {
		states, err := c.Watch(ctx)
		if err == nil {
			return states, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("%w (%v)", ErrNotRunning, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}
