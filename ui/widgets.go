package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"piecestray/app"
)

// A focused widget receives every key, so the canvas's own key handler
// (base.typedKey) never sees Escape while a field or button has focus. The
// widgets below pass Escape on to the window, and buttons and checks also
// answer Enter, so that the keyboard works wherever the focus is.

// fieldEntry is a single-line entry that passes Escape to the window.
// Enter is the entry's OnSubmitted.
type fieldEntry struct {
	widget.Entry
	onEscape func()
}

func newFieldEntry(onEscape func()) *fieldEntry {
	e := &fieldEntry{onEscape: onEscape}
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey passes Escape to the window and everything else to the entry.
func (e *fieldEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(k)
}

// keyButton is a button that is pressed by Enter as well as Space when
// focused, and passes Escape to the window.
type keyButton struct {
	widget.Button
	onEscape func()
}

func newKeyButton(label string, onEscape func(), tapped func()) *keyButton {
	b := &keyButton{onEscape: onEscape}
	b.Text = label
	b.OnTapped = tapped
	b.ExtendBaseWidget(b)
	return b
}

// TypedKey presses the button on Enter and passes Escape to the window.
func (b *keyButton) TypedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyEscape:
		b.onEscape()
	case fyne.KeyReturn, fyne.KeyEnter:
		if !b.Disabled() {
			b.OnTapped()
		}
	default:
		b.Button.TypedKey(k)
	}
}

// keyCheck is a check box that toggles on Enter as well as Space when
// focused, and passes Escape to the window.
type keyCheck struct {
	widget.Check
	onEscape func()
}

func newKeyCheck(label string, onEscape func(), changed func(bool)) *keyCheck {
	c := &keyCheck{onEscape: onEscape}
	c.Text = label
	c.OnChanged = changed
	c.ExtendBaseWidget(c)
	return c
}

// TypedKey toggles on Enter and passes Escape to the window.
func (c *keyCheck) TypedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyEscape:
		c.onEscape()
	case fyne.KeyReturn, fyne.KeyEnter:
		c.TypedRune(' ') // as Space does; nothing when disabled
	default:
		c.Check.TypedKey(k)
	}
}

