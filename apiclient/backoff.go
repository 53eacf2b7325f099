package apiclient

import (
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
	// after it is quick. A server that accepts and drops at once does not
	// reset it, and so cannot make the client spin.
	stableAfter = 5 * time.Second
)

// Clock is the time source of the Follower's reconnect policy (waits between
// attempts and the age of a connection). Tests pass a fake so that backoff
// runs without sleeping. Connection timeouts (pings, deadlines) use real time.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives once d has passed, like
	// time.After.
	After(d time.Duration) <-chan time.Time
}

// systemClock is the real Clock.
type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// backoff computes exponential backoff with full jitter: the n-th wait
// (n from 0) is uniform in [0, min(max, min·2ⁿ)) — "Full Jitter" of the AWS
// Architecture Blog's "Exponential Backoff And Jitter". Jitter spreads the
// reconnects of many clients after Pieces OS restarts; the zero floor keeps
// the expected first retry at min/2. A backoff is used by one goroutine.
type backoff struct {
	min, max time.Duration
	rand     func(n int64) int64 // uniform in [0, n)
	attempt  int                 // failures since the last reset
}

func newBackoff(min, max time.Duration, rnd func(n int64) int64) *backoff {
	if min <= 0 {
		min = minBackoff
	}
	if max < min {
		max = min
	}
	if rnd == nil {
		rnd = rand.Int64N
	}
	return &backoff{min: min, max: max, rand: rnd}
}

// ceiling returns the upper bound of the wait after attempt failures.
func (b *backoff) ceiling(attempt int) time.Duration {
	c := b.min
	for i := 0; i < attempt && c < b.max; i++ {
		c *= 2
	}
	if c > b.max {
		c = b.max
	}
	return c
}

// next returns the wait before the next attempt and counts a failure.
func (b *backoff) next() time.Duration {
	c := b.ceiling(b.attempt)
	if c < b.max {
		b.attempt++
	}
	d := time.Duration(b.rand(int64(c)))
	switch { // a misbehaving injected rand stays within bounds
	case d < 0:
		d = 0
	case d >= c:
		d = c - 1
	}
	return d
}

// reset forgets past failures, after a healthy connection.
func (b *backoff) reset() { b.attempt = 0 }
