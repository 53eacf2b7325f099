package authtest

import (
	"context"
	"sync"
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

// faults is the behaviour shared by the fakes: injected errors, a blocking
// mode, a size limit and call counts.
type faults struct {
	mu      sync.Mutex // guards every field below
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

// enter counts a call of op and returns the injected error and the channel
// to wait on when blocked (nil when not). The caller must call leave.
func (f *faults) enter(op Op) (chan struct{}, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[op]++
	f.active++
	f.peak = max(f.peak, f.active)
	return f.blocked, f.errs[op]
}

func (f *faults) leave() {
	f.mu.Lock()
	f.active--
	f.idle.Broadcast()
	f.mu.Unlock()
}

// wait blocks on ch (when not nil) until Unblock, or until ctx ends when
// ctx is not nil.
func wait(ctx context.Context, ch chan struct{}) error {
	if ch == nil {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *faults) setErr(op Op, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(f.errs, op)
		return
	}
	f.errs[op] = err
}

func (f *faults) block() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.blocked == nil {
		f.blocked = make(chan struct{})
	}
}

func (f *faults) unblock() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.blocked != nil {
		close(f.blocked)
		f.blocked = nil
	}
}

func (f *faults) count(op Op) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func (f *faults) inFlight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.active
}

// waitIdle waits until no call is in progress.
func (f *faults) waitIdle() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.active > 0 {
		f.idle.Wait()
	}
}

func (f *faults) maxInFlight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.peak
}
