package apiclient

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Defaults of Discovery, as the Pieces SDKs and CLI scan for Pieces OS.
const (
	// DefaultHost is where Pieces OS listens.
	DefaultHost = "127.0.0.1"
	// FirstPort and LastPort bound the port range of Pieces OS ≥ 10.
	FirstPort = 39300
	LastPort  = 39333
	// LegacyPort is where Pieces OS ≤ 10.1.15 listened on Windows and macOS.
	LegacyPort = 1000
	// DefaultProbeTimeout bounds one health probe. A refused port on
	// loopback fails in microseconds; this only matters for a port whose
	// listener accepts but does not answer.
	DefaultProbeTimeout = 250 * time.Millisecond
)

// healthPath is probed with HEAD, as the SDK's port scan does.
const healthPath = "/.well-known/health"

// How Discovery found Pieces OS (Location.How).
const (
	FoundBySetting  = "setting"     // the explicit URL (--pieces-os-url, PIECES_OS_URL)
	FoundByPortFile = "port file"   // Pieces OS's own port file
	FoundByScan     = "scan"        // a port of 39300–39333
	FoundByLegacy   = "legacy port" // port 1000
)

// Location is where Discovery found Pieces OS, and how.
type Location struct {
	URL string // like "http://127.0.0.1:39300"
	How string // a FoundBy* value
	// PortFile is the port file read, and StalePort the port it named when
	// nothing answered there (0 when the file was fine, absent or unread).
	PortFile  string
	StalePort int
}

// Discovery finds the Pieces OS to talk to. The zero value reads Pieces OS's
// port file, then probes the default ports on 127.0.0.1.
//
// Only a Pieces OS run by this user is found: on Linux, a loopback port whose
// listening socket belongs to another user is passed over (and named in the
// error when nothing else answers), so that no token is ever sent to another
// user's program that took a port while Pieces OS was down.
type Discovery struct {
	URL          string        // explicit base URL (flag / PIECES_OS_URL): wins when set (still health-checked)
	PortFile     string        // Pieces OS's port file; "" = DefaultPortFile(), "-" = none
	Host         string        // default "127.0.0.1"
	Ports        []int         // default 39300..39333 inclusive (nil = default, empty = none)
	LegacyPorts  []int         // default [1000] (nil = default, empty = none)
	HTTPClient   *http.Client  // default: short-timeout loopback client
	ProbeTimeout time.Duration // per probe; default 250ms
}

// DefaultPorts returns 39300..39333, the ports Pieces OS picks from.
func DefaultPorts() []int {
	ports := make([]int, 0, LastPort-FirstPort+1)
	for p := FirstPort; p <= LastPort; p++ {
		ports = append(ports, p)
	}
	return ports
}

// DefaultPortFile is where Pieces OS writes the port it listens on, as the
// Pieces C# SDK and the Raycast extension read it:
// ~/Documents/com.pieces.os/production/Config/.port.txt on Linux and Windows,
// ~/Library/com.pieces.os/production/Config/.port.txt on macOS. "" when the
// home directory is unknown.
func DefaultPortFile() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	dir := filepath.Join(home, "Documents")
	if runtime.GOOS == "darwin" {
		dir = filepath.Join(home, "Library")
	}
	return filepath.Join(dir, "com.pieces.os", "production", "Config", ".port.txt")
}

// Find returns the base URL of a Pieces OS that answers 200 to
// HEAD /.well-known/health, like "http://127.0.0.1:39300" (see Locate).
func (d Discovery) Find(ctx context.Context) (string, error) {
	l, err := d.Locate(ctx)
	return l.URL, err
}

