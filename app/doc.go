// Package app is the core of the pieces-tray agent: the one owner of the
// session's truth.
//
// A Core follows Pieces OS (discovery, the /user stream and GET /user),
// restores a stored session silently at start, runs the person's actions
// (sign in, sign out, vanity name, beta program, refresh), renews the access
// token in the background, and publishes one State value that the tray and
// the windows render. Notification events are derived from transitions of
// that state, never from raw frames.
//
// The package has no UI import and is tested with go test and no display.
// It is the only package that knows both auth and apiclient. The agent's
// control socket (internal/control) serves the same State and actions to
// window processes and to `pieces-tray status`.
package app
