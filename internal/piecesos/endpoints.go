package piecesos

import (
	"fmt"
	"net/http"
	"strings"

	"piecestray/apiclient"
)

// The endpoints of the UserApi page (/user and below; the stream is in
// stream.go, beta and vanity in settings.go) and of the UsersApi page
// (from_token is in token.go), and the well-known endpoints.

// handleUserSnapshot serves GET /user: ReturnedUserProfile, with no `user`
// when nobody is signed in.
func (s *Server) handleUserSnapshot(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, &apiclient.ReturnedUserProfile{User: s.User()})
}

// handleClearUser serves POST /user/clear: signs out, 204.
func (s *Server) handleClearUser(w http.ResponseWriter, r *http.Request) {
	s.SetUser(nil)
	w.WriteHeader(http.StatusNoContent)
}

// handleRefreshUser serves GET /user/refresh: the current UserProfile, or
// 511 when nobody is signed in.
func (s *Server) handleRefreshUser(w http.ResponseWriter, r *http.Request) {
	if p := s.User(); p != nil {
		writeJSON(w, http.StatusOK, p)
		return
	}
	writeText(w, http.StatusNetworkAuthenticationRequired, "Network Authentication Required: no user is signed in to Pieces OS")
}

// handleUserProviders serves GET /user/providers: 501 locally, as
// documented.
func (s *Server) handleUserProviders(w http.ResponseWriter, r *http.Request) {
	writeText(w, http.StatusNotImplemented, "Not Implemented: user providers are not available from a local Pieces OS")
}

// handleSelectUser serves POST /user/select: the Auth0User names a user
// (by user_id, the Auth0 subject, or by email); a known user is signed in
// again, an unknown one with a user_id is created from the Auth0 fields.
func (s *Server) handleSelectUser(w http.ResponseWriter, r *http.Request) {
	var u apiclient.Auth0User
	if !decodeBody(w, r, "Auth0User", &u) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	found := s.findLocked(userIDForSubject(u.UserID))
	for _, k := range s.users {
		if found == nil && u.Email != "" && strings.EqualFold(k.Email, u.Email) {
			found = k
		}
	}
	var p *apiclient.UserProfile
	switch {
	case found != nil:
		p = cloneProfile(found)
		p.Updated = stamp(s.now())
	case u.UserID != "":
		c := claims{Sub: u.UserID, Email: u.Email, Name: u.Name, Nickname: firstNonEmpty(u.Username, u.Nickname), Picture: u.Picture}
		p = s.profileFromClaims(c, nil)
	default:
		writeText(w, http.StatusBadRequest, "select needs the user_id of an Auth0 user, or the email of a user known to this Pieces OS")
		return
	}
	s.signInLocked(p)
	writeJSON(w, http.StatusOK, cloneProfile(p))
}

// handleUpdateUser serves POST /user/update: the body replaces the known
// user with the same id (404 when unknown); `updated` is set to now.
func (s *Server) handleUpdateUser(w http.ResponseWriter, r *http.Request) {
	var p apiclient.UserProfile
	if !decodeBody(w, r, "UserProfile", &p) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.findLocked(p.ID) == nil {
		writeText(w, http.StatusNotFound, fmt.Sprintf("no user with id %s is known to this Pieces OS", p.ID))
		return
	}
	p.Updated = stamp(s.now())
	s.putLocked(cloneProfile(&p))
	writeJSON(w, http.StatusOK, &p)
}

// handleUsersSnapshot serves GET /users: every user this Pieces OS knows.
func (s *Server) handleUsersSnapshot(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, &apiclient.Users{Iterable: s.Users()})
}

// handleSpecificUser serves GET /users/{user}: 404 for an unknown id.
func (s *Server) handleSpecificUser(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	u := s.findLocked(r.PathValue("user"))
	if u != nil {
		u = cloneProfile(u)
	}
	s.mu.Unlock()
	if u == nil {
		writeText(w, http.StatusNotFound, fmt.Sprintf("no user with id %s is known to this Pieces OS", r.PathValue("user")))
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// handleDisconnect serves POST /users/{user}/disconnect: forgets the user
// (signing out if it is the current one) and answers the remaining Users;
// 404 for an unknown id.
func (s *Server) handleDisconnect(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("user")
	s.mu.Lock()
	ok := s.removeLocked(id)
	out := apiclient.Users{Iterable: s.usersLocked()}
	s.mu.Unlock()
	if !ok {
		writeText(w, http.StatusNotFound, fmt.Sprintf("no user with id %s is known to this Pieces OS", id))
		return
	}
	writeJSON(w, http.StatusOK, &out)
}

// handleHealth serves GET and HEAD /.well-known/health: "ok:<uuid>".
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte("ok:" + s.healthID))
	}
}

// handleVersion serves GET /.well-known/version.
func (s *Server) handleVersion(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(strings.TrimSpace(s.cfg.Version)))
}
