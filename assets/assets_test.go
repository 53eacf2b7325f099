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
			t.Run(fmt.Sprintf("%s/dark=%v", k, dark), func(t *testing.T) {
				b := Icon(k, dark)
				img, err := png.Decode(bytes.NewReader(b))
				if err != nil {
					t.Fatalf("png.Decode(Icon(%q, %v)): %v", k, dark, err)
				}
				if got := img.Bounds(); got.Dx() != TraySize || got.Dy() != TraySize {
					t.Errorf("Icon(%q, %v) is %v; want %dx%d", k, dark, got, TraySize, TraySize)
				}
				if !hasOpaquePixel(img) {
					t.Errorf("Icon(%q, %v) is blank", k, dark)
				}
				if k != KindAttention && bytes.Equal(b, Icon(KindAttention, dark)) {
					t.Errorf("Icon(%q, %v) is the attention icon: its file is missing", k, dark)
				}
			})
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
