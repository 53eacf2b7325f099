// Package status implements `pieces-tray status`: it prints who is signed in,
// where the session is kept, the Pieces OS URL and the stream state, the way
// `gh auth status` does.
//
// It asks the running agent over the control socket; when no agent runs it
// reads Pieces OS directly (one GET /user, no stream). The exit code says
// the outcome: 0 signed in, 1 signed out, 2 Pieces OS not running.
package status

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"piecestray/apiclient"
	"piecestray/app"
	"piecestray/internal/control"
	"piecestray/internal/neterr"
)

// timeout bounds the whole command: status must answer quickly.
const timeout = 5 * time.Second

// Options configure Run.
type Options struct {
	JSON        bool   // print a Report as JSON instead of text
	PiecesOSURL string // explicit Pieces OS URL for the direct read; "" discovers
	SocketPath  string // the agent's control socket; "" uses control.DefaultSocketPath
	// Now is the clock used to word "reconnecting in N s"; nil uses time.Now.
	Now func() time.Time
}

// Run prints the state to stdout and returns the exit code.
func Run(ctx context.Context, opts Options, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if opts.Now == nil {
		opts.Now = time.Now
	}
	st, ok, err := fromAgent(ctx, opts.SocketPath)
	if !ok {
		if note := agentNote(err); note != "" {
			fmt.Fprintln(stderr, "pieces-tray status:", note)
		}
		st = direct(ctx, opts.PiecesOSURL)
	}
	if opts.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(NewReport(st, opts.Now())); err != nil {
			fmt.Fprintln(stderr, "pieces-tray status:", err)
		}
	} else {
		fmt.Fprint(stdout, Text(st, opts.Now()))
	}
	return ExitCode(st)
}

// agentNote is what to tell the person when the agent could not be asked
// because of err, or "" when that needs no words (no agent runs, which is
// normal).
func agentNote(err error) string {
	if neterr.IsAFNotSupported(err) {
		// Wine 8; Windows 10 before 1803.
		return "the agent cannot be asked: this system has no unix sockets (AF_UNIX); asking Pieces OS directly"
	}
	return ""
}

// fromAgent reads one state snapshot from a running agent. When it gets
// none it says why, if it knows: the error of connecting to the agent.
func fromAgent(ctx context.Context, path string) (app.State, bool, error) {
	if path == "" {
		p, err := control.DefaultSocketPath()
		if err != nil {
			return app.State{}, false, nil
		}
		path = p
	}
	c := control.NewClient(path)
	defer c.Close()
	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	answer := time.AfterFunc(time.Second, wcancel) // a live agent answers at once
	states, err := c.Watch(wctx)
	if !answer.Stop() || err != nil {
		return app.State{}, false, err
	}
	// An agent that has just started says "connecting" until it knows more:
	// wait a moment for an answer that settles the exit code.
	settle := time.NewTimer(settleWait)
	defer settle.Stop()
	var st app.State
	got := false
	for {
		select {
		case raw, open := <-states:
			if !open {
				return st, got, nil
			}
			if err := json.Unmarshal(raw, &st); err != nil {
				return app.State{}, false, nil
			}
			got = true
			if st.Phase != app.PhaseConnecting {
				return st, true, nil
			}
		case <-settle.C:
			return st, got, nil
		case <-ctx.Done():
			return st, got, nil
		}
	}
}

// settleWait is how long status waits for an agent that is still connecting.
const settleWait = 2 * time.Second

// direct reads the state from Pieces OS when no agent runs.
func direct(ctx context.Context, url string) app.State {
	hc := &http.Client{Timeout: 3 * time.Second}
	d := apiclient.Discovery{URL: url}
	return Snapshot(ctx, d.Find, func(base string) app.PiecesOS {
		return apiclient.New(base, apiclient.WithHTTPClient(hc))
	})
}
