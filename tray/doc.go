// Package tray is the agent's status icon: it turns the core's state
// (app.State) into a menu model with a pure function (Model), applies that
// model to fyne.io/systray items in place (stable items, only changed fields
// are sent), runs the menu's clicks without blocking, opens URLs and windows,
// copies links, keeps the item registered with the desktop's
// StatusNotifierWatcher, and shows the core's events as desktop
// notifications.
//
// This process uses fyne.io/systray directly, never a Fyne driver: a bare
// systray process idles at no CPU and a few MB of memory.
package tray
