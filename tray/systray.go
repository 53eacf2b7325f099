package tray

import "fyne.io/systray"

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
