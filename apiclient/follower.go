package apiclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"time"
)

// StreamStatus is the state of the Follower's connection to Pieces OS.
type StreamStatus string

// Values of StreamStatus.
const (
	// StreamConnecting: looking for Pieces OS or opening the stream.
	StreamConnecting StreamStatus = "connecting"
	// StreamLive: the stream is open and the profile is current.
	StreamLive StreamStatus = "live"
	// StreamRetrying: the last attempt failed; the next is at NextAttempt.
	StreamRetrying StreamStatus = "retrying"
	// StreamNotRunning: discovery found no Pieces OS (see Tried); the
	// Follower keeps looking.
	StreamNotRunning StreamStatus = "not_running"
)

// StreamUpdate is one report of a Follower: its status, and, when HasProfile
// is set, the profile Pieces OS now reports. Every update carries the current
// status fields, also those sent for a profile change.
type StreamUpdate struct {
	Status      StreamStatus
	BaseURL     string    // the Pieces OS in use (empty when not found)
	NextAttempt time.Time // when Status == StreamRetrying
	// Err is the last failure, when any. While Status is StreamLive it is
	// set only when Pieces OS sent a profile this version cannot read, by
	// GET /user or on the stream (errors.Is(Err, ErrUnreadableProfile)):
	// the connection stays, the last profile reported stays the state,
	// and the next readable frame, or the GET /user of the next
	// connection, clears Err.
	Err        error
	Tried      []string // what discovery tried, when StreamNotRunning
	HasProfile bool     // Profile carries news (nil Profile = nobody signed in)
	// Profile is shared with the Follower, which compares the next state
	// with it: handlers must not modify it.
	Profile *UserProfile
}

// FollowerConfig configures a Follower. Zero values mean the defaults, so
// production code sets Discovery (and maybe Logger) only.
type FollowerConfig struct {
	Discovery  Discovery    // how to find Pieces OS
	HTTPClient *http.Client // for GET /user; default: a loopback client owned by each Run
	Clock      Clock        // waits between attempts; default real time
	Logger     *slog.Logger // default discards
	// Rand returns a uniform random value in [0, n) for the backoff's
	// jitter; default math/rand/v2.Int64N.
	Rand func(n int64) int64

	// Reconnect policy.
	MinBackoff      time.Duration // ceiling of the first wait; default 250 ms
	MaxBackoff      time.Duration // cap of every wait; default 10 s
	StableAfter     time.Duration // a connection live this long resets the backoff; default 1 s
	SnapshotTimeout time.Duration // bound on GET /user after each connect; default 5 s

	// Connection timeouts (see stream.go).
	WriteWait        time.Duration // per ping or close frame; default 10 s
	PongWait         time.Duration // silence that counts as a dead peer; default 30 s
	PingPeriod       time.Duration // default PongWait*9/10; must be less than PongWait
	HandshakeTimeout time.Duration // connect and upgrade; default 5 s
	MaxFrameSize     int64         // default 1 MiB
}

// Follower follows the signed-in user of Pieces OS over WS /user/stream. It
// owns the reconnect policy; each connection is a streamConn that knows
// nothing of it. A Follower holds only its configuration: Run may be called
// more than once, also concurrently, each call with its own connection.
type Follower struct {
	cfg FollowerConfig
}

// NewFollower returns a Follower with the defaults filled in. It starts
// nothing: Run does.
func NewFollower(cfg FollowerConfig) *Follower {
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.MinBackoff, minBackoff)
	def(&cfg.MaxBackoff, maxBackoff)
	def(&cfg.StableAfter, stableAfter)
	def(&cfg.SnapshotTimeout, 5*time.Second)
	def(&cfg.WriteWait, writeWait)
	def(&cfg.PongWait, pongWait)
	def(&cfg.HandshakeTimeout, handshakeTimeout)
	if cfg.PingPeriod <= 0 || cfg.PingPeriod >= cfg.PongWait {
		cfg.PingPeriod = cfg.PongWait * 9 / 10 // pings must beat the pong deadline
	}
	if cfg.MaxFrameSize <= 0 {
		cfg.MaxFrameSize = maxFrameSize
	}
	return &Follower{cfg: cfg}
}

