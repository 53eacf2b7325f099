// Package windowcmd runs `pieces-tray window NAME`: a short-lived Fyne
// process that shows one window (account, vanity, beta or signout) of the
// agent.
//
// It dials the agent's control socket (internal/control), adapts the
// connection to ui.Client, registers itself as the window so that a second
// request brings this one forward, and exits when the window closes. When
// the socket cannot be dialed it shows a window with the reason instead.
//
// This is the only package besides main that imports fyne.io/fyne/v2/app
// (and so Fyne's GL driver); the agent itself never loads it.
package windowcmd
