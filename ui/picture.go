package ui

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // profile pictures may be GIF
	_ "image/jpeg" // or JPEG
	_ "image/png"  // or PNG
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
)

const (
	// pictureTimeout bounds one download of a profile picture.
	pictureTimeout = 10 * time.Second
	// maxPictureBytes is the largest picture accepted (download and cache).
	maxPictureBytes = 2 << 20
)

// PictureCache fetches profile pictures over HTTP(S) with a timeout and a
// size limit, and keeps them on disk when it has a directory (every window
// is a process of its own). It is safe for concurrent use.
type PictureCache struct {
	hc  *http.Client // downloads
	dir string       // on-disk cache; "" keeps none
}

// DefaultPictureDir is $XDG_CACHE_HOME/pieces-tray/pictures (or the OS's
// cache directory), or "" when there is none.
func DefaultPictureDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "pieces-tray", "pictures")
}

// Fetch returns the picture at rawURL: from the disk cache, or downloaded
// (then cached). Only http and https URLs are fetched.
func (p *PictureCache) Fetch(ctx context.Context, rawURL string) (fyne.Resource, error) {
	sum := sha256.Sum256([]byte(rawURL))
	key := hex.EncodeToString(sum[:])
	data, err := p.readDisk(key)
	if err != nil {
		data, err = p.download(ctx, rawURL)
		if err != nil {
			return nil, err
		}
		p.writeDisk(key, data)
	}
	return fyne.NewStaticResource("picture-"+key[:12], data), nil
}

func (p *PictureCache) download(ctx context.Context, rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("ui: picture address %q is not an http(s) URL", rawURL)
	}
	ctx, cancel := context.WithTimeout(ctx, pictureTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("ui: picture request: %w", err)
	}
	req.Header.Set("Accept", "image/png, image/jpeg, image/gif")
	resp, err := p.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ui: fetch picture: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("ui: fetch picture: HTTP %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxPictureBytes+1))
	if err != nil {
		return nil, fmt.Errorf("ui: read picture: %w", err)
	}
	return data, checkPicture(data)
}

// checkPicture accepts data only when it is a PNG, JPEG or GIF of at most
// maxPictureBytes and a sane size in pixels.
func checkPicture(data []byte) error {
	if len(data) > maxPictureBytes {
		return errors.New("ui: picture is too large")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("ui: picture is not an image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > 4096 || cfg.Height > 4096 {
		return fmt.Errorf("ui: picture has unusable dimensions %dx%d", cfg.Width, cfg.Height)
	}
	return nil
}

func (p *PictureCache) readDisk(key string) ([]byte, error) {
	if p.dir == "" {
		return nil, errors.New("ui: no picture cache directory")
	}
	data, err := os.ReadFile(filepath.Join(p.dir, key))
	if err != nil {
		return nil, fmt.Errorf("ui: read cached picture: %w", err)
	}
	return data, checkPicture(data)
}

// writeDisk stores data under key, whole or not at all; failures only cost
// a download next time.
func (p *PictureCache) writeDisk(key string, data []byte) {
	if p.dir == "" || os.MkdirAll(p.dir, 0o700) != nil {
		return
	}
	tmp, err := os.CreateTemp(p.dir, key+".*.tmp")
	if err != nil {
		return
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), filepath.Join(p.dir, key)) != nil {
		os.Remove(tmp.Name())
	}
}
