package ui

import (
	"context"
	"os"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"piecestray/internal/doctor"
)

// checkingText is the heading while the checks run.
const checkingText = "Checking Pieces OS, the sign-in, the keyring and the desktop…"

// Runner runs the checks of `pieces-tray doctor` and returns the report.
// It must return soon after ctx ends.
type Runner func(ctx context.Context) doctor.Report

// runHere returns the Runner of this computer, configured like the agent
// by the environment the window process inherited from it. Its runs share
// one Env (one keyring store, so a keyring that hangs holds one goroutine).
func runHere() Runner {
	env := sync.OnceValue(func() doctor.Env { return doctor.DefaultEnv(os.Getenv) })
	return func(ctx context.Context) doctor.Report { return doctor.Run(ctx, env()) }
}

// NewDoctor builds the "Diagnose Pieces Tray" window: the report of
// `pieces-tray doctor`, one row per link with its fix, a "Copy report"
// button (the text, with email addresses masked) and "Run again". The checks
// run with run, in the background, when the window is shown, and again on
// "Run again"; closing the window stops them.
func NewDoctor(a fyne.App, run Runner) fyne.Window {
	return newDoctor(a, run, options{})
}

// doctorView is the diagnosis window; its widgets are touched on the main
// goroutine only.
type doctorView struct {
	*base
	fyne.Window // Show is doctorView's
	app         fyne.App
	run         Runner

	heading  *widget.Label
	progress *widget.ProgressBarInfinite
	rows     *fyne.Container
	copied   *widget.Label
	copy     *keyButton
	again    *keyButton
	close    *keyButton

	started bool          // the first run has started
	running bool          // a run is under way
	report  doctor.Report // the last report
}

func newDoctor(a fyne.App, run Runner, opts options) *doctorView {
	w := &doctorView{base: newBase(a, nil, "Diagnose Pieces Tray", fyne.NewSize(760, 600), opts), app: a, run: run}
	w.Window = w.win
	w.heading = widget.NewLabel(checkingText)
	w.heading.TextStyle = fyne.TextStyle{Bold: true}
	w.heading.Wrapping = fyne.TextWrapWord
	w.progress = widget.NewProgressBarInfinite()
	w.progress.Hide()
	w.rows = container.NewVBox()
	w.copied = widget.NewLabel("")
	w.copied.Hide()

	w.copy = newKeyButton("Copy report", w.escapeKey, w.copyReport)
	w.copy.Icon = theme.ContentCopyIcon()
	w.copy.Disable()
	w.again = newKeyButton("Run again", w.escapeKey, w.start)
	w.again.Icon = theme.ViewRefreshIcon()
	w.again.Disable()
	w.close = newKeyButton("Close", w.escapeKey, w.win.Close)
	w.close.Importance = widget.HighImportance
	w.submit = w.win.Close
	buttons := container.NewHBox(w.copy, w.again, w.copied, layout.NewSpacer(), w.close)

	w.setContent(container.NewVBox(w.heading, w.progress, w.rows), buttons)
	w.win.Canvas().Focus(w.close)
	w.markReady() // there is something to show at once: the checks under way
	return w
}

// Show shows the window (see window.Show) and starts the first run of the
// checks.
func (w *doctorView) Show() {
	if !w.started {
		w.start()
	}
	w.window().Show()
}

// start runs the checks in the background and shows their report.
func (w *doctorView) start() {
	if w.running || w.closed {
		return
	}
	w.started, w.running = true, true
	w.heading.SetText(checkingText)
	w.progress.Show()
	w.again.Disable()
	w.copied.Hide()
	w.relayout()
	w.spawn(func(ctx context.Context) {
		r := w.run(ctx) // w.run never changes
		if ctx.Err() != nil {
			return // the window closed
		}
		w.ui(func() { w.show(r) })
	})
}

// show renders r.
func (w *doctorView) show(r doctor.Report) {
	w.running = false
	w.report = r
	w.progress.Hide()
	w.heading.SetText(r.Summary())
	w.rows.RemoveAll()
	for _, c := range r.Checks {
		w.rows.Add(checkRow(c))
	}
	w.copy.Enable()
	w.again.Enable()
}

// checkRow is one check: its mark as an icon, then its title and what was
// found and, on a line of its own, the fix.
func checkRow(c doctor.Check) fyne.CanvasObject {
	segs := []widget.RichTextSegment{
		&widget.TextSegment{Text: c.Title + "  ", Style: widget.RichTextStyle{Inline: true, TextStyle: fyne.TextStyle{Bold: true}}},
		&widget.TextSegment{Text: c.Found, Style: widget.RichTextStyleParagraph},
	}
	if c.Fix != "" {
		color := theme.ColorNameError
		if c.Status == doctor.Warn {
			color = theme.ColorNameWarning
		}
		segs = append(segs, &widget.TextSegment{Text: "Fix: " + c.Fix, Style: widget.RichTextStyle{ColorName: color}})
	}
	text := widget.NewRichText(segs...)
	text.Wrapping = fyne.TextWrapWord
	icon := widget.NewIcon(markIcon(c.Status))
	return container.NewBorder(nil, nil, container.NewVBox(icon), nil, text)
}

// markIcon is the icon of a status: ✓ ✗ ! or –.
func markIcon(s doctor.Status) fyne.Resource {
	switch s {
	case doctor.OK:
		return theme.NewSuccessThemedResource(theme.ConfirmIcon())
	case doctor.Fail:
		return theme.NewErrorThemedResource(theme.CancelIcon())
	case doctor.Warn:
		return theme.NewWarningThemedResource(theme.WarningIcon())
	}
	return theme.NewDisabledResource(theme.ContentRemoveIcon())
}

// copyReport puts the report's text on the clipboard (its button is
// enabled once there is a report).
func (w *doctorView) copyReport() {
	w.app.Clipboard().SetContent(w.report.Text())
	w.copied.SetText("Copied (email addresses masked)")
	w.copied.Show()
}
