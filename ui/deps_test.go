package ui

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoGLDriver keeps Fyne's GL driver (fyne.io/fyne/v2/app) out of this
// package, so that its tests run headless without cgo; only
// internal/windowcmd creates the real application.
func TestNoGLDriver(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go is not on PATH: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "fyne.io/fyne/v2/app" || strings.HasPrefix(dep, "fyne.io/fyne/v2/internal/driver/glfw") {
			t.Errorf("ui depends on %s; only internal/windowcmd may", dep)
		}
	}
}
