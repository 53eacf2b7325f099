// Package scriptbrowser plays a person in a browser on the sign-in pages of
// internal/auth0sim, for tests, benchmarks and scripted demos: it loads the
// authorize URL, approves or denies on the sign-in page (or uses prompt=none
// with a login hint), and follows the redirect into the app's loopback
// listener, as a real browser would.
//
// cmd/scripted-browser wraps it as an executable that can be named in
// $BROWSER.
package scriptbrowser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Actions a Browser can take on the sign-in page.
const (
	Approve = "approve" // submit the page's form with the email
	Deny    = "deny"    // press Deny: the app gets error=access_denied
	Silent  = "none"    // prompt=none with login_hint: no page at all
	Ignore  = "ignore"  // record the URL and do nothing (the person walked away)
)

// Timeout bounds one visit.
const Timeout = 30 * time.Second

// Browser is an auth.Browser (Open(url) error) that completes sign-ins in the
// background. Its zero value approves silently as "ada@example.com".
type Browser struct {
	Email  string // who signs in; default ada@example.com
	Action string // Approve, Deny, Silent (default) or Ignore

	mu     sync.Mutex // guards opened and errs
	opened []string
	errs   []error
	wg     sync.WaitGroup
}

// Open records authURL and visits it in a goroutine; it never blocks.
func (b *Browser) Open(authURL string) error {
	b.mu.Lock()
	b.opened = append(b.opened, authURL)
	b.mu.Unlock()
	if b.Action == Ignore {
		return nil
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), Timeout)
		defer cancel()
		if err := Visit(ctx, authURL, b.email(), b.Action); err != nil {
			b.mu.Lock()
			b.errs = append(b.errs, err)
			b.mu.Unlock()
		}
	}()
	return nil
}

func (b *Browser) email() string {
	if b.Email == "" {
		return "ada@example.com"
	}
	return b.Email
}

// Opened returns the URLs opened so far.
func (b *Browser) Opened() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.opened...)
}

// Wait waits for the visits under way and returns their errors joined.
func (b *Browser) Wait() error {
	b.wg.Wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	return errors.Join(b.errs...)
}

var txField = regexp.MustCompile(`name="tx" value="([^"]+)"`)

// Visit loads authURL and acts on the sign-in page: Approve or Deny submit
// the form, Silent adds prompt=none and login_hint. Redirects, including the
// last one into the app's loopback listener, are followed. It returns an
// error when a page cannot be loaded or the final answer is not 2xx.
func Visit(ctx context.Context, authURL, email, action string) error {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Jar: jar}
	u, err := url.Parse(authURL)
	if err != nil {
		return fmt.Errorf("scriptbrowser: %w", err)
	}
	var resp *http.Response
	switch action {
	case "", Silent:
		q := u.Query()
		q.Set("prompt", "none")
		q.Set("login_hint", email)
		u.RawQuery = q.Encode()
		resp, err = get(ctx, hc, u.String())
	case Approve, Deny:
		resp, err = get(ctx, hc, u.String())
		if err != nil {
			return err
		}
		page, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		m := txField.FindSubmatch(page)
		if m == nil {
			return fmt.Errorf("scriptbrowser: the sign-in page has no form (status %d)", resp.StatusCode)
		}
		form := url.Values{"tx": {string(m[1])}, "email": {email}, "action": {action}}
		origin := u.Scheme + "://" + u.Host
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, origin+"/authorize", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		resp, err = hc.Do(req)
	default:
		return fmt.Errorf("scriptbrowser: unknown action %q", action)
	}
	if err != nil {
		return fmt.Errorf("scriptbrowser: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("scriptbrowser: %s answered %s", resp.Request.URL.Host, resp.Status)
	}
	return nil
}

func get(ctx context.Context, hc *http.Client, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("scriptbrowser: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scriptbrowser: %w", err)
	}
	return resp, nil
}
