package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"piecestray/app"
	"piecestray/internal/control"
)

// NewUnavailable builds the window shown instead of window (account,
// vanity, beta, signout or doctor) when the agent cannot be reached: it gives the
// reason err and asks whether Pieces Tray is running. Enter and Escape
// close it.
func NewUnavailable(a fyne.App, window string, err error) fyne.Window {
	w := a.NewWindow("Pieces Tray")
	w.Resize(fyne.NewSize(480, 220))
	heading := newHeading("Could not open " + windowWords[window])
	body := newText(app.Human(err) + "\nIs Pieces Tray running? Start it, then open this window again from the tray icon.")
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

// windowWords names the windows (control.Windows) in a sentence.
var windowWords = map[string]string{
	control.WindowAccount: "your Pieces account",
	control.WindowVanity:  "the vanity name window",
	control.WindowBeta:    "the beta program window",
	control.WindowSignOut: "the sign-out window",
	control.WindowDoctor:  "the diagnosis window",
}
