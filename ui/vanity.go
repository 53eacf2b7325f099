package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"piecestray/apiclient"
	"piecestray/app"
)

// NewVanity builds the "Pieces vanity name" window: an entry with the
// current vanity name, validated as a DNS label while typing (the reason
// under the field), a preview of NAME.pieces.cloud, and Save, which is
// enabled only for a valid, changed name. Failures are explained with the
// button that helps; success is confirmed once the profile shows the name.
func NewVanity(a fyne.App, c Client) fyne.Window {
	return newVanity(a, c, options{}).window()
}

// vanityWindow holds the widgets and the editing state of the vanity
// window; all of it is touched on the main goroutine only.
type vanityWindow struct {
	*base
	notice *noticePane
	form   *fyne.Container

	current  *widget.Label
	entry    *fieldEntry
	reason   *widget.Label // why the text is not a valid name
	preview  *widget.Label
	progress *widget.ProgressBarInfinite
	feedback // outcome of the last save, and the button that helps after a failure
	cancel   *keyButton
	save     *keyButton

	name        string // the vanity name in the profile
	initialised bool   // the entry was filled from the profile
	setting     bool   // the entry text is being set by the window
	edited      bool   // the person has typed
	saving      bool
	rejected    string // a name Pieces refused (taken, invalid)
	rejectedWhy string // why, in words: shown under the field while it holds that name
	pending     string // saved, waiting for the profile to show it
	blocked     bool   // a notice replaces the form
}

func newVanity(a fyne.App, c Client, opts options) *vanityWindow {
	w := &vanityWindow{base: newBase(a, c, titleVanity, fyne.NewSize(520, 380), opts)}
	w.feedback.init(w.base)
	w.notice = newNoticePane(w.base)

	intro := widget.NewLabel("Your vanity name gives your personal cloud an address that is easy to remember and share: NAME." + app.CloudDomain + ".")
	intro.Wrapping = fyne.TextWrapWord
	w.current = widget.NewLabel("")
	w.current.TextStyle = fyne.TextStyle{Bold: true}

	w.entry = newFieldEntry(w.escapeKey)
	w.entry.SetPlaceHolder("your-name")
	w.entry.OnChanged = w.changed
	w.entry.OnSubmitted = func(string) { w.submitSave() }
	w.reason = widget.NewLabel("")
	w.reason.Importance = widget.DangerImportance
	w.reason.Wrapping = fyne.TextWrapWord
	w.reason.Hide()
	w.preview = widget.NewLabel("")
	w.preview.Wrapping = fyne.TextWrapWord

	w.progress = widget.NewProgressBarInfinite()
	w.progress.Hide()

	w.form = container.NewVBox(intro, w.current,
		widget.NewLabelWithStyle("Vanity name", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), w.entry,
		w.reason, w.preview, w.progress, w.message, container.NewHBox(w.retry))
	w.form.Hide()

	w.cancel = newKeyButton("Cancel", w.escapeKey, w.win.Close)
	w.save = newKeyButton("Save", w.escapeKey, w.submitSave)
	w.save.Importance = widget.HighImportance
	w.save.Disable()
	w.submit = w.submitSave
	buttons := container.NewHBox(layout.NewSpacer(), w.cancel, w.save)

	body := container.NewVBox(w.notice.box, w.form)
	w.setContent(body, buttons)
	w.win.Canvas().Focus(w.entry)

	w.follow(w.apply, w.lost)
	return w
}

// apply renders s.
func (w *vanityWindow) apply(s app.State) {
	n, blocked := noticeFor(s, "to set a vanity name")
	wasBlocked := w.blocked || !w.form.Visible()
	w.blocked = blocked
	if blocked {
		w.notice.cover(w.form, n)
		w.update()
		if !wasBlocked && n.Button != "" {
			w.win.Canvas().Focus(w.notice.button)
		}
		return
	}
	w.notice.uncover(w.form)
	w.name = app.VanityName(s.User)
	if w.name == "" {
		w.current.SetText("You have no vanity name yet.")
	} else {
		w.current.SetText("Your vanity name is " + app.VanityHost(w.name) + ".")
	}
	if !w.initialised && !w.edited {
		w.initialised = true
		w.setting = true
		w.entry.SetText(w.name)
		w.setting = false
	}
	if w.pending != "" && w.name == w.pending {
		w.showMessage("Saved. Your personal cloud is now "+app.VanityHost(w.pending)+".", widget.SuccessImportance)
		w.pending = ""
	}
	if wasBlocked {
		w.win.Canvas().Focus(w.entry)
	}
	w.update()
}

