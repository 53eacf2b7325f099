// Package assets holds the images of pieces-tray: the tray icons for every
// status, in light and dark variants and several sizes, and the application
// icon referenced by FyneApp.toml. The PNG files are drawn by gen.go
// (`go run assets/gen.go`) and committed; this package embeds them.
package assets
