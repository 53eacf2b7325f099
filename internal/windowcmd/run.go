package windowcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"piecestray/app"
	"piecestray/internal/control"
	"piecestray/ui"
)

// AppID is the Fyne application ID of the window process (FyneApp.toml).
const AppID = "app.pieces.tray"

// dialTimeout bounds connecting to the agent's socket.
const dialTimeout = 5 * time.Second

// Exit codes of Run.
const (
	ExitOK          = 0 // the window was shown and closed, or an open one was raised
	ExitUnavailable = 1 // the agent could not be reached; an error window was shown
	ExitUsage       = 2 // unknown window name
)

// Run shows the window called name (account, vanity, beta or signout) of
// the agent listening on socketPath and returns the process exit code once
// the window has closed or ctx has ended. It must be called on the main
// goroutine: it runs Fyne's event loop.
//
// When another process already shows that window, Run asks the agent to
// bring it forward and returns at once. When the socket cannot be dialed,
// Run shows a window with the reason and returns ExitUnavailable after it
// closes.
func Run(ctx context.Context, name string, socketPath string) int {
	return run(ctx, name, socketPath, os.Stderr)
}

func run(ctx context.Context, name, socketPath string, stderr io.Writer) int {
	if !app.ValidWindow(name) {
		fmt.Fprintf(stderr, "pieces-tray: there is no window called %q (choose account, vanity, beta or signout)\n", name)
		return ExitUsage
	}
	a := fyneapp.NewWithID(AppID)

	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	cl, err := control.Dial(dctx, socketPath)
	cancel()
	if err != nil {
		fmt.Fprintf(stderr, "pieces-tray: cannot reach the agent at %s: %v\n", socketPath, err)
		show(ctx, a, ui.NewUnavailable(a, name, dialProblem(socketPath, err)))
		return ExitUnavailable
	}
	rem := newRemote(cl)
	defer func() {
		rem.shutdown()
		cl.Close() //nolint:errcheck // the process is ending
	}()

	// win is read and written on Fyne's main goroutine only: here before
	// the event loop starts, and in the raise callback through fyne.Do.
	var win fyne.Window
	raise := func() {
		fyne.Do(func() {
			if win != nil {
				win.Show()
				win.RequestFocus()
			}
		})
	}
	if err := cl.Register(name, raise); err != nil {
		var re *control.RemoteError
		if errors.As(err, &re) && re.Code == control.CodeAlreadyRegistered {
			// Another process shows this window: bring it forward instead.
			cctx, cancel := context.WithTimeout(ctx, dialTimeout)
			defer cancel()
			if err := cl.Call(cctx, string(app.ActionShowWindow), app.WindowArgs{Name: name}, nil); err != nil {
				fmt.Fprintf(stderr, "pieces-tray: the %s window is open in another process but could not be raised: %v\n", name, err)
			}
			return ExitOK
		}
		// Without registration the window still works; only raising it does not.
		fmt.Fprintf(stderr, "pieces-tray: register the %s window: %v\n", name, err)
	}
	w, err := ui.New(name, a, rem)
	if err != nil {
		fmt.Fprintf(stderr, "pieces-tray: %v\n", err)
		return ExitUsage
	}
	win = w
	show(ctx, a, w)
	return ExitOK
}

// dialProblem says in words why the agent's socket could not be dialed.
func dialProblem(socketPath string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("nothing is listening at %s", socketPath)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("Pieces Tray did not answer at %s within %v", socketPath, dialTimeout)
	}
	return err
}

// show shows w as the application's one window and runs the event loop
// until w closes (which quits the application) or ctx ends. After it
// returns the window must not be touched: the driver has terminated.
func show(ctx context.Context, a fyne.App, w fyne.Window) {
	w.SetMaster()
	// Fyne's driver itself quits on SIGINT and SIGTERM; Quit is safe to call
	// again. The window is not closed here: a Close queued behind the quit
	// would run after the driver has terminated GLFW.
	stop := context.AfterFunc(ctx, func() { fyne.Do(a.Quit) })
	defer stop()
	w.Show()
	a.Run()
}
