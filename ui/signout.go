package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"piecestray/app"
)

// signOutWindow is the "Sign out of Pieces" window: who will be signed
// out, what signing out does, Cancel as the default (focused) button and
// Sign out; then progress and the outcome. Its widgets and state are
// touched on the main goroutine only.
type signOutWindow struct {
	*base
	who      *widget.Label
	what     *widget.Label
	note     *widget.Label // Pieces OS not running, ...
	feedback               // progress and outcome (no retry button: Sign out stays)
	cancel   *keyButton
	signOut  *keyButton
	close    *keyButton

	done    bool // sign-out finished
	canSign bool // there is something to sign out
}

func newSignOut(a fyne.App, c Client, opts options) *signOutWindow {
	w := &signOutWindow{base: newBase(a, c, "Sign out of Pieces", fyne.NewSize(520, 340), opts)}
	w.who = newText("Waiting for Pieces Tray…")
	w.who.TextStyle = fyne.TextStyle{Bold: true}
	w.what = newText("")
	w.note = newLine()
	w.feedback.init(w.base)

	w.cancel = newKeyButton("Cancel", w.escapeKey, w.win.Close)
	w.signOut = newKeyButton("Sign out", w.escapeKey, w.start)
	w.signOut.Importance = widget.DangerImportance
	w.signOut.Icon = theme.LogoutIcon()
	w.signOut.Disable()
	w.close = newKeyButton("Close", w.escapeKey, w.win.Close)
	w.close.Importance = widget.HighImportance
	w.close.Hide()
	buttons := container.NewHBox(layout.NewSpacer(), w.signOut, w.cancel, w.close)

	w.setContent(container.NewVBox(w.who, w.what, w.note, w.progress, w.message), buttons)
	w.win.Canvas().Focus(w.cancel)

	w.follow(w.apply)
	return w
}

// apply renders s.
func (w *signOutWindow) apply(s app.State) {
	if w.done {
		return // the outcome stays until the window closes
	}
	if w.lost != nil {
		n := lostNotice(w.lost)
		w.canSign = false
		w.who.SetText(n.Title)
		w.what.SetText(n.Body)
		w.update()
		return
	}
	stored := s.Storage.Kind == app.StorageKeyring || s.Storage.Kind == app.StorageMemory
	w.canSign = true
	switch {
	case s.User != nil:
		w.who.SetText("You are about to sign out " + app.DisplayName(s.User) + " from Pieces on this computer.")
	case stored || s.Phase == app.PhaseSignInNeeded:
		w.who.SetText("Nobody is signed in to Pieces OS right now, but a session is still kept on this computer.")
	case s.Phase == app.PhaseSigningIn:
		w.who.SetText("A sign-in is under way. Signing out cancels it.")
	default:
		w.who.SetText("Nobody is signed in to Pieces on this computer.")
		w.canSign = false
	}
	w.what.SetText(signOutSteps(s.Storage.Kind))
	notRunning := ""
	if s.Phase == app.PhaseNotRunning {
		notRunning = "Pieces OS is not running, so it cannot be told now: the saved session is deleted here, and Pieces OS may keep you signed in until you sign out again once it runs."
	}
	showLine(w.note, notRunning, widget.WarningImportance)
	if s.Busy == app.ActionSignOut && !w.saving {
		w.progress.Show()
		showLine(w.message, "Signing out is already under way…", widget.MediumImportance)
	} else if !w.saving {
		w.progress.Hide()
	}
	w.update()
}

// signOutSteps says what signing out does.
func signOutSteps(kind app.StorageKind) string {
	session := "• The saved session is deleted from the system keyring, so Pieces Tray will not sign you in again at start."
	switch kind {
	case app.StorageMemory:
		session = "• The session Pieces Tray keeps in memory is dropped."
	case app.StoragePiecesOS:
		session = "• Pieces OS ends the session it keeps; Pieces Tray stores none."
	}
	return "Signing out means:\n" +
		"• Pieces OS forgets your account on this computer.\n" +
		session + "\n" +
		"• Your browser may stay signed in to Pieces; sign out there too if others use this computer."
}

// update enables the buttons for what can be done now.
func (w *signOutWindow) update() {
	enableIf(w.signOut, w.canSign && !w.saving && w.known && w.state.Busy != app.ActionSignOut)
	enableIf(w.cancel, !w.saving)
	w.relayout()
}

// start signs out.
func (w *signOutWindow) start() {
	if w.saving || !w.canSign {
		return
	}
	w.busy("Signing out…")
	w.update()
	w.do(app.ActionSignOut, nil, func(res app.Result, err error) {
		w.idle()
		if err != nil {
			showLine(w.message, "Sign-out failed: "+app.Sentence(actionError(err, "").Message)+" You can try again.", widget.DangerImportance)
			w.update()
			w.win.Canvas().Focus(w.cancel)
			return
		}
		w.done = true
		msg := res.Message
		if msg == "" {
			msg = "You are signed out."
		}
		// Only the outcome stays: what was about to happen has happened.
		w.who.Hide()
		w.what.Hide()
		w.note.Hide()
		showLine(w.message, msg, widget.SuccessImportance)
		w.signOut.Hide()
		w.cancel.Hide()
		w.close.Show()
		w.win.Canvas().Focus(w.close)
	})
}
