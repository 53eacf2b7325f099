package tray

import (
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"

	"piecestray/assets"
	"piecestray/internal/winetest"
)

// TestTrayIconLoads checks that Windows reads each tray icon as
// fyne.io/systray hands it over, an .ico file loaded with LoadImage, both
// scaled to the system's icon size as systray loads it and at the size of
// its PNG.
func TestTrayIconLoads(t *testing.T) {
	user32 := windows.NewLazySystemDLL("user32.dll")
	loadImage, getIconInfo, destroyIcon := user32.NewProc("LoadImageW"), user32.NewProc("GetIconInfo"), user32.NewProc("DestroyIcon")
	gdi32 := windows.NewLazySystemDLL("gdi32.dll")
	getObject, deleteObject := gdi32.NewProc("GetObjectW"), gdi32.NewProc("DeleteObject")
	const imageIcon, loadFromFile, defaultSize = 1, 0x10, 0x40
	dir := winetest.TempDir(t)
	for _, k := range assets.Kinds {
		for _, dark := range []bool{false, true} {
			path := filepath.Join(dir, string(k)+".ico")
			if err := os.WriteFile(path, icoFromPNG(assets.Icon(k, dark)), 0o644); err != nil {
				t.Fatal(err)
			}
			p, err := windows.UTF16PtrFromString(path)
			if err != nil {
				t.Fatal(err)
			}
			scaled, _, _ := loadImage.Call(0, uintptr(unsafe.Pointer(p)), imageIcon, 0, 0, loadFromFile|defaultSize)
			if scaled == 0 {
				t.Errorf("%s (dark %v): LoadImage cannot read the .ico at the system's icon size", k, dark)
			}
			destroyIcon.Call(scaled)
			icon, _, _ := loadImage.Call(0, uintptr(unsafe.Pointer(p)), imageIcon, 0, 0, loadFromFile)
			if icon == 0 {
				t.Errorf("%s (dark %v): LoadImage cannot read the .ico", k, dark)
				continue
			}
			var info struct {
				fIcon             int32
				xHotspot, yHotsp  uint32
				hbmMask, hbmColor windows.Handle
			}
			var bm struct {
				bmType, bmWidth, bmHeight, bmWidthBytes int32
				bmPlanes, bmBitsPixel                   uint16
				bmBits                                  uintptr
			}
			if ok, _, err := getIconInfo.Call(icon, uintptr(unsafe.Pointer(&info))); ok == 0 {
				t.Errorf("%s: GetIconInfo: %v", k, err)
			} else {
				getObject.Call(uintptr(info.hbmColor), unsafe.Sizeof(bm), uintptr(unsafe.Pointer(&bm)))
				if bm.bmWidth != 64 || bm.bmHeight != 64 {
					t.Errorf("%s (dark %v): Windows reads a %d×%d icon; want 64×64", k, dark, bm.bmWidth, bm.bmHeight)
				}
				deleteObject.Call(uintptr(info.hbmColor))
				deleteObject.Call(uintptr(info.hbmMask))
			}
			destroyIcon.Call(icon)
		}
	}
}
