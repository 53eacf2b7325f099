package app

import (
	"piecestray/apiclient"
	"sort"
	"sync"
	"time"
)

// fakeClock is a Clock whose time moves only when a test calls Advance.
// Due timers run in their own goroutines, as time.AfterFunc's do.
type fakeClock struct {
	mu      sync.Mutex // guards now, timers and running
	now     time.Time
	timers  []*fakeTimer
	running int // callbacks of due timers still running
}

// idle reports whether no timer callback is running.
func (c *fakeClock) idle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.running == 0
}

type fakeTimer struct {
	c       *fakeClock
	when    time.Time
	f       func()
	stopped bool
}

// newFakeClockAt returns a fake clock that starts at now: tests against the
// local servers, whose tokens expire in real time, start it at time.Now().
func newFakeClockAt(now time.Time) *fakeClock {
	return &fakeClock{now: now}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) apiclient.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, when: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	for i, x := range t.c.timers {
		if x == t {
			t.c.timers = append(t.c.timers[:i], t.c.timers[i+1:]...)
			return was
		}
	}
	return false
}

// Advance moves the clock forward and fires the timers that became due, in
// order of their due time.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []*fakeTimer
	keep := c.timers[:0]
	for _, t := range c.timers {
		if !t.when.After(c.now) {
			t.stopped = true
			due = append(due, t)
		} else {
			keep = append(keep, t)
		}
	}
	c.timers = keep
	c.mu.Unlock()
	sort.Slice(due, func(i, j int) bool { return due[i].when.Before(due[j].when) })
	c.mu.Lock()
	c.running += len(due)
	c.mu.Unlock()
	for _, t := range due {
		go func() {
			t.f()
			c.mu.Lock()
			c.running--
			c.mu.Unlock()
		}()
	}
}

// Pending reports how many timers wait.
func (c *fakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// Skip moves the clock forward without firing timers, like a computer that
// slept: monotonic timers did not run meanwhile.
func (c *fakeClock) Skip(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for _, t := range c.timers {
		t.when = t.when.Add(d)
	}
}
