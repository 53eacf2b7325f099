package autostart

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Offer remembers whether starting at login was offered to the person, so
// that the account window offers it once, after the first sign-in. The mark
// is a small file in the user's configuration directory
// (pieces-tray/start-at-login-offered).
type Offer struct {
	Env  Env
	Mark string // the marker file
}

// NewOffer returns the Offer of this user; an error when the home or
// configuration directory is unknown.
func NewOffer() (*Offer, error) {
	env, err := SystemEnv()
	if err != nil {
		return nil, err
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return nil, fmt.Errorf("autostart: %w", err)
	}
	return &Offer{Env: env, Mark: filepath.Join(dir, "pieces-tray", "start-at-login-offered")}, nil
}

// ShouldOffer reports whether to offer starting at login: it was never
// offered, and it is off.
func (o *Offer) ShouldOffer() bool {
	if _, err := os.Stat(o.Mark); !errors.Is(err, os.ErrNotExist) {
		return false // offered before (or the mark cannot be read: do not nag)
	}
	st, err := Get(o.Env)
	return err == nil && !st.Enabled
}

// Answer turns starting at login on (yes) or leaves it off, and remembers
// that it was offered either way.
func (o *Offer) Answer(yes bool) error {
	var err error
	if yes {
		err = o.Env.SetEnabled(true)
	}
	if merr := writeFile(o.Mark, nil); merr != nil && err == nil {
		err = fmt.Errorf("autostart: remember the offer: %w", merr)
	}
	return err
}
