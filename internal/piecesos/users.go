package piecesos

import (
	"fmt"
	"net/http"
	"strings"

	"piecestray/apiclient"
)

// The UsersApi page (from_token is in token.go) and the well-known
// endpoints.

// handleUsersSnapshot serves GET /users: every user this Pieces OS knows.
func (s *Server) handleUsersSnapshot(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	out := apiclient.Users{Iterable: s.usersLocked()}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, &out)
}

// handleSpecificUser serves GET /users/{user}: 404 for an unknown id.
func (s *Server) handleSpecificUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("user")
	s.mu.Lock()
	u := s.findLocked(id)
	var p *apiclient.UserProfile
	if u != nil {
		p = cloneProfile(u)
	}
	s.mu.Unlock()
	if p == nil {
		writeText(w, http.StatusNotFound, fmt.Sprintf("no user with id %s is known to this Pieces OS", id))
		return
	}
	writeJSON(w, http.StatusOK, p)
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
