package tray

import (
	"fyne.io/systray"

	"piecestray/assets"
)

// menuItem is the part of a *systray.MenuItem the tray uses.
type menuItem interface {
	SetTitle(title string)
	Enable()
	Disable()
	Show()
	Hide()
	Check()
	Uncheck()
}

// shell is the part of fyne.io/systray the tray uses: the item's icon and
// tooltip, and creating menu items with the channel that delivers a value
// for every click (Run sets the title, which never changes). Tests use a
// fake that records every call.
type shell interface {
	SetIcon(png []byte)
	SetTooltip(tooltip string)
	AddItem(label string, checkable, checked bool) (menuItem, <-chan struct{})
	AddSeparator()
}

// layout is the order of the menu: items, with a separator (-1) between
// groups.
var layout = []ItemID{
	Header, Detail, -1,
	SignIn, CancelSignIn, CopyLink, Retry, -1,
	Account, Vanity, Beta, OpenCloud, SignOut, -1,
	Diagnose, StartAtLogin, Quit,
}

// applier keeps the systray menu equal to the latest Menu. It creates the
// items once, then sends only what changed. It is used from one goroutine.
type applier struct {
	sh     shell
	dark   bool // icon variant for dark panels
	items  [numItems]menuItem
	clicks [numItems]<-chan struct{}
	cur    Menu
}

func newApplier(sh shell, dark bool) *applier { return &applier{sh: sh, dark: dark} }

// setDark chooses the icon variant (true: for dark panels) and shows the
// current icon in it.
func (a *applier) setDark(dark bool) {
	if dark == a.dark {
		return
	}
	a.dark = dark
	if a.items[Header] != nil { // built
		a.sh.SetIcon(assets.Icon(a.cur.Icon, a.dark))
	}
}

// apply makes the tray show m. The first call creates every item in layout
// order; systray creates them enabled and visible.
func (a *applier) apply(m Menu) {
	old, first := a.cur, a.items[Header] == nil
	if first || m.Icon != old.Icon {
		a.sh.SetIcon(assets.Icon(m.Icon, a.dark))
	}
	if first || m.Tooltip != old.Tooltip {
		a.sh.SetTooltip(m.Tooltip)
	}
	for _, id := range layout {
		if id < 0 {
			if first {
				a.sh.AddSeparator()
			}
			continue
		}
		prev, cur := old.Items[id], m.Items[id]
		if first {
			a.items[id], a.clicks[id] = a.sh.AddItem(cur.Label, cur.Checkable, cur.Checked)
			prev = Item{Label: cur.Label, Enabled: true, Visible: true, Checked: cur.Checked}
		}
		mi := a.items[id]
		if cur.Label != prev.Label {
			mi.SetTitle(cur.Label)
		}
		toggle(prev.Enabled, cur.Enabled, mi.Enable, mi.Disable)
		toggle(prev.Checked, cur.Checked, mi.Check, mi.Uncheck)
		toggle(prev.Visible, cur.Visible, mi.Show, mi.Hide)
	}
	a.cur = m
}

// toggle calls on or off when a flag changed from old to cur.
func toggle(old, cur bool, on, off func()) {
	if old == cur {
		return
	}
	if cur {
		on()
	} else {
		off()
	}
}

// systrayShell is the real shell: fyne.io/systray's package functions.
type systrayShell struct{}

func (systrayShell) SetIcon(png []byte)        { setTrayIcon(png) }
func (systrayShell) SetTooltip(tooltip string) { systray.SetTooltip(tooltip) }
func (systrayShell) AddSeparator()             { systray.AddSeparator() }

func (systrayShell) AddItem(label string, checkable, checked bool) (menuItem, <-chan struct{}) {
	if checkable {
		mi := systray.AddMenuItemCheckbox(label, "", checked)
		return mi, mi.ClickedCh
	}
	mi := systray.AddMenuItem(label, "")
	return mi, mi.ClickedCh
}