// Run discovers Pieces OS, connects /user/stream, reads GET /user after
// every (re)connect, reconnects with full-jitter backoff 250ms..10s,
// rediscovers when the port stops answering, and calls handle (from one
// goroutine, in order) with every status change and every profile change
// until ctx ends. Identical consecutive profiles are reported once. Run
// returns ctx.Err() and leaves no goroutine behind.
//
// handle runs on the goroutine that reads the connection, so it must return
// promptly (hand the update over, as app.Core does under its mutex): while
// it runs, no pong is read, and a handler blocked for PongWait would look
// like a dead Pieces OS.
func (f *Follower) Run(ctx context.Context, handle func(StreamUpdate)) error {
	r := &followRun{
		f:      f,
		log:    f.cfg.Logger,
		handle: handle,
		bo:     newBackoff(f.cfg.MinBackoff, f.cfg.MaxBackoff, f.cfg.Rand),
		hc:     f.cfg.HTTPClient,
	}
	if r.hc == nil {
		r.hc = &http.Client{Transport: newLoopbackTransport(f.cfg.HandshakeTimeout)}
	}
	defer r.hc.CloseIdleConnections()

	r.setStatus(StreamUpdate{Status: StreamConnecting})
	var baseURL string // the Pieces OS last found; "" = look for it
	var lastErr error
	for {
		conn, url, err := r.connect(ctx, baseURL, lastErr)
		if err == nil {
			err = r.follow(ctx, conn, url)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		baseURL, lastErr = url, err
		wait := r.bo.Next()
		if nr, ok := errors.AsType[*NotRunningError](err); url == "" && ok {
			r.setStatus(StreamUpdate{Status: StreamNotRunning, Err: err, Tried: nr.Tried})
		} else {
			r.setStatus(StreamUpdate{Status: StreamRetrying, BaseURL: url, Err: err,
				NextAttempt: r.f.cfg.Clock.Now().Add(wait)})
		}
		if err := sleep(ctx, r.f.cfg.Clock, wait); err != nil {
			return err
		}
	}
}

// followRun is the state of one Run. Only Run's goroutine uses it.
type followRun struct {
	f      *Follower
	log    *slog.Logger
	handle func(StreamUpdate)
	bo     *Backoff
	hc     *http.Client
	client *Client // REST client of the Pieces OS in use

	cur     StreamUpdate // last status reported (no profile); zero before the first, whose Status is never ""
	known   bool         // profile was reported
	profile *UserProfile // last profile reported (nil = signed out)
}

// connect opens the stream of the Pieces OS at baseURL, or of the one
// discovery finds when baseURL is empty or stops answering. It returns the
// base URL it tried last ("" when discovery found nothing).
func (r *followRun) connect(ctx context.Context, baseURL string, lastErr error) (*streamConn, string, error) {
	var dialErr error
	if baseURL != "" {
		r.setStatus(StreamUpdate{Status: StreamConnecting, BaseURL: baseURL, Err: lastErr})
		// While Pieces OS was away another user's program may have taken
		// its port: never connect there (it would be sent a token next).
		err := checkListenerOwner(baseURL)
		if err == nil {
			var c *streamConn
			if c, err = dialStream(ctx, baseURL, &r.f.cfg); err == nil {
				return c, baseURL, nil
			}
		}
		if ctx.Err() != nil {
			return nil, baseURL, ctx.Err()
		}
		r.log.Debug("apiclient: stream dial failed; looking for Pieces OS again", "url", baseURL, "err", err)
		dialErr = err
	}
	// Pieces OS may have come back on another port of the range.
	found, err := r.f.cfg.Discovery.Find(ctx)
	if err != nil {
		return nil, "", err
	}
	if found == baseURL { // it answers health checks but not the stream
		return nil, baseURL, dialErr
	}
	r.setStatus(StreamUpdate{Status: StreamConnecting, BaseURL: found, Err: lastErr})
	c, err := dialStream(ctx, found, &r.f.cfg)
	return c, found, err
}

// follow reads GET /user on a fresh connection, reports live, and then
// reports each frame until the connection ends. A profile this version
// cannot read, from GET /user or a frame, is reported with the live status
// (the same GET would answer the same, so it is no reason to reconnect);
// the next frame tries again. follow resets the backoff when the connection
// was healthy (live for StableAfter).
func (r *followRun) follow(ctx context.Context, conn *streamConn, baseURL string) error {
	p, err := r.snapshot(ctx, baseURL)
	if err != nil && !errors.Is(err, ErrUnreadableProfile) {
		conn.close()
		return err
	}
	since := r.f.cfg.Clock.Now()
	live := func(p *UserProfile, err error) {
		r.update(StreamUpdate{Status: StreamLive, BaseURL: baseURL, Err: err}, p, err == nil)
	}
	live(p, err)
	err = conn.run(ctx, live)
	if r.f.cfg.Clock.Now().Sub(since) >= r.f.cfg.StableAfter {
		r.bo.Reset()
	}
	return err
}

// snapshot reads GET /user, so the state is right even when Pieces OS sends
// nothing on connect.
func (r *followRun) snapshot(ctx context.Context, baseURL string) (*UserProfile, error) {
	if r.client == nil || r.client.BaseURL() != baseURL {
		r.client = New(baseURL, WithHTTPClient(r.hc))
	}
	ctx, cancel := context.WithTimeout(ctx, r.f.cfg.SnapshotTimeout)
	defer cancel()
	ret, err := r.client.UserSnapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("apiclient: read the user after connecting: %w", unprefix(err))
	}
	return ret.User, nil
}

