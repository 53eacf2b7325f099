package auth

import (
	"context"
	"encoding/json"
	"fmt"
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
