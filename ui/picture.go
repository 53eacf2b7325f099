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
	"sync"
	"time"

	"fyne.io/fyne/v2"
)

// PictureFetcher returns the profile picture at url as a resource a canvas
// can show. It must be safe for concurrent use.
type PictureFetcher func(ctx context.Context, url string) (fyne.Resource, error)

const (
	// pictureTimeout bounds one download of a profile picture.
	pictureTimeout = 10 * time.Second
	// maxPictureBytes is the largest picture accepted (download and cache).
	maxPictureBytes = 2 << 20
)

// PictureCache fetches profile pictures over HTTP(S) with a timeout and a
// size limit, and keeps them in memory and, when it has a directory, on
// disk. It is safe for concurrent use.
type PictureCache struct {
	hc  *http.Client
	dir string // on-disk cache; "" keeps pictures in memory only

	mu  sync.Mutex // guards mem
	mem map[string]fyne.Resource
}

// NewPictureCache returns a cache that downloads with hc (nil: a client
// with pictureTimeout) and stores pictures under dir ("" uses
// DefaultPictureDir; "-" keeps them in memory only).
func NewPictureCache(hc *http.Client, dir string) *PictureCache {
	if hc == nil {
		hc = &http.Client{Timeout: pictureTimeout}
	}
	switch dir {
	case "":
		dir = DefaultPictureDir()
	case "-":
		dir = ""
	}
	return &PictureCache{hc: hc, dir: dir, mem: make(map[string]fyne.Resource)}
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

// Fetch returns the picture at rawURL: from memory, from the disk cache, or
// downloaded (then cached). Only http and https URLs are fetched.
func (p *PictureCache) Fetch(ctx context.Context, rawURL string) (fyne.Resource, error) {
	p.mu.Lock()
	res, ok := p.mem[rawURL]
	p.mu.Unlock()
	if ok {
		return res, nil
	}
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
	res = fyne.NewStaticResource("picture-"+key[:12], data)
	p.mu.Lock()
	p.mem[rawURL] = res
	p.mu.Unlock()
	return res, nil
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
	if resp.ContentLength > maxPictureBytes {
		return nil, fmt.Errorf("ui: picture is too large (%d bytes)", resp.ContentLength)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxPictureBytes+1))
	if err != nil {
		return nil, fmt.Errorf("ui: read picture: %w", err)
	}
	if err := checkPicture(data); err != nil {
		return nil, err
	}
	return data, nil
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
	f, err := os.Open(filepath.Join(p.dir, key))
	if err != nil {
		return nil, fmt.Errorf("ui: read cached picture: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPictureBytes+1))
	if err != nil {
		return nil, fmt.Errorf("ui: read cached picture: %w", err)
	}
	if err := checkPicture(data); err != nil {
		return nil, err
	}
	return data, nil
}

// writeDisk stores data under key, atomically; failures only cost a
// download next time.
func (p *PictureCache) writeDisk(key string, data []byte) {
	if p.dir == "" {
		return
	}
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
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
