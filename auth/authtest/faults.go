package authtest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"piecestray/auth"
)

// Op names an operation of a fake: Load/Get, Save/Set or Delete.
type Op string

// The operations of Store and Keyring.
const (
	OpLoad   Op = "load"   // Store.Load, Keyring.Get
	OpSave   Op = "save"   // Store.Save, Keyring.Set
	OpDelete Op = "delete" // Store.Delete, Keyring.Delete
)

// Secret size limits of go-keyring v0.2.8 per platform.
const (
	// WindowsLimit is the largest password Windows' credential manager
	// takes, in bytes.
	WindowsLimit = 2560
	// DarwinCommandLimit is the longest `security -i` command line go-keyring
	// writes on macOS, in bytes; the secret is base64-encoded inside it, so
	// about 3000 raw secret bytes fit.
	DarwinCommandLimit = 4096
	// DarwinApproxLimit is the approximate largest raw secret on macOS.
	DarwinApproxLimit = 3000
)

// Option configures a fake.
type Option func(*faults)

// WithSizeLimit makes saves of items larger than n bytes fail the way
// go-keyring fails on Windows. 0 means no limit (Linux).
func WithSizeLimit(n int) Option {
	return func(f *faults) { f.limit, f.goos = n, "" }
}

// ForOS applies the size limit go-keyring has on goos ("windows", "darwin";
// any other value has no limit).
func ForOS(goos string) Option {
	return func(f *faults) {
		f.goos = goos
		switch goos {
		case "windows":
			f.limit = WindowsLimit
		case "darwin":
			f.limit = DarwinApproxLimit
		default:
			f.limit = 0
		}
	}
}

// faults is the behaviour shared by the fakes, whose methods they promote:
// injected errors, a blocking mode, a size limit and call counts.
type faults struct {
	mu      sync.Mutex // guards every field below and the data of the fake
	limit   int        // 0 = none
	goos    string     // "darwin": limit the command line, as go-keyring does
	errs    map[Op]error
	calls   map[Op]int
	blocked chan struct{} // non-nil while blocked; closed by Unblock
	active  int           // calls in progress
	peak    int           // most calls ever in progress at once
	idle    *sync.Cond    // signalled when active drops
}

func newFaults(opts []Option) *faults {
	f := &faults{errs: map[Op]error{}, calls: map[Op]int{}}
	f.idle = sync.NewCond(&f.mu)
	for _, o := range opts {
		o(f)
	}
	return f
}

// do counts a call of op, waits while blocked (until Unblock or until ctx
// ends), returns the injected error if any, and else runs fn with f.mu
// held. An ended ctx gives ctx.Err(), wrapped in auth.ErrTimeout for a
// deadline.
func (f *faults) do(ctx context.Context, op Op, fn func() error) error {
	f.mu.Lock()
	f.calls[op]++
	f.active++
	f.peak = max(f.peak, f.active)
	blocked, err := f.blocked, f.errs[op]
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.active--
		f.idle.Broadcast()
		f.mu.Unlock()
	}()
	if blocked != nil {
		select {
		case <-blocked:
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("authtest: %w (%w)", auth.ErrTimeout, ctx.Err())
			}
			return fmt.Errorf("authtest: %w", ctx.Err())
		}
	}
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return fn()
}

// SetErr makes every later call of op fail with err; nil clears it.
func (f *faults) SetErr(op Op, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(f.errs, op)
		return
	}
	f.errs[op] = err
}

// Block makes later calls wait until Unblock (a Store call also until its
// context ends; a Keyring call, like go-keyring's, ignores deadlines).
func (f *faults) Block() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.blocked == nil {
		f.blocked = make(chan struct{})
	}
}

// Unblock releases every waiting call and ends blocking mode.
func (f *faults) Unblock() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.blocked != nil {
		close(f.blocked)
		f.blocked = nil
	}
}

// Calls returns how many times op was called.
func (f *faults) Calls(op Op) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// InFlight returns the number of calls in progress (waiting ones included).
func (f *faults) InFlight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.active
}

// WaitIdle waits until no call is in progress (after Unblock, for example).
func (f *faults) WaitIdle() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.active > 0 {
		f.idle.Wait()
	}
}

// MaxInFlight returns the most calls ever in progress at once.
func (f *faults) MaxInFlight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.peak
}
