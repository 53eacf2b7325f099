// Package desktoptest plays the desktop shell in tests, over D-Bus: a
// StatusNotifierWatcher that tray items register with, a reader of a
// registered item (its properties and its com.canonical.dbusmenu menu, with
// clicks), and a notification server that records every Notify.
//
// Each test can start its own private session bus (StartBus), so tests in
// different packages running at the same time never compete for the
// well-known names (only one connection per bus may own
// org.kde.StatusNotifierWatcher or org.freedesktop.Notifications). Tests that
// need the desktop call Require first: it skips outside
// scripts/desktop-session.sh with a printed reason, and fails instead under
// CI=true.
package desktoptest
