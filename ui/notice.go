package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"piecestray/app"
)

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

// press runs the notice's action.
func (n *noticePane) press() {
	action := n.action
	if action == "" {
		return
	}
	n.button.Disable()
	n.b.do(action, nil, func(res app.Result, err error) {
		n.button.Enable()
		if err != nil {
			n.outcome.Importance = widget.DangerImportance
			n.outcome.SetText(actionError(err).Message)
		} else {
			n.outcome.Importance = widget.MediumImportance
			n.outcome.SetText(res.Message)
		}
		if n.outcome.Text != "" {
			n.outcome.Show()
		}
	})
}

// escapeKey is what Escape does in a focused widget: the window's escape.
func (b *base) escapeKey() {
	if b.escape != nil {
		b.escape()
	}
}