// newText returns a word-wrapped label showing text.
func newText(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// newLine returns a hidden word-wrapped label for showLine.
func newLine() *widget.Label {
	l := newText("")
	l.Hide()
	return l
}

// newHeading returns a bold label in the size of subheadings.
func newHeading(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.TextStyle = fyne.TextStyle{Bold: true}
	l.SizeName = theme.SizeNameSubHeadingText
	return l
}

// noticePane shows a notice (see noticeFor) in place of a window's form
// while the window cannot offer the form: signed out, Pieces OS not
// running, signing in... with the one button that helps. Its methods run on
// the main goroutine.
type noticePane struct {
	b        *base
	what     string            // what the window needs, for noticeFor
	form     fyne.CanvasObject // what the notice replaces
	focus    fyne.Focusable    // has the focus when the form comes back
	heading  *widget.Label
	body     *widget.Label
	outcome  *widget.Label // what the button's action answered
	progress *widget.ProgressBarInfinite
	button   *keyButton
	action   app.Action
	box      *fyne.Container
}

func newNoticePane(b *base, what string, form fyne.CanvasObject, focus fyne.Focusable) *noticePane {
	n := &noticePane{b: b, what: what, form: form, focus: focus}
	n.heading = newHeading(connectingNotice.Title)
	n.body = newText(connectingNotice.Body)
	n.outcome = newLine()
	n.progress = widget.NewProgressBarInfinite()
	n.button = newKeyButton("", b.escapeKey, func() { b.run(n.button, n.action, n.outcome) })
	n.button.Importance = widget.HighImportance
	n.button.Hide()
	n.box = container.NewVBox(n.heading, n.body, n.progress, container.NewHBox(n.button), n.outcome)
	form.Hide()
	return n
}

// cover shows the notice for s, or for the lost agent, in place of the
// form, or else the form; it reports whether the notice is shown. When the
// situation changes, the focus moves to the notice's button or back to the
// form.
func (n *noticePane) cover(s app.State) bool {
	x, blocked := noticeFor(s, n.what)
	if n.b.lost != nil {
		x, blocked = lostNotice(n.b.lost), true
	}
	changed := blocked != n.box.Visible() || (blocked && x.Title != n.heading.Text)
	showIf(n.box, blocked)
	showIf(n.form, !blocked)
	if !blocked {
		if changed {
			n.b.win.Canvas().Focus(n.focus)
		}
		return false
	}
	if x.Title != n.heading.Text {
		n.outcome.Hide() // a new situation: the last outcome is stale
	}
	n.heading.SetText(x.Title)
	n.body.SetText(x.Body)
	showIf(n.progress, x.Busy)
	n.action = x.Action
	if x.Button != "" {
		n.button.SetText(x.Button)
		n.button.Enable()
	}
	showIf(n.button, x.Button != "")
	if changed && x.Button != "" {
		n.b.win.Canvas().Focus(n.button)
	}
	return true
}

// lostNotice is shown when the window loses the agent.
func lostNotice(err error) notice {
	return notice{Title: "Pieces Tray is not answering", Body: app.Human(err) + "\nIs Pieces Tray running? Close this window and open it again from the tray icon."}
}

// showIf shows o when show is true, else hides it.
func showIf(o fyne.CanvasObject, show bool) {
	if show {
		o.Show()
	} else {
		o.Hide()
	}
}

// enableIf enables w when on is true, else disables it.
func enableIf(w fyne.Disableable, on bool) {
	if on {
		w.Enable()
	} else {
		w.Disable()
	}
}

// showLine shows text in l with the importance imp, or hides l when text
// is empty.
func showLine(l *widget.Label, text string, imp widget.Importance) {
	l.Importance = imp
	l.SetText(text)
	showIf(l, text != "")
}

// feedback is the progress of a change, the line that says how it went,
// and the one button that helps after a failure (Retry, Sign in…), shared
// by the vanity name and beta windows.
type feedback struct {
	*base
	saving   bool        // a change is under way
	shown    func() bool // reports whether the profile shows the saved change
	success  string      // said once it does
	progress *widget.ProgressBarInfinite
	message  *widget.Label
	retry    *keyButton
}

// init builds the hidden progress, message line and button of the window b.
func (f *feedback) init(b *base) {
	f.base = b
	f.progress = widget.NewProgressBarInfinite()
	f.progress.Hide()
	f.message = newLine()
	f.retry = newKeyButton("Retry", b.escapeKey, nil)
	f.retry.Hide()
}

// busy shows that a change is under way, saying msg.
func (f *feedback) busy(msg string) {
	f.saving = true
	f.shown = nil
	f.retry.Hide()
	f.progress.Show()
	showLine(f.message, msg, widget.MediumImportance)
}

// idle shows that the change is over.
func (f *feedback) idle() {
	f.saving = false
	f.progress.Hide()
}

// saved says success once the profile shows the change that was saved
// (shown reports whether it does): now, or else at a later state (see
// settle), saying meanwhile res's message and that the window waits for
// the profile to show what.
func (f *feedback) saved(res app.Result, what, success string, shown func() bool) {
	f.shown, f.success = shown, success
	if f.settle() {
		return
	}
	msg := res.Message
	if msg == "" {
		msg = "Saved."
	}
	showLine(f.message, msg+" Waiting for your profile to show "+what+"…", widget.MediumImportance)
}

// settle says success when the profile shows the saved change, and reports
// whether it did.
func (f *feedback) settle() bool {
	if f.shown == nil || !f.shown() {
		return false
	}
	showLine(f.message, f.success, widget.SuccessImportance)
	f.shown = nil
	return true
}

// help offers the button that helps after a change failed with code: Sign
// in…, Retry (again, which repeats the change), or Retry that looks for
// Pieces OS again.
func (f *feedback) help(code app.ErrorCode, again func()) {
	label, run := "Retry", again
	switch code {
	case app.CodeNotSignedIn:
		label, run = "Sign in…", func() { f.runAction(app.ActionSignIn) }
	case app.CodeNotRunning:
		run = func() { f.runAction(app.ActionRetry) }
	case app.CodeServer, app.CodeBusy, app.CodeCloudNotReady:
	default:
		return
	}
	f.retry.SetText(label)
	f.retry.OnTapped = run
	f.retry.Show()
	f.win.Canvas().Focus(f.retry)
}

// runAction runs an action that helps (sign in, look for Pieces OS) and
// shows what it answered.
func (f *feedback) runAction(a app.Action) {
	f.retry.Hide()
	f.relayout()
	f.run(f.retry, a, f.message)
}
