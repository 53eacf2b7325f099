package assets

import (
	"embed"
	"fmt"
)

// Kind is the status an icon shows.
type Kind string

// The icon kinds, one per status the tray can be in.
const (
	KindNotRunning Kind = "not_running" // Pieces OS is not running (or not found yet)
	KindSignedOut  Kind = "signed_out"  // Pieces OS runs, nobody is signed in
	KindSigningIn  Kind = "signing_in"  // a browser sign-in is under way
	KindSignedIn   Kind = "signed_in"   // somebody is signed in
	KindAttention  Kind = "attention"   // sign-in needed, or an error to look at
)

// Kinds lists every Kind.
var Kinds = []Kind{KindNotRunning, KindSignedOut, KindSigningIn, KindSignedIn, KindAttention}

// TraySize is the size of the tray icons: large enough for HiDPI panels,
// which scale it down.
const TraySize = 64

//go:embed icons/*.png
var icons embed.FS

// AppIcon is the 256 px application icon (PNG), the one FyneApp.toml names.
//
//go:embed icon.png
var AppIcon []byte

// Icon returns the tray icon (PNG, TraySize px) for a status. dark selects
// the variant for dark panels (a light glyph); otherwise the glyph is dark,
// for light panels. An unknown kind gets the attention icon.
func Icon(kind Kind, dark bool) []byte {
	variant := "light"
	if dark {
		variant = "dark"
	}
	b, err := icons.ReadFile(fmt.Sprintf("icons/%s-%s-%d.png", kind, variant, TraySize))
	if err != nil {
		return Icon(KindAttention, dark)
	}
	return b
}
