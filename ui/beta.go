package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"piecestray/app"
)

// betaWindow is the "Pieces beta program" window: what the Early Access
// Program is, whether the person takes part (from the profile), and a
// toggle that asks for confirmation before joining or leaving. A 511 from
// Pieces OS is explained; the result is confirmed from the profile. Its
// widgets and state are touched on the main goroutine only.
type betaWindow struct {
	*base
	notice *noticePane
	form   *fyne.Container

	status *widget.Label
	check  *keyCheck
	feedback
	close *keyButton

	confirm *dialog.ConfirmDialog // open confirmation, if any
	inBeta  bool                  // what the profile says
}

func newBeta(a fyne.App, c Client, opts options) *betaWindow {
	w := &betaWindow{base: newBase(a, c, "Pieces beta program", fyne.NewSize(540, 420), opts)}
	w.feedback.init(w.base)

	w.status = newText("")
	w.status.TextStyle = fyne.TextStyle{Bold: true}
	w.check = newKeyCheck("Take part in the Early Access Program", w.escapeKey, w.toggled)
	about := newText("The Early Access Program lets you try Pieces features before everyone else. " +
		"Today that is the Workstream Pattern Engine: it captures context from what you work on, " +
		"on this computer, so that Pieces' Long-Term Memory can recall it later. " +
		"Members show a gold badge in Pieces Desktop. You can leave at any time.")
	w.form = container.NewVBox(newHeading("Early Access Program"), about, widget.NewSeparator(),
		w.status, w.check, w.progress, w.message, container.NewHBox(w.retry))
	w.notice = newNoticePane(w.base, "to join or leave the beta program", w.form, w.check)

	w.close = newKeyButton("Close", w.escapeKey, w.win.Close)
	w.escape = w.escapeOrDismiss
	w.submit = w.confirmOrToggle
	buttons := container.NewHBox(layout.NewSpacer(), w.close)

	w.setContent(container.NewVBox(w.notice.box, w.form), buttons)
	w.win.Canvas().Focus(w.check)
	w.update()

	w.follow(w.apply)
	return w
}

// apply renders s.
func (w *betaWindow) apply(s app.State) {
	if w.notice.cover(s) {
		w.dismiss()
		w.update()
		return
	}
	w.inBeta = app.BetaOptedIn(s.User, time.Now())
	if w.inBeta {
		w.status.SetText("You are in the Early Access Program. " + betaText(s.User, time.Now()) + ".")
	} else {
		w.status.SetText("You are not in the Early Access Program.")
	}
	w.settle()
	w.update()
}

// update sets the check from the profile and enables it when a change can
// be made.
func (w *betaWindow) update() {
	w.check.OnChanged = nil // not a toggle by the person
	w.check.SetChecked(w.inBeta)
	w.check.OnChanged = w.toggled
	enableIf(w.check, !w.saving && w.form.Visible())
	w.relayout()
}

// toggled runs when the person flips the check to optIn: the check goes
// back to what the profile says, and a confirmation of joining or leaving
// opens; the change is made once it is confirmed.
func (w *betaWindow) toggled(optIn bool) {
	w.update()
	if optIn == w.inBeta || w.saving || w.confirm != nil {
		return
	}
	title, msg, verb := "Join the Early Access Program?",
		"Pieces will turn on Early Access features such as the Workstream Pattern Engine for your account.", "Join"
	if !optIn {
		title, msg, verb = "Leave the Early Access Program?",
			"Pieces will turn off Early Access features for your account. You can join again later.", "Leave"
	}
	d := dialog.NewConfirm(title, msg, func(ok bool) {
		w.confirm = nil
		if ok {
			w.change(optIn)
		}
	}, w.win)
	d.SetConfirmText(verb)
	d.SetDismissText("Cancel")
	w.confirm = d
	d.Show()
}

// change asks the agent to join or leave.
func (w *betaWindow) change(optIn bool) {
	if optIn {
		w.busy("Joining the Early Access Program…")
	} else {
		w.busy("Leaving the Early Access Program…")
	}
	w.update()
	w.do(app.ActionSetBeta, app.BetaArgs{OptIn: optIn}, func(res app.Result, err error) {
		w.idle()
		defer w.update()
		if err != nil {
			e := actionError(err, "The beta program could not be changed")
			msg := app.Sentence(e.Message)
			if e.Code == app.CodeNotSignedIn {
				msg = "Pieces OS answered that nobody is signed in (error 511). " +
					"Joining or leaving the beta program needs an account signed in to Pieces OS on this computer. " +
					"Sign in, then try again."
			}
			showLine(w.message, msg, widget.DangerImportance)
			w.help(e.Code, func() { w.change(optIn) })
			return
		}
		done := "Done: you left the Early Access Program."
		if optIn {
			done = "Done: you joined the Early Access Program."
		}
		w.saved(res, "the change", done, func() bool { return w.inBeta == optIn })
	})
}

// escapeOrDismiss closes the open confirmation, or else the window.
func (w *betaWindow) escapeOrDismiss() {
	if !w.dismiss() {
		w.win.Close()
	}
}

// dismiss cancels the open confirmation, if any, and reports whether there
// was one.
func (w *betaWindow) dismiss() bool {
	d := w.confirm
	if d != nil {
		d.Hide() // answers false, which clears w.confirm
	}
	return d != nil
}

// confirmOrToggle is Enter outside a focused widget: it confirms the open
// confirmation, or else flips the toggle.
func (w *betaWindow) confirmOrToggle() {
	if d := w.confirm; d != nil {
		d.Confirm()
		return
	}
	if !w.check.Disabled() {
		w.toggled(!w.inBeta)
	}
}