// changed runs when the entry's text changes. An edit by the person
// clears the outcome of the last save: it spoke of the name before.
func (w *vanityWindow) changed(string) {
	if !w.setting {
		w.edited = true
		w.message.Hide()
		w.retry.Hide()
	}
	w.update()
}

// update validates the text and sets the reason, the preview and Save.
func (w *vanityWindow) update() {
	text := w.entry.Text
	name := apiclient.NormalizeVanityName(text)
	err := apiclient.ValidVanityName(text)
	switch {
	case err != nil && (w.edited || text != ""):
		w.reason.SetText(app.Sentence(err.Error()))
		w.reason.Show()
	case err == nil && name == w.rejected:
		w.reason.SetText(w.rejectedWhy)
		w.reason.Show()
	default:
		w.reason.Hide()
	}
	if err == nil {
		w.preview.SetText("Address: https://" + app.VanityHost(name))
	} else {
		w.preview.SetText("Address: https://NAME." + app.CloudDomain)
	}
	ok := err == nil && name != w.name && name != w.rejected && !w.saving && !w.blocked && w.known && w.state.Busy == ""
	if ok {
		w.save.Enable()
	} else {
		w.save.Disable()
	}
	if w.saving || w.blocked {
		w.entry.Disable()
	} else {
		w.entry.Enable()
	}
	w.relayout()
}

// submitSave saves the name when Save is enabled (Enter, or Save).
func (w *vanityWindow) submitSave() {
	w.update()
	if w.save.Disabled() {
		return
	}
	name := apiclient.NormalizeVanityName(w.entry.Text)
	w.saving = true
	w.pending = ""
	w.retry.Hide()
	w.progress.Show()
	w.showMessage("Saving "+app.VanityHost(name)+"…", widget.MediumImportance)
	w.update()
	w.do(app.ActionSetVanity, app.VanityArgs{Name: name}, func(res app.Result, err error) {
		w.saving = false
		w.progress.Hide()
		if err != nil {
			w.failed(name, actionError(err))
			w.update()
			return
		}
		if w.name == name {
			w.showMessage("Saved. Your personal cloud is now "+app.VanityHost(name)+".", widget.SuccessImportance)
		} else {
			w.pending = name
			msg := res.Message
			if msg == "" {
				msg = "Saved."
			}
			w.showMessage(msg+" Waiting for your profile to show "+app.VanityHost(name)+"…", widget.MediumImportance)
		}
		w.update()
	})
}

// failed explains a failed save in plain words and offers the button that
// helps.
func (w *vanityWindow) failed(name string, e *app.ActionError) {
	msg := e.Message
	switch e.Code {
	case app.CodeTaken, app.CodeInvalid:
		// Said once, under the field, until the name changes.
		switch {
		case msg != "":
		case e.Code == app.CodeTaken:
			msg = "The name “" + name + "” is already taken. Edit it and try another one."
		default:
			msg = "Pieces does not accept the name “" + name + "”. Edit it and try another one."
		}
		w.rejected, w.rejectedWhy = name, app.Sentence(msg)
		w.message.Hide()
		w.win.Canvas().Focus(w.entry)
	case app.CodeCloudNotReady:
		if msg == "" {
			msg = "Your personal cloud is not fully connected yet, so the name cannot be set."
		}
		if !strings.Contains(msg, "can take") {
			msg += "\nSetting up the personal cloud can take a while after you sign in."
		}
		w.showMessage(msg, widget.WarningImportance)
		w.offer("Retry", w.submitSave)
	case app.CodeNotSignedIn:
		if msg == "" {
			msg = "You need to be signed in to set a vanity name."
		}
		w.showMessage(msg, widget.DangerImportance)
		w.offer("Sign in…", func() { w.runAction(app.ActionSignIn) })
	case app.CodeServer, app.CodeBusy:
		if msg == "" {
			msg = "Pieces could not save the name right now."
		}
		w.showMessage(msg, widget.DangerImportance)
		w.offer("Retry", w.submitSave)
	case app.CodeNotRunning:
		if msg == "" {
			msg = "Pieces OS is not running."
		}
		w.showMessage(msg, widget.DangerImportance)
		w.offer("Retry", func() { w.runAction(app.ActionRetry) })
	default:
		w.showMessage("The vanity name could not be saved: "+app.Sentence(msg), widget.DangerImportance)
	}
}

// lost tells that the agent cannot be followed any more.
func (w *vanityWindow) lost(err error) {
	w.blocked = true
	w.notice.cover(w.form, lostNotice(err))
	w.update()
}
