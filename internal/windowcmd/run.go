package windowcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"piecestray/app"
	"piecestray/internal/control"
	"piecestray/internal/neterr"
	"piecestray/tray"
	"piecestray/ui"
)

// AppID is the Fyne application ID of the window process (FyneApp.toml).
const AppID = "app.pieces.tray"

// dialTimeout bounds how long the agent may take to answer a window
// process's first request.
const dialTimeout = 5 * time.Second

// Exit codes of Run.
const (
	ExitOK          = 0 // the window was shown and closed, or the agent was asked to show it
	ExitUnavailable = 1 // the agent could not be reached (an error window was shown) or could not show the window
	ExitUsage       = 2 // unknown window name
)

// Run shows the window called name (account, vanity, beta, signout or
// doctor) of the agent listening on socketPath and returns the process exit
// code once the window has closed or ctx has ended. It must be called on the
// main goroutine: it runs Fyne's event loop.
//
// A window process that the agent started finds its registration token
// (control.WindowTokenEnv) and why it was opened (tray.WindowReasonEnv) in
// the environment. Run by hand, without a token, it asks the agent to show
// the window and returns. When the agent cannot be reached, Run shows a
// window with the reason and returns ExitUnavailable after it closes.
func Run(ctx context.Context, name string, socketPath string) int {
	token := os.Getenv(control.WindowTokenEnv)
	os.Unsetenv(control.WindowTokenEnv) // used once; not for what this process starts
	return run(ctx, name, socketPath, token, openedWhy(), os.Stderr)
}

// openedWhy reports whether the agent opened this window because there is
// no tray host (tray.WindowReasonEnv), and removes the reason from the
// environment of what this process starts.
func openedWhy() (noTrayHost bool) {
	reason := os.Getenv(tray.WindowReasonEnv)
	os.Unsetenv(tray.WindowReasonEnv)
	return reason == tray.ReasonNoTrayHost
}

func run(ctx context.Context, name, socketPath, token string, noTrayHost bool, stderr io.Writer) int {
	if !control.ValidWindow(name) {
		fmt.Fprintf(stderr, "pieces-tray: there is no window called %q (choose account, vanity, beta, signout or doctor)\n", name)
		return ExitUsage
	}
	cl := control.NewClient(socketPath)
	defer cl.Close() //nolint:errcheck // always nil
	if token == "" {
		return showByAgent(ctx, cl, name, socketPath, stderr)
	}
	a := fyneapp.NewWithID(AppID)

	// win is read and written on Fyne's main goroutine only: here before
	// the event loop starts, and in the event callback through fyne.Do.
	var win fyne.Window
	onEvent := func(event string) {
		switch event {
		case control.EventRaise:
			fyne.Do(func() {
				if win != nil {
					win.Show()
					win.RequestFocus()
				}
			})
		case control.EventClose:
			fyne.Do(a.Quit)
		}
	}
	// The registration lasts as long as the window; only the agent's
	// answer is bounded.
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	answer := time.AfterFunc(dialTimeout, func() { cancel(context.DeadlineExceeded) })
	err := cl.Register(rctx, name, token, onEvent)
	answer.Stop()
	var re *control.RemoteError
	switch {
	case err == nil:
	case errors.As(err, &re) && re.Code == control.CodeAlreadyRegistered:
		return showByAgent(ctx, cl, name, socketPath, stderr) // bring that one forward
	case errors.As(err, &re):
		// Without registration the window still works; only raising it does not.
		fmt.Fprintf(stderr, "pieces-tray: register the %s window: %v\n", name, err)
	default:
		if errors.Is(context.Cause(rctx), context.DeadlineExceeded) {
			err = fmt.Errorf("%w: %w", err, context.DeadlineExceeded)
		}
		return unavailable(ctx, a, name, socketPath, err, stderr)
	}
	rem := newRemote(cl)
	defer rem.shutdown() // before cl.Close
	w, err := ui.New(name, a, rem, noTrayHost)
	if err != nil {
		fmt.Fprintf(stderr, "pieces-tray: %v\n", err)
		return ExitUsage
	}
	win = w
	show(ctx, a, w)
	return ExitOK
}

// showByAgent asks the agent to show window name: it starts that window's
// process, or brings the open one forward.
func showByAgent(ctx context.Context, cl *control.Client, name, socketPath string, stderr io.Writer) int {
	cctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	err := cl.Call(cctx, string(app.ActionShowWindow), app.WindowArgs{Name: name}, nil)
	var re *control.RemoteError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &re):
		fmt.Fprintf(stderr, "pieces-tray: Pieces Tray could not show the %s window: %v\n", name, err)
		return ExitUnavailable
	}
	return unavailable(ctx, fyneapp.NewWithID(AppID), name, socketPath, err, stderr)
}

// unavailable shows a window saying why the agent could not be reached and
// returns ExitUnavailable once it closes.
func unavailable(ctx context.Context, a fyne.App, name, socketPath string, err error, stderr io.Writer) int {
	fmt.Fprintf(stderr, "pieces-tray: cannot reach the agent at %s: %v\n", socketPath, err)
	show(ctx, a, ui.NewUnavailable(a, name, dialProblem(socketPath, err)))
	return ExitUnavailable
}

// dialProblem says in words why the agent's socket could not be dialed.
func dialProblem(socketPath string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist), neterr.IsRefused(err):
		return fmt.Errorf("nothing is listening at %s", socketPath)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("no answer from Pieces Tray at %s within %v", socketPath, dialTimeout)
	}
	return err
}

// show shows w as the application's one window, centred on the screen, and
// runs the event loop until w closes (which quits the application) or ctx
// ends. After it returns the window must not be touched: the driver has
// terminated.
func show(ctx context.Context, a fyne.App, w fyne.Window) {
	w.SetMaster()
	w.CenterOnScreen() // else the window manager may put it in a corner
	// Fyne's driver itself quits on SIGINT and SIGTERM; Quit is safe to call
	// again. The window is not closed here: a Close queued behind the quit
	// would run after the driver has terminated GLFW.
	stop := context.AfterFunc(ctx, func() { fyne.Do(a.Quit) })
	defer stop()
	w.Show()
	a.Run()
}
