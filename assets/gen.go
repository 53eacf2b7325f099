//go:build ignore

// gen draws the tray icons and the application icon as PNG files:
//
//	go run assets/gen.go
//
// It writes assets/icons/KIND-VARIANT-SIZE.png for every status kind, both
// variants (light: dark glyph for light panels; dark: light glyph for dark
// panels) at 64 px, plus assets/icon.png (256 px). Shapes are
// signed distance functions; each pixel's coverage comes from the distance
// to the edge, which gives clean anti-aliased edges at every size.
package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"
)

// sdf returns the signed distance from (x, y) to a shape, in the unit square
// the icon is drawn in (negative inside).
type sdf func(x, y float64) float64

func circle(cx, cy, r float64) sdf {
	return func(x, y float64) float64 { return math.Hypot(x-cx, y-cy) - r }
}

func ring(cx, cy, r, w float64) sdf {
	return func(x, y float64) float64 { return math.Abs(math.Hypot(x-cx, y-cy)-r) - w/2 }
}

// segment is a line from (ax, ay) to (bx, by) with round caps, w wide.
func segment(ax, ay, bx, by, w float64) sdf {
	return func(x, y float64) float64 {
		px, py := x-ax, y-ay
		dx, dy := bx-ax, by-ay
		h := math.Max(0, math.Min(1, (px*dx+py*dy)/(dx*dx+dy*dy)))
		return math.Hypot(px-dx*h, py-dy*h) - w/2
	}
}

// roundRect is a rectangle centred on (cx, cy) with half sizes hw, hh and
// corner radius r.
func roundRect(cx, cy, hw, hh, r float64) sdf {
	return func(x, y float64) float64 {
		qx := math.Abs(x-cx) - hw + r
		qy := math.Abs(y-cy) - hh + r
		out := math.Hypot(math.Max(qx, 0), math.Max(qy, 0))
		return out + math.Min(math.Max(qx, qy), 0) - r
	}
}

// layer paints a shape in a colour, or erases it when erase is set.
type layer struct {
	shape sdf
	col   color.NRGBA
	erase bool
}

func render(size int, layers []layer) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	s := float64(size)
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			x, y := (float64(px)+0.5)/s, (float64(py)+0.5)/s
			var r, g, b, a float64 // premultiplied
			for _, l := range layers {
				cov := math.Max(0, math.Min(1, 0.5-l.shape(x, y)*s))
				if cov == 0 {
					continue
				}
				if l.erase {
					r, g, b, a = r*(1-cov), g*(1-cov), b*(1-cov), a*(1-cov)
					continue
				}
				la := cov * float64(l.col.A) / 255
				r = float64(l.col.R)/255*la + r*(1-la)
				g = float64(l.col.G)/255*la + g*(1-la)
				b = float64(l.col.B)/255*la + b*(1-la)
				a = la + a*(1-la)
			}
			if a > 0 {
				img.SetNRGBA(px, py, color.NRGBA{
					R: uint8(math.Round(r / a * 255)), G: uint8(math.Round(g / a * 255)),
					B: uint8(math.Round(b / a * 255)), A: uint8(math.Round(a * 255)),
				})
			}
		}
	}
	return img
}

var (
	white  = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	green  = color.NRGBA{0x2e, 0xa0, 0x43, 0xff}
	blue   = color.NRGBA{0x3b, 0x82, 0xf6, 0xff}
	grey   = color.NRGBA{0x8b, 0x8f, 0x96, 0xff}
	orange = color.NRGBA{0xf5, 0x9e, 0x0b, 0xff}
)

// The glyph: a thick ring (a "piece") with a status badge at the bottom
// right, separated from the ring by a transparent gap.
const (
	ringX, ringY, ringR, ringW = 0.44, 0.44, 0.30, 0.16
	badgeX, badgeY, badgeR     = 0.76, 0.76, 0.21
	gap                        = 0.06
)

func glyph(kind string, fg color.NRGBA) []layer {
	ls := []layer{{shape: ring(ringX, ringY, ringR, ringW), col: fg}}
	if kind == "not_running" {
		ls[0].col.A = 0x80 // a faded ring: nothing to talk to
	}
	ls = append(ls, layer{shape: circle(badgeX, badgeY, badgeR+gap), erase: true})
	badge := func(c color.NRGBA) layer { return layer{shape: circle(badgeX, badgeY, badgeR), col: c} }
	mark := func(s sdf) layer { return layer{shape: s, col: white} }
	const w = 0.06
	switch kind {
	case "signed_in": // a check mark
		ls = append(ls, badge(green),
			mark(segment(0.675, 0.765, 0.74, 0.83, w)),
			mark(segment(0.74, 0.83, 0.85, 0.70, w)))
	case "signed_out": // an empty badge
		ls = append(ls, layer{shape: ring(badgeX, badgeY, badgeR-0.03, 0.06), col: fg})
	case "signing_in": // an ellipsis: waiting for the browser
		ls = append(ls, badge(blue),
			mark(circle(badgeX-0.09, badgeY, 0.035)),
			mark(circle(badgeX, badgeY, 0.035)),
			mark(circle(badgeX+0.09, badgeY, 0.035)))
	case "not_running": // a bar: stopped
		ls = append(ls, badge(grey), mark(segment(badgeX-0.09, badgeY, badgeX+0.09, badgeY, w)))
	case "attention": // an exclamation mark
		ls = append(ls, badge(orange),
			mark(segment(badgeX, badgeY-0.11, badgeX, badgeY+0.02, w)),
			mark(circle(badgeX, badgeY+0.10, 0.035)))
	default:
		log.Fatalf("unknown kind %q", kind)
	}
	return ls
}

func appIcon() []layer {
	bg := color.NRGBA{0x11, 0x18, 0x27, 0xff}
	return []layer{
		{shape: roundRect(0.5, 0.5, 0.46, 0.46, 0.2), col: bg},
		{shape: ring(0.5, 0.5, 0.25, 0.13), col: white},
		{shape: circle(0.5+0.25*math.Cos(math.Pi/4), 0.5+0.25*math.Sin(math.Pi/4), 0.11), col: bg},
		{shape: circle(0.5+0.25*math.Cos(math.Pi/4), 0.5+0.25*math.Sin(math.Pi/4), 0.065), col: green},
	}
}

func write(path string, img image.Image) {
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}

func main() {
	dir := "assets"
	if _, err := os.Stat(filepath.Join(dir, "gen.go")); err != nil {
		dir = "." // run from inside assets/
	}
	kinds := []string{"not_running", "signed_out", "signing_in", "signed_in", "attention"}
	variants := map[string]color.NRGBA{
		"light": {0x20, 0x20, 0x20, 0xff}, // dark glyph for light panels
		"dark":  {0xf2, 0xf2, 0xf2, 0xff}, // light glyph for dark panels
	}
	if err := os.MkdirAll(filepath.Join(dir, "icons"), 0o755); err != nil {
		log.Fatal(err)
	}
	for _, k := range kinds {
		for v, fg := range variants {
			write(filepath.Join(dir, "icons", fmt.Sprintf("%s-%s-64.png", k, v)), render(64, glyph(k, fg)))
		}
	}
	write(filepath.Join(dir, "icon.png"), render(256, appIcon()))
}
