package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/zalando/go-keyring"
)

// Store keeps the Session of the person signed in. Implementations are safe
// for concurrent use. Load returns ErrNotFound when nothing is stored; every
// other error means "unknown", not "empty".
type Store interface {
	Load(ctx context.Context) (*Session, error)
	Save(ctx context.Context, s *Session) error
	Delete(ctx context.Context) error
}

// MaxSecretBytes is the largest stored item any keyring takes: Windows'
// credential manager refuses more than 2560 bytes (macOS' limit is about
// 3000, Linux has none). Every store keeps to it, so a session that works
// on one system works on all.
const MaxSecretBytes = 2560

// sessionVersion is the format version of an encoded Session.
const sessionVersion = 1

// storedSession is the encoded form of a Session.
type storedSession struct {
	Version int `json:"v"`
	Session
}

// EncodeSession returns the bytes a store keeps for s, or an error that
// errors.Is ErrTooLarge when they exceed MaxSecretBytes.
func EncodeSession(s *Session) ([]byte, error) {
	if s == nil || s.RefreshToken == "" {
		return nil, fmt.Errorf("auth: a session without a refresh token cannot be stored")
	}
	b, err := json.Marshal(storedSession{Version: sessionVersion, Session: *s})
	if err != nil {
		return nil, fmt.Errorf("auth: encode session: %w", err)
	}
	if len(b) > MaxSecretBytes {
		return nil, &kindError{kind: ErrTooLarge, detail: fmt.Sprintf("%d bytes, at most %d fit", len(b), MaxSecretBytes)}
	}
	return b, nil
}

// DecodeSession parses bytes written by EncodeSession. Unreadable data is
// reported as ErrNotFound with a note: only a new sign-in can replace it.
func DecodeSession(b []byte) (*Session, error) {
	var ss storedSession
	if err := json.Unmarshal(b, &ss); err != nil || ss.Version != sessionVersion || ss.RefreshToken == "" {
		return nil, &kindError{kind: ErrNotFound, msg: "auth: the saved session is unreadable; sign in again"}
	}
	s := ss.Session
	return &s, nil
}

// Keyring timeouts. A locked keyring with an unlock prompt nobody answers
// blocks go-keyring forever (see docs/ARCHITECTURE.md).
const (
	// KeyringReadTimeout bounds Load and Delete, which run in the
	// background.
	KeyringReadTimeout = 3 * time.Second
	// KeyringSaveTimeout bounds Save, which follows a sign-in the person
	// started and may wait for them to unlock the keyring.
	KeyringSaveTimeout = 60 * time.Second
)

// Keyring is the part of go-keyring's API the keyring store uses (its
// Keyring interface without DeleteAll). Tests substitute a fake
// (authtest.Keyring).
type Keyring interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// systemKeyring is the operating system's keyring through go-keyring.
type systemKeyring struct{}

func (systemKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (systemKeyring) Set(service, user, password string) error {
	return keyring.Set(service, user, password)
}
func (systemKeyring) Delete(service, user string) error { return keyring.Delete(service, user) }

// KeyringOption changes a store built by NewKeyringStore.
type KeyringOption func(*keyringStore)

// NewKeyringStore returns a Store that keeps the session as one small item
// (service, user) in the system keyring: the Secret Service on Linux, the
// Keychain on macOS, the credential manager on Windows. There is no
// plain-text fallback.
//
// Every keyring call runs on its own goroutine, one at a time, bounded by a
// timeout (KeyringReadTimeout for Load and Delete, KeyringSaveTimeout for
// Save, or ctx's deadline when sooner); a timeout gives ErrTimeout. A call
// that never returns keeps the one slot: later calls time out without
// starting another goroutine, so blocked calls cannot pile up.
func NewKeyringStore(service, user string, opts ...KeyringOption) Store {
	s := &keyringStore{
		service:     service,
		user:        user,
		kr:          systemKeyring{},
		readTimeout: KeyringReadTimeout,
		saveTimeout: KeyringSaveTimeout,
		slot:        make(chan struct{}, 1),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

type keyringStore struct {
	service, user            string
	kr                       Keyring
	readTimeout, saveTimeout time.Duration
	// slot (capacity 1) is held by the goroutine calling kr, from before it
	// starts until kr returns: keyring calls run one at a time.
	slot chan struct{}
}

func (s *keyringStore) Load(ctx context.Context) (*Session, error) {
	var secret string
	err := s.call(ctx, "load", s.readTimeout, func() (err error) {
		secret, err = s.kr.Get(s.service, s.user)
		return err
	})
	if err != nil {
		return nil, err
	}
	return DecodeSession([]byte(secret))
}

func (s *keyringStore) Save(ctx context.Context, sess *Session) error {
	b, err := EncodeSession(sess)
	if err != nil {
		return err
	}
	return s.call(ctx, "save", s.saveTimeout, func() error {
		return s.kr.Set(s.service, s.user, string(b))
	})
}

func (s *keyringStore) Delete(ctx context.Context) error {
	return s.call(ctx, "delete", s.readTimeout, func() error {
		return s.kr.Delete(s.service, s.user)
	})
}

// call runs f on its own goroutine once the slot is free, and waits for it
// at most timeout (or until ctx ends).
func (s *keyringStore) call(ctx context.Context, op string, timeout time.Duration, f func() error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if ctx.Err() != nil {
		return waitError(ctx, op)
	}
	select {
	case s.slot <- struct{}{}:
	case <-ctx.Done():
		// An earlier call is still stuck in the keyring.
		return waitError(ctx, op)
	}
	done := make(chan error, 1) // buffered: the goroutine never waits for us
	go func() {
		defer func() { <-s.slot }()
		done <- f()
	}()
	select {
	case err := <-done:
		return classify(op, err)
	case <-ctx.Done():
		return waitError(ctx, op)
	}
}

// waitError is the error for a wait that ended with ctx: a timeout, or the
// caller's cancellation.
func waitError(ctx context.Context, op string) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("auth: keyring %s: %w", op, ctx.Err())
	}
	return ErrTimeout
}

// classify maps go-keyring's errors to the store's. go-keyring reports most
// Secret Service failures only as text.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	kind := error(nil)
	switch {
	case errors.Is(err, keyring.ErrNotFound), errors.Is(err, ErrNotFound):
		kind = ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig), errors.Is(err, ErrTooLarge):
		kind = ErrTooLarge
	case errors.Is(err, ErrLocked),
		strings.Contains(msg, "failed to unlock correct collection"),
		strings.Contains(msg, "org.freedesktop.Secret.Error.IsLocked"):
		kind = ErrLocked
	case errors.Is(err, ErrNoSecretService),
		strings.Contains(msg, "was not provided by any .service files"),
		strings.Contains(msg, "org.freedesktop.DBus.Error.ServiceUnknown"),
		strings.Contains(msg, "org.freedesktop.DBus.Error.NameHasNoOwner"),
		strings.Contains(msg, "couldn't determine address of session bus"),
		strings.Contains(msg, "dbus-launch"),
		strings.Contains(msg, "dbus: authentication failed"),
		strings.Contains(msg, "connection refused") && strings.Contains(msg, "bus"),
		strings.Contains(msg, "no such file or directory") && strings.Contains(msg, "bus"):
		kind = ErrNoSecretService
	case errors.Is(err, ErrTimeout):
		kind = ErrTimeout
	}
	if kind == nil {
		return fmt.Errorf("auth: keyring %s: %w", op, err)
	}
	return &kindError{kind: kind, cause: err}
}
