package apiclient

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
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

// Discovery finds the Pieces OS to talk to. The zero value probes the
// default ports on 127.0.0.1.
type Discovery struct {
	URL          string        // explicit base URL (flag / PIECES_OS_URL): wins when set (still health-checked)
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

// Find returns the base URL of a Pieces OS that answers 200 to
// HEAD /.well-known/health, like "http://127.0.0.1:39300".
//
// An explicit URL wins but must answer. Otherwise every port of Ports is
// probed in parallel and the first to answer wins (the others are cancelled
// at once); only when none answers are the LegacyPorts probed. Find never
// sleeps and returns only after every probe it started has ended.
//
// The error is always a *NotRunningError (errors.Is ErrNotRunning) listing
// what was tried; when ctx ends first it also matches ctx.Err().
func (d Discovery) Find(ctx context.Context) (string, error) {
	hc := d.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: probeTransport(d.probeTimeout())}
		defer hc.CloseIdleConnections()
	}
	if d.URL != "" {
		base := strings.TrimRight(strings.TrimSpace(d.URL), "/")
		if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			if err == nil {
				err = errors.New("not an http URL")
			}
			return "", &NotRunningError{Tried: []string{base}, Err: errorf("discover: invalid Pieces OS URL %q: %w", base, err)}
		}
		if err := d.probe(ctx, hc, base); err != nil {
			return "", &NotRunningError{Tried: []string{base}, Err: err}
		}
		return base, nil
	}
	host := d.Host
	if host == "" {
		host = DefaultHost
	}
	ports, legacy := d.Ports, d.LegacyPorts
	if ports == nil {
		ports = DefaultPorts()
	}
	if legacy == nil {
		legacy = []int{LegacyPort}
	}
	var (
		tried    []string
		firstErr error
	)
	for _, group := range [][]int{ports, legacy} {
		if len(group) == 0 {
			continue
		}
		bases := make([]string, len(group))
		for i, p := range group {
			bases[i] = "http://" + net.JoinHostPort(host, strconv.Itoa(p))
		}
		tried = append(tried, bases...)
		base, err := d.race(ctx, hc, bases)
		if err == nil {
			return base, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	if ctx.Err() != nil {
		firstErr = errorf("discover: %w", ctx.Err())
	}
	return "", &NotRunningError{Tried: tried, Err: firstErr}
}

func (d Discovery) probeTimeout() time.Duration {
	if d.ProbeTimeout > 0 {
		return d.ProbeTimeout
	}
	return DefaultProbeTimeout
}

// probeTransport is a loopback transport for probes: no proxy, no
// keep-alive (a probe's connection is not reused), dial bounded by timeout.
func probeTransport(timeout time.Duration) *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: timeout}).DialContext,
		DisableKeepAlives:   true,
		MaxIdleConnsPerHost: -1,
		ForceAttemptHTTP2:   false,
	}
}

type probeResult struct {
	base string
	err  error
}

// race probes bases in parallel and returns the first that answers. It
// cancels the remaining probes as soon as one wins and waits for all of
// them to end. The error is the first failure in the order of bases.
func (d Discovery) race(ctx context.Context, hc *http.Client, bases []string) (string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan probeResult, len(bases)) // buffered: no probe ever blocks
	for _, b := range bases {
		go func() {
			results <- probeResult{base: b, err: d.probe(ctx, hc, b)}
		}()
	}
	var winner string
	errs := make(map[string]error, len(bases))
	for range bases {
		r := <-results
		switch {
		case r.err == nil && winner == "":
			winner = r.base
			cancel()
		case r.err != nil:
			errs[r.base] = r.err
		}
	}
	if winner != "" {
		return winner, nil
	}
	for _, b := range bases {
		if err := errs[b]; err != nil {
			return "", err
		}
	}
	return "", errorf("discover: no port answered")
}

// probe asks base for its health with HEAD (GET when HEAD is not allowed)
// and reports nil for a 200.
func (d Discovery) probe(ctx context.Context, hc *http.Client, base string) error {
	ctx, cancel := context.WithTimeout(ctx, d.probeTimeout())
	defer cancel()
	code, err := probeOnce(ctx, hc, http.MethodHead, base)
	if err == nil && (code == http.StatusMethodNotAllowed || code == http.StatusNotImplemented) {
		code, err = probeOnce(ctx, hc, http.MethodGet, base)
	}
	if err != nil {
		return errorf("discover: %s: %w", base, err)
	}
	if code != http.StatusOK {
		return &StatusError{Op: OpHealth, StatusCode: code}
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
