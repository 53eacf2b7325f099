// Package ui builds the windows of pieces-tray: the account, the vanity
// name, the beta program, sign-out, and the diagnosis (the report of
// `pieces-tray doctor`, whose checks it runs in its own process).
//
// Each window renders the agent's app.State, which it follows through a
// Client (the control socket in production, a fake in tests), and sends the
// person's actions back through the same Client. The windows own no session
// state of their own.
//
// Threading: builders and widget callbacks run on Fyne's main goroutine.
// Every background goroutine belongs to a window's context, which ends when
// the window closes, and never touches a widget: it hands each update to the
// main goroutine with fyne.Do. Callbacks return at once; the work they start
// reports back the same way.
//
// The package does not import fyne.io/fyne/v2/app, so its tests run with
// Fyne's headless test driver and no cgo; internal/windowcmd creates the
// real application.
package ui
