package piecesos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"piecestray/apiclient"
)

// The user state: the users this Pieces OS knows and the signed-in one.
// Every method here that ends in Locked is called with s.mu held. Profiles
// in the store are private copies; what leaves the store is copied again.

// SetUser signs p in (a copy of it), or signs out when p is nil, and pushes
// the change to every stream. A profile that misses a required field is
// refused (logged, state unchanged): the simulator never sends one.
func (s *Server) SetUser(p *apiclient.UserProfile) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p == nil {
		s.signOutLocked()
		return
	}
	c := cloneProfile(p)
	if err := checkProfile(c); err != nil {
		s.log.Error("piecesos: SetUser refused an invalid profile", "err", err)
		return
	}
	s.signInLocked(c)
}

// User returns a copy of the signed-in profile, or nil when signed out.
func (s *Server) User() *apiclient.UserProfile {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current == nil {
		return nil
	}
	return cloneProfile(s.current)
}

// UpdateUser changes the signed-in profile with fn (given a copy) and pushes
// the change to every stream. It does nothing when nobody is signed in. A
// change that removes the id or a required field is refused (logged).
func (s *Server) UpdateUser(fn func(p *apiclient.UserProfile)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current == nil {
		return
	}
	c := cloneProfile(s.current)
	fn(c)
	if err := checkProfile(c); err != nil {
		s.log.Error("piecesos: UpdateUser refused an invalid profile", "err", err)
		return
	}
	if c.ID != s.current.ID {
		s.log.Error("piecesos: UpdateUser refused a change of id", "from", s.current.ID, "to", c.ID)
		return
	}
	s.putLocked(c)
}

// Users returns copies of the users this Pieces OS knows, signed in or not.
func (s *Server) Users() []apiclient.UserProfile {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.usersLocked()
}

func (s *Server) usersLocked() []apiclient.UserProfile {
	out := make([]apiclient.UserProfile, 0, len(s.users))
	for _, u := range s.users {
		out = append(out, *cloneProfile(u))
	}
	return out
}

// indexLocked is the index in s.users of the user with id, or -1.
func (s *Server) indexLocked(id string) int {
	return slices.IndexFunc(s.users, func(u *apiclient.UserProfile) bool { return u.ID == id })
}

// findLocked returns the known user with id, or nil.
func (s *Server) findLocked(id string) *apiclient.UserProfile {
	if i := s.indexLocked(id); i >= 0 {
		return s.users[i]
	}
	return nil
}

// putLocked stores p (owned by the store from now on) in place of the known
// user with the same id, or appends it; the current user follows, and the
// streams get the change.
func (s *Server) putLocked(p *apiclient.UserProfile) {
	if s.current != nil && s.current.ID == p.ID {
		s.current = p
	}
	if i := s.indexLocked(p.ID); i >= 0 {
		s.users[i] = p
	} else {
		s.users = append(s.users, p)
	}
	s.publishLocked()
}

// signInLocked stores p and makes it the signed-in user. The personal cloud
// counts as new (vanity answers 404 for CloudReadyDelay) unless p was
// already signed in.
func (s *Server) signInLocked(p *apiclient.UserProfile) {
	if s.current == nil || s.current.ID != p.ID {
		s.signedIn = s.now()
	}
	s.current = p
	s.putLocked(p)
}

// signOutLocked signs the current user out (the user stays known).
func (s *Server) signOutLocked() {
	s.current = nil
	s.publishLocked()
}

// removeLocked forgets the user with id, signing out first if it is the
// current one; false when unknown.
func (s *Server) removeLocked(id string) bool {
	i := s.indexLocked(id)
	if i < 0 {
		return false
	}
	if s.current == s.users[i] {
		s.current = nil
	}
	s.users = slices.Delete(s.users, i, i+1)
	s.publishLocked()
	return true
}

// publishLocked sends the current state to every stream if it differs from
// the last frame sent: the profile as JSON, or an empty frame when nobody
// is signed in.
func (s *Server) publishLocked() {
	f := []byte{}
	if s.current != nil {
		f, _ = json.Marshal(s.current) // the models always marshal
	}
	if s.frameOK && bytes.Equal(f, s.frame) {
		return
	}
	s.frame, s.frameOK = f, true
	s.broadcastLocked(f)
}

// checkProfile reports a missing required field of p (as it would be sent).
func checkProfile(p *apiclient.UserProfile) error {
	b, _ := json.Marshal(p) // the models always marshal
	if msg := decodeModel(b, "UserProfile", new(apiclient.UserProfile)); msg != "" {
		return errors.New("piecesos: " + msg)
	}
	return nil
}

// cloneProfile deep-copies p through its JSON form (the wire form is the
// whole truth of a profile).
func cloneProfile(p *apiclient.UserProfile) *apiclient.UserProfile {
	b, err := json.Marshal(p)
	var c apiclient.UserProfile
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		panic(fmt.Sprintf("piecesos: copy profile: %v", err)) // the models always round-trip
	}
	return &c
}

// stamp is a GroupedTimestamp for t.
func stamp(t time.Time) *apiclient.GroupedTimestamp {
	return &apiclient.GroupedTimestamp{Value: t.UTC()}
}
