package authtest

import (
	"context"
	"encoding/base64"
	"fmt"

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
	*faults
	items map[[2]string]string // guarded by faults.mu
}

var _ auth.Keyring = (*Keyring)(nil)

// NewKeyring returns an empty Keyring.
func NewKeyring(opts ...Option) *Keyring {
	return &Keyring{faults: newFaults(opts), items: map[[2]string]string{}}
}

// Get implements auth.Keyring.
func (k *Keyring) Get(service, user string) (v string, err error) {
	err = k.do(context.Background(), OpLoad, func() error { // go-keyring takes no context
		var ok bool
		if v, ok = k.items[[2]string{service, user}]; !ok {
			return keyring.ErrNotFound
		}
		return nil
	})
	return v, err
}

// Set implements auth.Keyring.
func (k *Keyring) Set(service, user, password string) error {
	return k.do(context.Background(), OpSave, func() error {
		if k.tooBig(service, user, password) {
			return keyring.ErrSetDataTooBig
		}
		k.items[[2]string{service, user}] = password
		return nil
	})
}

// Delete implements auth.Keyring.
func (k *Keyring) Delete(service, user string) error {
	return k.do(context.Background(), OpDelete, func() error {
		key := [2]string{service, user}
		if _, ok := k.items[key]; !ok {
			return keyring.ErrNotFound
		}
		delete(k.items, key)
		return nil
	})
}

// tooBig applies the size limit as go-keyring v0.2.8 does: on macOS to the
// whole `security -i` command line with the secret base64-encoded, else to
// the secret. (go-keyring also shell-quotes service and user names with
// unusual characters, a few bytes more than counted here.)
func (k *Keyring) tooBig(service, user, password string) bool {
	if k.limit <= 0 {
		return false
	}
	if k.goos == "darwin" {
		cmd := fmt.Sprintf("add-generic-password -U -s %s -a %s -w go-keyring-base64:%s\n",
			service, user, base64.StdEncoding.EncodeToString([]byte(password)))
		return len(cmd) > DarwinCommandLimit
	}
	return len(password) > k.limit
}

// Secret returns the item stored for service and user.
func (k *Keyring) Secret(service, user string) (string, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.items[[2]string{service, user}]
	return v, ok
}
