package ui

import (
	"piecestray/app"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// titleUnavailable is the title of the window shown when the agent cannot
// be reached.
const titleUnavailable = "Pieces Tray"

// NewUnavailable builds the window shown instead of window (account,
// vanity, beta, signout or doctor) when the agent cannot be reached: it gives the
// reason err and asks whether Pieces Tray is running. Enter and Escape
// close it.
func NewUnavailable(a fyne.App, window string, err error) fyne.Window {
	w := a.NewWindow(titleUnavailable)
	w.Resize(fyne.NewSize(480, 220))
	heading := widget.NewLabel("Could not open " + windowWords(window))
	heading.TextStyle = fyne.TextStyle{Bold: true}
	heading.SizeName = theme.SizeNameSubHeadingText
	reason := "Pieces Tray did not answer."
	if err != nil {
		reason = app.Human(err)
	}
	body := widget.NewLabel(reason + "\nIs Pieces Tray running? Start it, then open this window again from the tray icon.")
	body.Wrapping = fyne.TextWrapWord
	closeButton := newKeyButton("Close", w.Close, w.Close)
	closeButton.Importance = widget.HighImportance
	icon := container.NewGridWrap(fyne.NewSquareSize(48), widget.NewIcon(theme.ErrorIcon()))
	content := container.NewBorder(nil, container.NewHBox(layout.NewSpacer(), closeButton), nil, nil,
		container.NewBorder(nil, nil, container.NewVBox(icon), nil, container.NewVBox(heading, body)))
	w.SetContent(content)
	w.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		switch ev.Name {
		case fyne.KeyEscape, fyne.KeyReturn, fyne.KeyEnter:
			w.Close()
		}
	})
	w.Canvas().Focus(closeButton)
	return w
}

// windowWords names a window in a sentence.
func windowWords(window string) string {
	switch window {
	case WindowAccount:
		return "your Pieces account"
	case WindowVanity:
		return "the vanity name window"
	case WindowBeta:
		return "the beta program window"
	case WindowSignOut:
		return "the sign-out window"
	case WindowDoctor:
		return "the diagnosis window"
	}
	return "the window"
}
