package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"piecestray/app"
)

// noTrayHostNote is what the account window says when it opened because no
// tray host shows the icon.
const noTrayHostNote = "No tray is running on this desktop, so Pieces Tray opened this window. " +
	"On GNOME, install the AppIndicator and KStatusNotifierItem Support extension; " +
	"on other desktops add a system tray or status-notifier area to the panel."

// accountWindow is the "Pieces account" window: the signed-in person's
// picture, name, email and username, the Pieces OS in use, the personal
// cloud, the vanity name, the beta program and where the session is kept.
// When nobody is signed in or Pieces OS is not running it says so and
// offers the one button that helps. Opened because there is no tray (why is
// noTrayHost), it says so above all that, and how to get a tray. Its
// widgets are touched on the main goroutine only.
type accountWindow struct {
	*base
	notice  *noticePane
	details *fyne.Container

	picture    *canvas.Image
	pictureURL string // the URL picture shows or is fetching

	name, email                                      *widget.Label
	username, piecesOS, cloud, vanity, beta, storage *widget.Label
	lastError                                        *widget.Label
	refresh, close                                   *keyButton
	outcome                                          *widget.Label
	offer                                            *fyne.Container
	offered                                          bool // start at login was offered in this window
}

func newAccount(a fyne.App, c Client, opts options) *accountWindow {
	w := &accountWindow{base: newBase(a, c, "Pieces account", fyne.NewSize(560, 460), opts)}
	w.picture = canvas.NewImageFromResource(theme.AccountIcon())
	w.picture.FillMode = canvas.ImageFillContain
	w.picture.SetMinSize(fyne.NewSquareSize(72))
	w.name = newHeading("")
	w.email = widget.NewLabel("")
	header := container.NewHBox(w.picture, container.NewVBox(layout.NewSpacer(), w.name, w.email, layout.NewSpacer()))

	value := func() *widget.Label {
		l := newText("")
		l.Selectable = true
		return l
	}
	w.username, w.piecesOS, w.cloud = value(), value(), value()
	w.vanity, w.beta, w.storage = value(), value(), value()
	form := widget.NewForm(
		widget.NewFormItem("Username", w.username),
		widget.NewFormItem("Pieces OS", w.piecesOS),
		widget.NewFormItem("Personal cloud", w.cloud),
		widget.NewFormItem("Vanity name", w.vanity),
		widget.NewFormItem("Beta program", w.beta),
		widget.NewFormItem("Session kept", w.storage),
	)
	w.details = container.NewVBox(header, widget.NewSeparator(), form)
	w.lastError = newLine()
	w.outcome = newLine()

	w.refresh = newKeyButton("Refresh", w.escapeKey, func() { w.run(w.refresh, app.ActionRefresh, w.outcome) })
	w.refresh.Icon = theme.ViewRefreshIcon()
	w.refresh.Disable()
	w.close = newKeyButton("Close", w.escapeKey, w.win.Close)
	buttons := container.NewHBox(w.refresh, layout.NewSpacer(), w.close)
	w.notice = newNoticePane(w.base, "to see your account", w.details, w.close)

	var parts []fyne.CanvasObject
	if w.opts.noTrayHost {
		icon := container.NewCenter(widget.NewIcon(theme.InfoIcon()))
		parts = append(parts, container.NewBorder(nil, nil, icon, nil, newText(noTrayHostNote)), widget.NewSeparator())
	}
	w.offer = w.newOffer()
	body := container.NewVBox(append(parts, w.notice.box, w.details, w.offer, w.lastError, w.outcome)...)
	w.setContent(body, buttons)
	w.win.Canvas().Focus(w.close)

	w.follow(w.apply)
	return w
}

// apply renders s.
func (w *accountWindow) apply(s app.State) {
	showLine(w.lastError, s.LastError, widget.DangerImportance)
	if w.notice.cover(s) {
		w.refresh.Disable()
		return
	}
	enableIf(w.refresh, s.Busy == "")
	p := s.User
	name, email := app.Clean(p.Name), app.Clean(p.Email)
	w.name.SetText(orDash(name))
	if email == name {
		email = "" // the name is the email address
	}
	w.email.SetText(email)
	w.username.SetText(orDash(app.Clean(p.Username)))
	w.piecesOS.SetText(piecesOSText(s.PiecesOS))
	w.cloud.SetText(cloudText(p))
	w.vanity.SetText(vanityText(p))
	w.beta.SetText(betaText(p, time.Now()))
	w.storage.SetText(storageText(s.Storage))
	w.showPicture(p.Picture)
	if !w.offered && w.opts.startAtLogin != nil && w.opts.startAtLogin.ShouldOffer() {
		w.offered = true
		w.offer.Show()
	}
}

// newOffer builds the one-time offer to start Pieces Tray at login, hidden
// until the window shows a signed-in person.
func (w *accountWindow) newOffer() *fyne.Container {
	q := newText("Start Pieces Tray when you log in, so your account is always in view?")
	var yes, no *widget.Button
	answer := func(on bool) {
		yes.Disable()
		no.Disable()
		offer := w.opts.startAtLogin
		w.spawn(func(context.Context) {
			err := offer.Answer(on)
			w.ui(func() {
				w.offer.Hide()
				switch {
				case err != nil:
					showLine(w.outcome, "Start at login was not turned on: "+app.Human(err), widget.DangerImportance)
				case on:
					showLine(w.outcome, "Pieces Tray will start when you log in. You can turn this off in its menu.", widget.SuccessImportance)
				}
			})
		})
	}
	yes = widget.NewButton("Start at login", func() { answer(true) })
	yes.Importance = widget.HighImportance
	no = widget.NewButton("Not now", func() { answer(false) })
	c := container.NewVBox(widget.NewSeparator(), q, container.NewHBox(yes, no))
	c.Hide()
	return c
}

// showPicture shows the picture at url, fetching it in the background; the
// placeholder stays when there is none or it cannot be fetched.
func (w *accountWindow) showPicture(url string) {
	if url == w.pictureURL {
		return
	}
	w.pictureURL = url
	w.picture.Resource = theme.AccountIcon() // until the picture comes
	w.picture.Refresh()
	if url == "" {
		return
	}
	fetch := w.opts.pictures
	w.spawn(func(ctx context.Context) {
		res, err := fetch(ctx, url)
		if err != nil || ctx.Err() != nil {
			return // the placeholder stays
		}
		w.ui(func() {
			if w.pictureURL == url {
				w.picture.Resource = res
				w.picture.Refresh()
			}
		})
	})
}
