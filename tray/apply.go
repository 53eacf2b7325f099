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
	// Clicked delivers a value for every click.
	Clicked() <-chan struct{}
}

// shell is the part of fyne.io/systray the tray uses: the item's icon,
// title and tooltip, and creating menu items. Tests use a fake that records
// every call.
type shell interface {
	SetIcon(png []byte)
	SetTitle(title string)
	SetTooltip(tooltip string)
	AddItem(label string, checkable, checked bool) menuItem
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
	sh    shell
	dark  bool // icon variant for dark panels
	items [numItems]menuItem
	cur   Menu
	built bool
}

func newApplier(sh shell, dark bool) *applier { return &applier{sh: sh, dark: dark} }

// setDark chooses the icon variant (true: for dark panels) and shows the
// current icon in it.
func (a *applier) setDark(dark bool) {
	if dark == a.dark {
		return
	}
	a.dark = dark
	if a.built {
		a.sh.SetIcon(assets.Icon(a.cur.Icon, a.dark))
	}
}

// apply makes the tray show m.
func (a *applier) apply(m Menu) {
	if !a.built {
		a.build(m)
		return
	}
	old := a.cur
	if m.Icon != old.Icon {
		a.sh.SetIcon(assets.Icon(m.Icon, a.dark))
	}
	if m.Title != old.Title {
		a.sh.SetTitle(m.Title)
	}
	if m.Tooltip != old.Tooltip {
		a.sh.SetTooltip(m.Tooltip)
	}
	for id := ItemID(0); id < numItems; id++ {
		a.update(a.items[id], old.Items[id], m.Items[id])
	}
	a.cur = m
}

// build creates every item in layout order with the fields of m. Items are
// created visible and enabled, so only the others need a call.
func (a *applier) build(m Menu) {
	a.sh.SetTitle(m.Title)
	a.sh.SetTooltip(m.Tooltip)
	a.sh.SetIcon(assets.Icon(m.Icon, a.dark))
	for _, id := range layout {
		if id < 0 {
			a.sh.AddSeparator()
			continue
		}
		it := m.Items[id]
		mi := a.sh.AddItem(it.Label, it.Checkable, it.Checked)
		a.items[id] = mi
		if !it.Enabled {
			mi.Disable()
		}
		if !it.Visible {
			mi.Hide()
		}
	}
	a.cur = m
	a.built = true
}

func (a *applier) update(mi menuItem, old, cur Item) {
	if cur.Label != old.Label {
		mi.SetTitle(cur.Label)
	}
	if cur.Enabled != old.Enabled {
		if cur.Enabled {
			mi.Enable()
		} else {
			mi.Disable()
		}
	}
	if cur.Checked != old.Checked {
		if cur.Checked {
			mi.Check()
		} else {
			mi.Uncheck()
		}
	}
	if cur.Visible != old.Visible {
		if cur.Visible {
			mi.Show()
		} else {
			mi.Hide()
		}
	}
}

// clicks returns the click channel of every item.
func (a *applier) clicks() [numItems]<-chan struct{} {
	var out [numItems]<-chan struct{}
	for id, mi := range a.items {
		if mi != nil {
			out[id] = mi.Clicked()
		}
	}
	return out
}

// systrayShell is the real shell: fyne.io/systray's package functions.
type systrayShell struct{}

func (systrayShell) SetIcon(png []byte)        { setTrayIcon(png) }
func (systrayShell) SetTitle(title string)     { systray.SetTitle(title) }
func (systrayShell) SetTooltip(tooltip string) { systray.SetTooltip(tooltip) }
func (systrayShell) AddSeparator()             { systray.AddSeparator() }

func (systrayShell) AddItem(label string, checkable, checked bool) menuItem {
	if checkable {
		return systrayItem{systray.AddMenuItemCheckbox(label, "", checked)}
	}
	return systrayItem{systray.AddMenuItem(label, "")}
}

// systrayItem adapts *systray.MenuItem to menuItem.
type systrayItem struct{ *systray.MenuItem }

func (i systrayItem) Clicked() <-chan struct{} { return i.ClickedCh }