// setStatus reports u (a status without profile) when it differs from the
// last one reported.
func (r *followRun) setStatus(u StreamUpdate) { r.update(u, nil, false) }

// update reports the status u and, when hasProfile is set, the profile p, in
// one update, each only when it is news.
func (r *followRun) update(u StreamUpdate, p *UserProfile, hasProfile bool) {
	news := !sameStatus(r.cur, u)
	if news {
		r.cur = u
		r.logStatus(u)
	}
	if hasProfile && (!r.known || !sameProfile(r.profile, p)) {
		r.known, r.profile = true, p
		u.HasProfile, u.Profile = true, p
		news = true
	}
	if news {
		r.handle(u)
	}
}

func (r *followRun) logStatus(u StreamUpdate) {
	switch u.Status {
	case StreamLive:
		if u.Err != nil {
			r.log.Warn("apiclient: user stream live, but Pieces OS sent a profile this version cannot read; keeping the last state",
				"url", u.BaseURL, "err", u.Err)
			return
		}
		r.log.Info("apiclient: user stream live", "url", u.BaseURL)
	case StreamRetrying:
		r.log.Info("apiclient: user stream lost; retrying", "url", u.BaseURL,
			"in", u.NextAttempt.Sub(r.f.cfg.Clock.Now()).Round(time.Millisecond), "err", u.Err)
	case StreamNotRunning:
		r.log.Info("apiclient: Pieces OS not found; still looking", "tried", len(u.Tried), "err", u.Err)
	default:
		r.log.Debug("apiclient: user stream connecting", "url", u.BaseURL)
	}
}

// sameProfile reports whether a and b describe the same state: both signed
// out (nil), or equal profiles field by field.
func sameProfile(a, b *UserProfile) bool { return reflect.DeepEqual(a, b) }

// sameStatus reports whether two status updates say the same thing.
func sameStatus(a, b StreamUpdate) bool {
	return a.Status == b.Status && a.BaseURL == b.BaseURL && a.NextAttempt.Equal(b.NextAttempt) &&
		errText(a.Err) == errText(b.Err) && slices.Equal(a.Tried, b.Tried)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
