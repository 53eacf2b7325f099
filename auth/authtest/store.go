package authtest

import (
	"context"
	"fmt"

	"piecestray/auth"
)

// Store is an auth.Store in memory. It keeps the encoded session, as a real
// store would, so size limits apply to what would really be stored.
//
// A blocked call waits for Unblock or for its context to end (then it
// returns ctx.Err() wrapped in auth.ErrTimeout for a deadline).
type Store struct {
	f *faults
	// data and saves are guarded by f.mu.
	data  []byte
	saves []auth.Session
}

var _ auth.Store = (*Store)(nil)

// NewStore returns an empty Store.
func NewStore(opts ...Option) *Store {
	return &Store{f: newFaults(opts)}
}

// Load implements auth.Store.
func (s *Store) Load(ctx context.Context) (*auth.Session, error) {
	ch, err := s.f.enter(OpLoad)
	defer s.f.leave()
	if werr := wait(ctx, ch); werr != nil {
		return nil, ctxError(werr)
	}
	if err != nil {
		return nil, err
	}
	s.f.mu.Lock()
	data := s.data
	s.f.mu.Unlock()
	if data == nil {
		return nil, auth.ErrNotFound
	}
	return auth.DecodeSession(data)
}

// Save implements auth.Store.
func (s *Store) Save(ctx context.Context, sess *auth.Session) error {
	ch, err := s.f.enter(OpSave)
	defer s.f.leave()
	if werr := wait(ctx, ch); werr != nil {
		return ctxError(werr)
	}
	if err != nil {
		return err
	}
	b, err := auth.EncodeSession(sess)
	if err != nil {
		return err
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	if s.f.limit > 0 && len(b) > s.f.limit {
		return fmt.Errorf("authtest: %d bytes over the %d-byte limit: %w", len(b), s.f.limit, auth.ErrTooLarge)
	}
	s.data = b
	s.saves = append(s.saves, *sess)
	return nil
}

// Delete implements auth.Store.
func (s *Store) Delete(ctx context.Context) error {
	ch, err := s.f.enter(OpDelete)
	defer s.f.leave()
	if werr := wait(ctx, ch); werr != nil {
		return ctxError(werr)
	}
	if err != nil {
		return err
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	if s.data == nil {
		return auth.ErrNotFound
	}
	s.data = nil
	return nil
}

func ctxError(err error) error {
	if err == context.DeadlineExceeded {
		return fmt.Errorf("authtest: %w (%w)", auth.ErrTimeout, err)
	}
	return fmt.Errorf("authtest: %w", err)
}

// Put stores sess directly (no limits, no errors, not counted).
func (s *Store) Put(sess *auth.Session) error {
	b, err := auth.EncodeSession(sess)
	if err != nil {
		return err
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.data = b
	return nil
}

// Session returns the stored session, or nil.
func (s *Store) Session() *auth.Session {
	s.f.mu.Lock()
	data := s.data
	s.f.mu.Unlock()
	if data == nil {
		return nil
	}
	sess, err := auth.DecodeSession(data)
	if err != nil {
		return nil
	}
	return sess
}

// Saved returns every session saved successfully, oldest first.
func (s *Store) Saved() []auth.Session {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	return append([]auth.Session(nil), s.saves...)
}

// Bytes returns the size of the stored item, 0 when empty.
func (s *Store) Bytes() int {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	return len(s.data)
}

// SetErr makes every later call of op fail with err; nil clears it.
func (s *Store) SetErr(op Op, err error) { s.f.setErr(op, err) }

// Block makes later calls wait until Unblock (or their context ends).
func (s *Store) Block() { s.f.block() }

// Unblock releases every waiting call and ends blocking mode.
func (s *Store) Unblock() { s.f.unblock() }

// Calls returns how many times op was called.
func (s *Store) Calls(op Op) int { return s.f.count(op) }

// InFlight returns the number of calls in progress.
func (s *Store) InFlight() int { return s.f.inFlight() }

// WaitIdle waits until no call is in progress.
func (s *Store) WaitIdle() { s.f.waitIdle() }
