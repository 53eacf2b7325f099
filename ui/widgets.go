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
	if k.Name == fyne.KeyEscape && e.onEscape != nil {
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
		if b.onEscape != nil {
			b.onEscape()
		}
	case fyne.KeyReturn, fyne.KeyEnter:
		if !b.Disabled() && b.OnTapped != nil {
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
		if c.onEscape != nil {
			c.onEscape()
		}
	case fyne.KeyReturn, fyne.KeyEnter:
		if !c.Disabled() {
			c.SetChecked(!c.Checked)
		}
	default:
		c.Check.TypedKey(k)
	}
}

// noticePane shows a notice (see noticeFor): signed out, Pieces OS not
// running, signing in... with the one button that helps. Its methods run on
// the main goroutine.
type noticePane struct {
	b        *base
	heading  *widget.Label
	body     *widget.Label
	outcome  *widget.Label // what the button's action answered
	progress *widget.ProgressBarInfinite
	button   *keyButton
	action   app.Action
	box      *fyne.Container
}

func newNoticePane(b *base) *noticePane {
	n := &noticePane{b: b}
	n.heading = widget.NewLabel("")
	n.heading.TextStyle = fyne.TextStyle{Bold: true}
	n.heading.SizeName = theme.SizeNameSubHeadingText
	n.body = widget.NewLabel("")
	n.body.Wrapping = fyne.TextWrapWord
	n.outcome = widget.NewLabel("")
	n.outcome.Wrapping = fyne.TextWrapWord
	n.outcome.Hide()
	n.progress = widget.NewProgressBarInfinite()
	n.progress.Hide()
	n.button = newKeyButton("", b.escapeKey, n.press)
	n.button.Importance = widget.HighImportance
	n.button.Hide()
	n.box = container.NewVBox(n.heading, n.body, n.progress, container.NewHBox(n.button), n.outcome)
	n.set(connectingNotice)
	return n
}

// set shows x.
func (n *noticePane) set(x notice) {
	if n.heading.Text != x.Title {
		n.outcome.Hide() // a new situation: the last outcome is stale
	}
	n.heading.SetText(x.Title)
	n.body.SetText(x.Body)
	if x.Busy {
		n.progress.Show()
	} else {
		n.progress.Hide()
	}
	n.action = x.Action
	if x.Button == "" {
		n.button.Hide()
		return
	}
	n.button.SetText(x.Button)
	n.button.Enable()
	n.button.Show()
}

// cover shows x in place of form, which the window cannot offer in the
// situation x describes.
func (n *noticePane) cover(form fyne.CanvasObject, x notice) {
	n.set(x)
	n.box.Show()
	form.Hide()
}

// uncover hides the notice and shows form again.
func (n *noticePane) uncover(form fyne.CanvasObject) {
	n.box.Hide()
	form.Show()
}

// press runs the notice's action.
func (n *noticePane) press() {
	action := n.action
	if action == "" {
		return
	}
	n.button.Disable()
	n.b.do(action, nil, func(res app.Result, err error) {
		n.button.Enable()
		showOutcome(n.outcome, res, err)
	})
}

// showLine shows text in l with the importance imp, or hides l when text
// is empty.
func showLine(l *widget.Label, text string, imp widget.Importance) {
	l.Importance = imp
	l.SetText(text)
	if text == "" {
		l.Hide()
	} else {
		l.Show()
	}
}

// showOutcome shows in l what an action answered: its message, or its
// error in red.
func showOutcome(l *widget.Label, res app.Result, err error) {
	if err != nil {
		showLine(l, actionError(err).Message, widget.DangerImportance)
		return
	}
	showLine(l, res.Message, widget.MediumImportance)
}

// escapeKey is what Escape does in a focused widget: the window's escape.
func (b *base) escapeKey() {
	if b.escape != nil {
		b.escape()
	}
}

// feedback is the line that says how the last action went and the one
// button that helps after a failure (Retry, Sign in…), shared by the vanity
// name and beta windows.
type feedback struct {
	*base
	message     *widget.Label
	retry       *keyButton
	retryAction func()
}

// init builds the hidden message line and button of the window b.
func (f *feedback) init(b *base) {
	f.base = b
	f.message = widget.NewLabel("")
	f.message.Wrapping = fyne.TextWrapWord
	f.message.Hide()
	f.retry = newKeyButton("Retry", b.escapeKey, func() {
		if f.retryAction != nil {
			f.retryAction()
		}
	})
	f.retry.Hide()
}

// offer shows the retry button as label, doing run.
func (f *feedback) offer(label string, run func()) {
	f.retry.SetText(label)
	f.retryAction = run
	f.retry.Show()
	f.win.Canvas().Focus(f.retry)
}

// runAction runs an action that helps (sign in, look for Pieces OS) and
// shows what it answered.
func (f *feedback) runAction(a app.Action) {
	f.retry.Hide()
	f.relayout()
	f.do(a, nil, func(res app.Result, err error) { showOutcome(f.message, res, err) })
}

// showMessage shows text with the importance imp, or hides the line when
// text is empty.
func (f *feedback) showMessage(text string, imp widget.Importance) { showLine(f.message, text, imp) }
