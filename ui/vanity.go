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

// vanityWindow is the "Pieces vanity name" window: an entry with the
// current vanity name, validated as a DNS label while typing (the reason
// under the field), a preview of NAME.pieces.cloud, and Save, which is
// enabled only for a valid, changed name. Failures are explained with the
// button that helps; success is confirmed once the profile shows the name.
// Its widgets and editing state are touched on the main goroutine only.
type vanityWindow struct {
	*base
	notice *noticePane
	form   *fyne.Container

	current  *widget.Label
	entry    *fieldEntry
	reason   *widget.Label // why the text is not a valid name
	preview  *widget.Label
	feedback // progress and outcome of the last save, and the button that helps after a failure
	cancel   *keyButton
	save     *keyButton

	name        string // the vanity name in the profile
	initialised bool   // the entry was filled from the profile
	edited      bool   // the person has typed
	rejected    string // a name Pieces refused (taken, invalid)
	rejectedWhy string // why, in words: shown under the field while it holds that name
}

func newVanity(a fyne.App, c Client, opts options) *vanityWindow {
	w := &vanityWindow{base: newBase(a, c, "Pieces vanity name", fyne.NewSize(520, 380), opts)}
	w.feedback.init(w.base)

	intro := newText("Your vanity name gives your personal cloud an address that is easy to remember and share: NAME." + app.CloudDomain + ".")
	w.current = widget.NewLabel("")
	w.current.TextStyle = fyne.TextStyle{Bold: true}

	w.entry = newFieldEntry(w.escapeKey)
	w.entry.SetPlaceHolder("your-name")
	w.entry.OnChanged = w.changed
	w.entry.OnSubmitted = func(string) { w.submitSave() }
	w.reason = newLine()
	w.preview = newText("")

	w.form = container.NewVBox(intro, w.current,
		widget.NewLabelWithStyle("Vanity name", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), w.entry,
		w.reason, w.preview, w.progress, w.message, container.NewHBox(w.retry))
	w.notice = newNoticePane(w.base, "to set a vanity name", w.form, w.entry)

	w.cancel = newKeyButton("Cancel", w.escapeKey, w.win.Close)
	w.save = newKeyButton("Save", w.escapeKey, w.submitSave)
	w.save.Importance = widget.HighImportance
	w.save.Disable()
	w.submit = w.submitSave
	buttons := container.NewHBox(layout.NewSpacer(), w.cancel, w.save)

	w.setContent(container.NewVBox(w.notice.box, w.form), buttons)
	w.win.Canvas().Focus(w.entry)

	w.follow(w.apply)
	return w
}

// apply renders s.
func (w *vanityWindow) apply(s app.State) {
	if w.notice.cover(s) {
		w.update()
		return
	}
	w.name = app.VanityName(s.User)
	if w.name == "" {
		w.current.SetText("You have no vanity name yet.")
	} else {
		w.current.SetText("Your vanity name is " + app.VanityHost(w.name) + ".")
	}
	if !w.initialised && !w.edited {
		w.initialised = true
		w.entry.OnChanged = nil // not an edit
		w.entry.SetText(w.name)
		w.entry.OnChanged = w.changed
	}
	w.settle()
	w.update()
}

// changed runs when the person edits the entry's text. An edit clears the
// outcome of the last save: it spoke of the name before.
func (w *vanityWindow) changed(string) {
	w.edited = true
	w.message.Hide()
	w.retry.Hide()
	w.update()
}

// update validates the text and sets the reason, the preview and Save.
func (w *vanityWindow) update() {
	text := w.entry.Text
	name := apiclient.NormalizeVanityName(text)
	err := apiclient.ValidVanityName(text)
	switch {
	case err != nil && (w.edited || text != ""):
		showLine(w.reason, app.Sentence(err.Error()), widget.DangerImportance)
	case err == nil && name == w.rejected:
		showLine(w.reason, w.rejectedWhy, widget.DangerImportance)
	default:
		w.reason.Hide()
	}
	if err == nil {
		w.preview.SetText("Address: https://" + app.VanityHost(name))
	} else {
		w.preview.SetText("Address: https://NAME." + app.CloudDomain)
	}
	enableIf(w.save, err == nil && name != w.name && name != w.rejected && !w.saving && w.form.Visible() && w.state.Busy == "")
	enableIf(w.entry, !w.saving && w.form.Visible())
	w.relayout()
}

// submitSave saves the name when Save is enabled (Enter, or Save).
func (w *vanityWindow) submitSave() {
	w.update()
	if w.save.Disabled() {
		return
	}
	name := apiclient.NormalizeVanityName(w.entry.Text)
	w.busy("Saving " + app.VanityHost(name) + "…")
	w.update()
	w.do(app.ActionSetVanity, app.VanityArgs{Name: name}, func(res app.Result, err error) {
		w.idle()
		defer w.update()
		if err != nil {
			w.failed(name, actionError(err, "The vanity name could not be saved"))
			return
		}
		host := app.VanityHost(name)
		w.saved(res, host, "Saved. Your personal cloud is now "+host+".", func() bool { return w.name == name })
	})
}

// failed explains a failed save in plain words and offers the button that
// helps.
func (w *vanityWindow) failed(name string, e *app.ActionError) {
	msg := app.Sentence(e.Message)
	switch e.Code {
	case app.CodeTaken, app.CodeInvalid:
		// Said once, under the field, until the name changes.
		w.rejected, w.rejectedWhy = name, msg
		w.message.Hide()
		w.win.Canvas().Focus(w.entry)
		return
	case app.CodeCloudNotReady:
		if !strings.Contains(msg, "can take") {
			msg += "\nSetting up the personal cloud can take a while after you sign in."
		}
		showLine(w.message, msg, widget.WarningImportance)
	default:
		showLine(w.message, msg, widget.DangerImportance)
	}
	w.help(e.Code, w.submitSave)
}
