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
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/html"
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
// background as ada@example.com. Its zero value signs in silently.
type Browser struct {
	Action string // Approve, Deny, Silent (default) or Ignore

	mu     sync.Mutex // guards opened and errs
	opened []string
	errs   []error
	wg     sync.WaitGroup
}

// Open records authURL and visits it in a goroutine; it never blocks.
func (b *Browser) Open(authURL string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.opened = append(b.opened, authURL)
	if b.Action == Ignore {
		return nil
	}
	b.wg.Add(1) // before Opened shows the URL, so Wait after it waits for the visit
	go func() {
		defer b.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), Timeout)
		defer cancel()
		if err := Visit(ctx, authURL, "", b.Action); err != nil {
			b.mu.Lock()
			b.errs = append(b.errs, err)
			b.mu.Unlock()
		}
	}()
	return nil
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

// Visit loads authURL and acts on the sign-in page as email (""
// is ada@example.com): Approve or Deny submit its form, Silent adds
// prompt=none and login_hint. Redirects are followed, and a
// response_mode=form_post answer (a page whose form posts the result to the
// app's loopback listener) is submitted, as a browser's script would. It
// returns an error when a page cannot be loaded or the final answer is not
// 2xx.
func Visit(ctx context.Context, authURL, email, action string) error {
	email = cmp.Or(email, "ada@example.com")
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Jar: jar}
	u, err := url.Parse(authURL)
	if err != nil {
		return fmt.Errorf("scriptbrowser: %w", err)
	}
	switch action {
	case "", Silent:
		q := u.Query()
		q.Set("prompt", "none")
		q.Set("login_hint", email)
		u.RawQuery = q.Encode()
	case Approve, Deny:
	default:
		return fmt.Errorf("scriptbrowser: unknown action %q", action)
	}
	resp, err := do(ctx, hc, u.String(), nil)
	if err == nil && (action == Approve || action == Deny) {
		f, ferr := readForm(resp)
		if ferr != nil {
			return fmt.Errorf("scriptbrowser: the sign-in page (status %d): %w", resp.StatusCode, ferr)
		}
		f.values.Set("email", email)
		f.values.Set("action", action)
		resp, err = do(ctx, hc, f.action, f.values)
	}
	if err != nil {
		return fmt.Errorf("scriptbrowser: %w", err)
	}
	if resp.StatusCode == http.StatusOK && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") &&
		resp.Request.URL.Host == u.Host {
		// Still on the sign-in server: a form_post page, or a page that
		// refused the sign-in.
		f, ferr := readForm(resp)
		if ferr != nil {
			return fmt.Errorf("scriptbrowser: %s answered a page without a form to post", u.Host)
		}
		if resp, err = do(ctx, hc, f.action, f.values); err != nil {
			return fmt.Errorf("scriptbrowser: %w", err)
		}
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("scriptbrowser: %s answered %s", resp.Request.URL.Host, resp.Status)
	}
	return nil
}

// form is the first form of a page: where it posts and its hidden fields.
type form struct {
	action string
	values url.Values
}

// readForm reads and closes resp's body and returns its first form.
func readForm(resp *http.Response) (*form, error) {
	defer resp.Body.Close()
	doc, err := html.Parse(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || n.Data != "form" {
			continue
		}
		action, err := resp.Request.URL.Parse(attr(n, "action"))
		if err != nil {
			return nil, fmt.Errorf("form action: %w", err)
		}
		f := &form{action: action.String(), values: url.Values{}}
		for c := range n.Descendants() {
			if c.Type == html.ElementNode && c.Data == "input" && attr(c, "type") == "hidden" {
				f.values.Add(attr(c, "name"), attr(c, "value"))
			}
		}
		return f, nil
	}
	return nil, errors.New("no form")
}

// attr is the value of n's attribute k, or "".
func attr(n *html.Node, k string) string {
	for _, a := range n.Attr {
		if a.Key == k {
			return a.Val
		}
	}
	return ""
}

// do sends a GET of u, or with values a POST of them as a form, as a
// browser does.
func do(ctx context.Context, hc *http.Client, u string, values url.Values) (*http.Response, error) {
	method, body := http.MethodGet, io.Reader(nil)
	if values != nil {
		method, body = http.MethodPost, strings.NewReader(values.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	if values != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return hc.Do(req)
}
