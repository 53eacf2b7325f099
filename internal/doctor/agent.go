package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"piecestray/app"
	"piecestray/internal/control"
)

// agentFacts is what the running agent told over its control socket.
type agentFacts struct {
	gotState bool      // the agent answered with its state
	state    app.State // its state, when gotState
	info     control.Info
	infoErr  error
}

// probeAgent asks the agent for its state and its info.
func probeAgent(ctx context.Context, env Env) agentFacts {
	var a agentFacts
	if env.SocketPath == "" {
		return a
	}
	ctx, cancel := context.WithTimeout(ctx, netWait)
	defer cancel()
	c := control.NewClient(env.SocketPath)
	defer c.Close()
	wctx, stop := context.WithCancel(ctx)
	if states, err := c.Watch(wctx); err == nil {
		raw := <-states // nil when the watch ended first
		a.gotState = raw != nil && json.Unmarshal(raw, &a.state) == nil
	}
	stop()
	if a.gotState {
		a.info, a.infoErr = c.Info(ctx)
	}
	return a
}

// check is the agent line: it runs, its version is this program's, and
// where it logs.
func (a agentFacts) check(env Env) Check {
	const restart = "Quit Pieces Tray from its menu and start it again"
	var re *control.RemoteError
	switch {
	case env.SocketPath == "":
		return skip("not checked: no control socket is known")
	case !a.gotState:
		return fail("not running (nothing answers at "+shortPath(env.SocketPath)+"), so no tray icon shows", "Start Pieces Tray (pieces-tray, or from the applications menu)")
	case errors.As(a.infoErr, &re):
		return fail("running, but too old to say its version", restart)
	case a.infoErr != nil:
		return fail("running, but it did not say its version: "+because(a.infoErr), restart)
	case env.Version != "" && a.info.Version != env.Version:
		return fail(fmt.Sprintf("running version %s, but this program is %s", app.Clean(a.info.Version), env.Version), restart+", so that it runs the installed version")
	}
	found := "running, version " + app.Clean(a.info.Version)
	if env.Version != "" {
		found += " (as this program)"
	}
	if a.info.LogFile == "" {
		return ok(found + "; it logs to its standard error")
	}
	return ok(found + "; log: " + shortPath(a.info.LogFile))
}
