package ui

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"piecestray/internal/winetest"
)

func TestPictureCache(t *testing.T) {
	pic := tinyPNG(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/ada.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(pic) //nolint:errcheck // test server
		case "/huge.png":
			w.Write(bytes.Repeat([]byte{0}, maxPictureBytes+10)) //nolint:errcheck // test server
		case "/text":
			w.Write([]byte("<html>not a picture</html>")) //nolint:errcheck // test server
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := winetest.TempDir(t)
	c := &PictureCache{hc: srv.Client(), dir: dir}
	ctx := context.Background()

	res, err := c.Fetch(ctx, srv.URL+"/ada.png")
	if err != nil {
		t.Fatalf("Fetch(ada.png) error %v", err)
	}
	if !bytes.Equal(res.Content(), pic) {
		t.Error("Fetch(ada.png) returned other bytes")
	}
	if _, err := c.Fetch(ctx, srv.URL+"/ada.png"); err != nil || hits.Load() != 1 {
		t.Errorf("second Fetch: error %v, %d downloads; want 1 (cached)", err, hits.Load())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 1 {
		t.Fatalf("cache directory holds %v; want one file", files)
	}
	// A new cache (a new window process) reads the disk cache.
	again := &PictureCache{hc: srv.Client(), dir: dir}
	if _, err := again.Fetch(ctx, srv.URL+"/ada.png"); err != nil || hits.Load() != 1 {
		t.Errorf("Fetch from disk: error %v, %d downloads; want 1", err, hits.Load())
	}

	for _, bad := range []string{"/huge.png", "/text", "/missing.png"} {
		if _, err := c.Fetch(ctx, srv.URL+bad); err == nil {
			t.Errorf("Fetch(%s) succeeded; want an error", bad)
		}
	}
	for _, bad := range []string{"file:///etc/passwd", "ftp://example.com/a.png", "::"} {
		if _, err := c.Fetch(ctx, bad); err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
			t.Errorf("Fetch(%q) error %v; want not an http(s) URL", bad, err)
		}
	}
}

func TestPictureCacheTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := &PictureCache{hc: srv.Client()}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.Fetch(ctx, srv.URL+"/slow.png"); err == nil {
		t.Error("Fetch of a picture that never comes succeeded")
	}
}

func TestDefaultPictureDir(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("XDG_CACHE_HOME is a Linux convention")
	}
	t.Setenv("XDG_CACHE_HOME", "/tmp/cache-test")
	if got, want := DefaultPictureDir(), filepath.Join("/tmp/cache-test", "pieces-tray", "pictures"); got != want {
		t.Errorf("DefaultPictureDir() = %q; want %q", got, want)
	}
}
