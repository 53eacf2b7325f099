package logfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"piecestray/internal/winetest"
)

// TestRotationWhileAnotherProgramReads: on Windows a program reading the
// log (opened without sharing deletion, as os.Open does) keeps it from
// being renamed. Writing goes on in the current file, nothing is shifted
// or lost, and rotation happens once the reader is gone.
func TestRotationWhileAnotherProgramReads(t *testing.T) {
	path := filepath.Join(winetest.TempDir(t), "app.log")
	w, err := Open(path, 100, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	line := []byte(strings.Repeat("x", 39) + "\n") // 40 bytes
	write := func(n int) {
		t.Helper()
		for range n {
			if _, err := w.Write(line); err != nil {
				t.Fatalf("Write() while rotation is blocked = %v; want nil", err)
			}
		}
	}
	write(2)
	reader, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	write(3) // past MaxSize: rotation is due but blocked
	if _, err := os.Stat(path + ".1"); !os.IsNotExist(err) {
		t.Fatalf("%s.1 exists (%v) although the reader holds %s; want no rotation yet", path, err, path)
	}
	if info, err := os.Stat(path); err != nil || info.Size() != 5*40 {
		t.Fatalf("Stat(%s) = %v, %v; want all 200 bytes in it", path, info, err)
	}
	reader.Close()
	write(1)
	if info, err := os.Stat(path + ".1"); err != nil || info.Size() != 5*40 {
		t.Errorf("Stat(%s.1) after the reader closed = %v, %v; want the 200 bytes rotated there", path, info, err)
	}
	if info, err := os.Stat(path); err != nil || info.Size() != 40 {
		t.Errorf("Stat(%s) after rotation = %v, %v; want the last line alone", path, info, err)
	}
}