// Locate finds Pieces OS and says how. An explicit URL wins but must answer.
// Otherwise the port in Pieces OS's port file is tried; then every port of
// Ports is probed in parallel and the first to answer wins (the others are
// cancelled at once); only when none answers are the LegacyPorts probed.
// Locate never sleeps and returns only after every probe it started has
// ended.
//
// When nothing answers, the error is a *NotRunningError (errors.Is
// ErrNotRunning) listing what was tried; when ctx ends first it also matches
// ctx.Err(). When a Pieces OS answered but not with 200, the error is a
// *StatusError: it runs, but is not well.
func (d Discovery) Locate(ctx context.Context) (Location, error) {
	hc := d.HTTPClient
	if hc == nil {
		t := newLoopbackTransport(d.probeTimeout())
		t.DisableKeepAlives = true // a probe's connection is not reused
		hc = &http.Client{Transport: t}
		defer hc.CloseIdleConnections()
	}
	if d.URL != "" {
		base := strings.TrimRight(strings.TrimSpace(d.URL), "/")
		if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			if err == nil {
				err = errors.New("not an http URL")
			}
			return Location{}, &NotRunningError{Tried: []string{base}, Err: errorf("discover: invalid Pieces OS URL %q: %w", base, err)}
		}
		if err := d.probe(ctx, hc, base); err != nil {
			return Location{}, notRunningOr([]string{base}, err)
		}
		return Location{URL: base, How: FoundBySetting}, nil
	}
	host := d.Host
	if host == "" {
		host = DefaultHost
	}
	baseOf := func(p int) string { return "http://" + net.JoinHostPort(host, strconv.Itoa(p)) }
	var loc Location
	var tried []string
	var firstErr error
	if path, port := d.readPortFile(); port > 0 {
		loc.PortFile = path
		base := baseOf(port)
		tried = append(tried, base)
		err := d.probe(ctx, hc, base)
		if err == nil {
			loc.URL, loc.How = base, FoundByPortFile
			return loc, nil
		}
		if !isConnectionFailure(err) {
			firstErr = err // something answered there
		}
		loc.StalePort = port
	}
	ports, legacy := d.Ports, d.LegacyPorts
	if ports == nil {
		ports = DefaultPorts()
	}
	if legacy == nil {
		legacy = []int{LegacyPort}
	}
	for i, group := range [][]int{ports, legacy} {
		if len(group) == 0 || ctx.Err() != nil {
			continue
		}
		bases := make([]string, len(group))
		for i, p := range group {
			bases[i] = baseOf(p)
		}
		tried = append(tried, bases...)
		base, err := d.race(ctx, hc, bases)
		if err == nil {
			loc.URL, loc.How = base, FoundByScan
			if i == 1 {
				loc.How = FoundByLegacy
			}
			return loc, nil
		}
		if firstErr == nil || (isConnectionFailure(firstErr) && !isConnectionFailure(err)) {
			firstErr = err
		}
	}
	if ctx.Err() != nil {
		firstErr = errorf("discover: %w", ctx.Err())
	}
	return loc, notRunningOr(tried, firstErr)
}

// notRunningOr is err when Pieces OS answered (an HTTP status: it runs), else
// a *NotRunningError listing tried.
func notRunningOr(tried []string, err error) error {
	if _, ok := errors.AsType[*StatusError](err); ok {
		return err
	}
	return &NotRunningError{Tried: tried, Err: err}
}

// readPortFile returns the port file's path and the port it names (0 when
// there is none, or it is unreadable).
func (d Discovery) readPortFile() (string, int) {
	path := d.PortFile
	switch path {
	case "-":
		return "", 0
	case "":
		path = DefaultPortFile()
	}
	if path == "" {
		return "", 0
	}
	b, err := os.ReadFile(path)
	if err != nil || len(b) > 64 {
		return path, 0
	}
	port, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || port < 1 || port > 65535 {
		return path, 0
	}
	return path, port
}

func (d Discovery) probeTimeout() time.Duration {
	if d.ProbeTimeout > 0 {
		return d.ProbeTimeout
	}
	return DefaultProbeTimeout
}

// race probes bases (at least one) in parallel and returns the first that
// answers. It cancels the remaining probes as soon as one wins and waits for
// all of them to end.
func (d Discovery) race(ctx context.Context, hc *http.Client, bases []string) (string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		i   int
		err error
	}
	results := make(chan result, len(bases)) // buffered: no probe ever blocks
	for i, b := range bases {
		go func() { results <- result{i, d.probe(ctx, hc, b)} }()
	}
	winner := -1
	errs := make([]error, len(bases))
	for range bases {
		r := <-results
		if r.err == nil && winner < 0 {
			winner = r.i
			cancel()
		}
		errs[r.i] = r.err
	}
	if winner >= 0 {
		return bases[winner], nil
	}
	// The most telling failure: a Pieces OS that answered badly, then
	// another user's listener, then the first in the order of bases.
	var first error
	for _, err := range errs {
		if _, ok := errors.AsType[*StatusError](err); ok {
			return "", err
		}
		if _, foreign := errors.AsType[*ForeignListenerError](err); first == nil || (foreign && isConnectionFailure(first)) {
			first = err
		}
	}
	return "", first
}

// probe asks base for its health with HEAD (GET when HEAD is not allowed)
// and reports nil for a 200, a *StatusError for a 5xx (Pieces OS runs but is
// not well), and for a listener of another user a *ForeignListenerError
// without asking it anything.
func (d Discovery) probe(ctx context.Context, hc *http.Client, base string) error {
	if err := checkListenerOwner(base); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, d.probeTimeout())
	defer cancel()
	code, err := probeOnce(ctx, hc, http.MethodHead, base)
	if err == nil && (code == http.StatusMethodNotAllowed || code == http.StatusNotImplemented) {
		code, err = probeOnce(ctx, hc, http.MethodGet, base)
	}
	if err != nil {
		return errorf("discover: %s: %w", base, err)
	}
	switch {
	case code >= 500: // Pieces OS runs, but is not well
		return &StatusError{Op: OpHealth, StatusCode: code}
	case code != http.StatusOK: // something else answers HTTP there
		return errorf("discover: %s answered %d to %s: not Pieces OS", base, code, healthPath)
	}
	return nil
}

func probeOnce(ctx context.Context, hc *http.Client, method, base string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, base+healthPath, nil)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	closeBody(resp)
	return resp.StatusCode, nil
}
