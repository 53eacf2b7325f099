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
	*faults
	data []byte // guarded by faults.mu
}

var _ auth.Store = (*Store)(nil)

// NewStore returns an empty Store.
func NewStore(opts ...Option) *Store {
	return &Store{faults: newFaults(opts)}
}

// Load implements auth.Store.
func (s *Store) Load(ctx context.Context) (sess *auth.Session, err error) {
	err = s.do(ctx, OpLoad, func() error {
		if s.data == nil {
			return auth.ErrNotFound
		}
		sess, err = auth.DecodeSession(s.data)
		return err
	})
	return sess, err
}

// Save implements auth.Store.
func (s *Store) Save(ctx context.Context, sess *auth.Session) error {
	return s.do(ctx, OpSave, func() error {
		b, err := auth.EncodeSession(sess)
		if err != nil {
			return err
		}
		if s.limit > 0 && len(b) > s.limit {
			return fmt.Errorf("authtest: %d bytes over the %d-byte limit: %w", len(b), s.limit, auth.ErrTooLarge)
		}
		s.data = b
		return nil
	})
}

// Delete implements auth.Store.
func (s *Store) Delete(ctx context.Context) error {
	return s.do(ctx, OpDelete, func() error {
		if s.data == nil {
			return auth.ErrNotFound
		}
		s.data = nil
		return nil
	})
}

// Put stores sess directly (no limits, no errors, not counted).
func (s *Store) Put(sess *auth.Session) error {
	b, err := auth.EncodeSession(sess)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data = b
	return nil
}

// Session returns the stored session, or nil.
func (s *Store) Session() *auth.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, err := auth.DecodeSession(s.data)
	if err != nil {
		return nil
	}
	return sess
}
