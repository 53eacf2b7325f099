// Package windowcmd runs `pieces-tray window NAME`: a short-lived Fyne
// process that shows one window (account, vanity, beta, signout or doctor) of the
// agent.
//
// The agent starts it with a one-time registration token. It talks to the
// agent's control socket (internal/control), adapts the Client to
// ui.Client, registers itself as the window so that a second request brings
// this one forward and the agent's quit closes it, and exits when the window
// closes. Run by hand, without a token, it asks the agent to show the window
// and exits. When the socket cannot be reached it shows a window with the
// reason instead.
//
// This is the only package besides main that imports fyne.io/fyne/v2/app
// (and so Fyne's GL driver); the agent itself never loads it.
package windowcmd
