package authtest

import (
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"

	"github.com/zalando/go-keyring"

	"piecestray/auth"
)

// Keyring is a fake of go-keyring's backend for auth.WithKeyring. It
// returns go-keyring's own errors (keyring.ErrNotFound,
// keyring.ErrSetDataTooBig), so the store's error mapping is exercised.
//
// A blocked call ignores every deadline until Unblock, like go-keyring
// waiting on an unlock prompt nobody answers.
type Keyring struct {
	f     *faults
	items map[[2]string]string // guarded by f.mu
}

var _ auth.Keyring = (*Keyring)(nil)

// NewKeyring returns an empty Keyring.
func NewKeyring(opts ...Option) *Keyring {
	return &Keyring{f: newFaults(opts), items: map[[2]string]string{}}
}

// Get implements auth.Keyring.
func (k *Keyring) Get(service, user string) (string, error) {
	ch, err := k.f.enter(OpLoad)
	defer k.f.leave()
	_ = wait(context.Background(), ch) // go-keyring takes no context
	if err != nil {
		return "", err
	}
	k.f.mu.Lock()
	defer k.f.mu.Unlock()
	v, ok := k.items[[2]string{service, user}]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

// Set implements auth.Keyring.
func (k *Keyring) Set(service, user, password string) error {
	ch, err := k.f.enter(OpSave)
	defer k.f.leave()
	_ = wait(context.Background(), ch) // go-keyring takes no context
	if err != nil {
		return err
	}
	k.f.mu.Lock()
	defer k.f.mu.Unlock()
	if k.tooBig(service, user, password) {
		return keyring.ErrSetDataTooBig
	}
	k.items[[2]string{service, user}] = password
	return nil
}

// Delete implements auth.Keyring.
func (k *Keyring) Delete(service, user string) error {
	ch, err := k.f.enter(OpDelete)
	defer k.f.leave()
	_ = wait(context.Background(), ch) // go-keyring takes no context
	if err != nil {
		return err
	}
	k.f.mu.Lock()
	defer k.f.mu.Unlock()
	key := [2]string{service, user}
	if _, ok := k.items[key]; !ok {
		return keyring.ErrNotFound
	}
	delete(k.items, key)
	return nil
}

// tooBig applies the size limit as go-keyring v0.2.8 does: on macOS to the
// whole `security -i` command line with the secret base64-encoded, else to
// the secret. k.f.mu must be held.
func (k *Keyring) tooBig(service, user, password string) bool {
	if k.f.limit <= 0 {
		return false
	}
	if k.f.goos == "darwin" {
		enc := "go-keyring-base64:" + base64.StdEncoding.EncodeToString([]byte(password))
		cmd := fmt.Sprintf("add-generic-password -U -s %s -a %s -w %s\n", shellQuote(service), shellQuote(user), shellQuote(enc))
		return len(cmd) > DarwinCommandLimit
	}
	return len(password) > k.f.limit
}

var unsafeShell = regexp.MustCompile(`[^\w@%+=:,./-]`)

// shellQuote quotes like github.com/alessio/shellescape, which go-keyring
// uses on macOS.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	if !unsafeShell.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// Secret returns the item stored for service and user.
func (k *Keyring) Secret(service, user string) (string, bool) {
	k.f.mu.Lock()
	defer k.f.mu.Unlock()
	v, ok := k.items[[2]string{service, user}]
	return v, ok
}

// SetErr makes every later call of op fail with err; nil clears it.
func (k *Keyring) SetErr(op Op, err error) { k.f.setErr(op, err) }

// Block makes later calls hang until Unblock.
func (k *Keyring) Block() { k.f.block() }

// Unblock releases every hanging call and ends blocking mode.
func (k *Keyring) Unblock() { k.f.unblock() }

// Calls returns how many times op was called.
func (k *Keyring) Calls(op Op) int { return k.f.count(op) }

// InFlight returns the number of calls in progress (hanging ones included).
func (k *Keyring) InFlight() int { return k.f.inFlight() }

// WaitIdle waits until no call is in progress (after Unblock, for example).
func (k *Keyring) WaitIdle() { k.f.waitIdle() }

// MaxInFlight returns the most calls ever in progress at once.
func (k *Keyring) MaxInFlight() int { return k.f.maxInFlight() }
