package apiclient

import (
	"context"
	"math/rand/v2"
	"time"
)

// Reconnect policy of the Follower. The connection code (stream.go) knows
// nothing of it: it runs one connection and returns why it ended.
const (
	// minBackoff is the ceiling of the first wait after a failure.
	minBackoff = 250 * time.Millisecond
	// maxBackoff caps every wait, so a Pieces OS that comes back is found
	// again within this long.
	maxBackoff = 10 * time.Second
	// stableAfter is how long a connection must stay live to count as
	// healthy: a healthy connection resets the backoff, so the first retry
	// after it is quick, even when Pieces OS restarts twice in a few
	// seconds. A server that accepts and drops at once does not reset it,
	// and one that drops each connection after a second gets at most about
	// one reconnect a second: neither can make the client spin.
	stableAfter = time.Second
)

// Clock is the time source of the Follower's reconnect policy (waits between
// attempts and the age of a connection) and of the app's session core
// (renewals, grace periods). Tests pass a fake so that waits run without
// sleeping. Connection timeouts (pings, deadlines) use real time.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f in its own goroutine after d, like time.AfterFunc.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc call.
type Timer interface {
	// Stop prevents the call if it has not started and reports whether it did.
	Stop() bool
}

// SystemClock is the real Clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// AfterFunc wraps time.AfterFunc.
func (SystemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// sleep waits d on c, or until ctx ends (then it returns ctx.Err()).
func sleep(ctx context.Context, c Clock, d time.Duration) error {
	done := make(chan struct{})
	t := c.AfterFunc(d, func() { close(done) })
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	}
}

// Backoff is exponential backoff: the ceiling starts at Min and doubles
// with each failure, up to Max. With Rand set, a wait is uniform in
// [0, ceiling) — "Full Jitter" of the AWS Architecture Blog's "Exponential
// Backoff And Jitter", which spreads the reconnects of many clients after
// Pieces OS restarts (the Follower's); without it a wait is the ceiling
// itself (the app's renewals, which a person may be waiting on). A Backoff
// is used by one goroutine, or under its owner's lock.
type Backoff struct {
	Min, Max time.Duration
	Rand     func(n int64) int64 // uniform in [0, n); nil: no jitter
	attempt  int                 // failures since the last Reset
}

// ceiling returns the upper bound of the wait after attempt failures.
func (b *Backoff) ceiling(attempt int) time.Duration {
	c := b.Min
	for i := 0; i < attempt && c < b.Max; i++ {
		c *= 2
	}
	return min(c, b.Max)
}

// Next returns the wait before the next attempt and counts a failure.
func (b *Backoff) Next() time.Duration {
	c := b.ceiling(b.attempt)
	if c < b.Max {
		b.attempt++
	}
	if b.Rand == nil {
		return c
	}
	d := time.Duration(b.Rand(int64(c)))
	switch { // a misbehaving injected rand stays within bounds
	case d < 0:
		d = 0
	case d >= c:
		d = c - 1
	}
	return d
}

// Reset forgets past failures.
func (b *Backoff) Reset() { b.attempt = 0 }

// newBackoff is the Follower's backoff: full jitter between min and max
// (defaults when not set).
func newBackoff(min, max time.Duration, rnd func(n int64) int64) *Backoff {
	if min <= 0 {
		min = minBackoff
	}
	if max < min {
		max = min
	}
	if rnd == nil {
		rnd = rand.Int64N
	}
	return &Backoff{Min: min, Max: max, Rand: rnd}
}
