package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"piecestray/app"
	"piecestray/internal/control"
)

// Title of the agent check.
const titleAgent = "Agent"

// agentFacts is what the running agent told over its control socket.
type agentFacts struct {
	asked    bool      // a socket path was known
	err      error     // it could not be reached
	state    app.State // its state, when gotState
	gotState bool
	info     control.Info
	infoErr  error
}

// probeAgent asks the agent for its state and its info.
func probeAgent(ctx context.Context, env Env) agentFacts {
	if env.SocketPath == "" {
		return agentFacts{}
	}
	a := agentFacts{asked: true}
	ctx, cancel := context.WithTimeout(ctx, env.NetWait)
	defer cancel()
	c := control.NewClient(env.SocketPath)
	defer c.Close()
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	states, err := c.Watch(wctx)
	if err != nil {
		a.err = err
		return a
	}
	select {
	case raw, ok := <-states:
		if !ok {
			a.err = errors.New("the agent ended the watch")
			return a
		}
		if err := json.Unmarshal(raw, &a.state); err != nil {
			a.err = fmt.Errorf("the agent's state is not readable: %w", err)
			return a
		}
		a.gotState = true
	case <-ctx.Done():
		a.err = ctx.Err()
		return a
	}
	stop()
	a.info, a.infoErr = c.Info(ctx)
	return a
}

// check is the agent line: it runs, its version is this program's, and
// where it logs.
func (a agentFacts) check(env Env) Check {
	c := Check{ID: IDAgent, Title: titleAgent}
	var re *control.RemoteError
	switch {
	case !a.asked:
		return skipped(c.ID, c.Title, "not checked: no control socket is known")
	case a.err != nil:
		c.Status = Fail
		c.Found = "not running (nothing answers at " + shortPath(env.SocketPath) + "), so no tray icon shows"
		c.Fix = "Start Pieces Tray (pieces-tray, or from the applications menu)"
	case errors.As(a.infoErr, &re):
		c.Status = Fail
		c.Found = "running, but too old to say its version"
		c.Fix = "Quit Pieces Tray from its menu and start it again"
	case a.infoErr != nil:
		c.Status = Fail
		c.Found = "running, but it did not say its version: " + because(a.infoErr)
		c.Fix = "Quit Pieces Tray from its menu and start it again"
	case env.Version != "" && a.info.Version != env.Version:
		c.Status = Fail
		c.Found = fmt.Sprintf("running version %s, but this program is %s", app.Clean(a.info.Version), env.Version)
		c.Fix = "Quit Pieces Tray from its menu and start it again, so that it runs the installed version"
	default:
		c.Status = OK
		c.Found = "running, version " + app.Clean(a.info.Version)
		if env.Version != "" {
			c.Found += " (as this program)"
		}
		c.Found += "; "
		if a.info.LogFile == "" {
			c.Found += "it logs to its standard error"
		} else {
			c.Found += "log: " + shortPath(a.info.LogFile)
		}
	}
	return c
}
