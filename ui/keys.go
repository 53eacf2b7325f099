package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
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
