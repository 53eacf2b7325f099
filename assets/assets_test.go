package assets

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"testing"
)

func TestIconsDecode(t *testing.T) {
	for _, k := range Kinds {
		for _, dark := range []bool{false, true} {
			for _, size := range Sizes {
				t.Run(fmt.Sprintf("%s/dark=%v/%d", k, dark, size), func(t *testing.T) {
					b, err := Sized(k, dark, size)
					if err != nil {
						t.Fatalf("Sized(%q, %v, %d): %v", k, dark, size, err)
					}
					img, err := png.Decode(bytes.NewReader(b))
					if err != nil {
						t.Fatalf("png.Decode(Sized(%q, %v, %d)): %v", k, dark, size, err)
					}
					if got := img.Bounds().Dx(); got != size || img.Bounds().Dy() != size {
						t.Errorf("Sized(%q, %v, %d) is %v; want %dx%d", k, dark, size, img.Bounds(), size, size)
					}
					if !hasOpaquePixel(img) {
						t.Errorf("Sized(%q, %v, %d) is blank", k, dark, size)
					}
				})
			}
		}
	}
}

func hasOpaquePixel(img image.Image) bool {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a == 0xffff {
				return true
			}
		}
	}
	return false
}

func TestIconFallsBack(t *testing.T) {
	if got, want := Icon("nonsense", true), Icon(KindAttention, true); !bytes.Equal(got, want) {
		t.Errorf("Icon(%q, true) is not the attention icon", "nonsense")
	}
	if _, err := Sized(KindSignedIn, false, 17); err == nil {
		t.Errorf("Sized(%q, false, 17) = nil error; want an error", KindSignedIn)
	}
}

func TestAppIcon(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(AppIcon))
	if err != nil {
		t.Fatalf("png.Decode(AppIcon): %v", err)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Errorf("AppIcon is %v; want 256x256", b)
	}
}
