package piecesos

import (
	"encoding/json"
	"net/http"
	"strings"

	"piecestray/apiclient"
	"piecestray/internal/auth0sim"
)

// The admin API: the controls that tests of the standalone command
// (cmd/pieces-os-sim) need over HTTP. No real Pieces OS client uses these
// paths. Every POST answers the state afterwards (GET /__sim/state).
//
//	GET  /__sim/state                      what the simulator holds
//	POST /__sim/user     {"email","name"}  sign in a user built like from_token would (or {"profile":{...}})
//	POST /__sim/signout                    sign out (an empty stream frame)

// adminState is the answer of the admin API.
type adminState struct {
	URL     string                  `json:"url,omitempty"`
	Version string                  `json:"version"`
	User    *apiclient.UserProfile  `json:"user"`
	Users   []apiclient.UserProfile `json:"users"`
	Streams int                     `json:"streams"`
}

func (s *Server) adminSignOut(w http.ResponseWriter, r *http.Request) {
	s.SetUser(nil)
	s.adminState(w, r)
}

func (s *Server) adminState(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, adminState{URL: s.URL(), Version: s.cfg.Version, User: s.User(), Users: s.Users(), Streams: s.Streams()})
}

func (s *Server) adminUser(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email   string          `json:"email"`
		Name    string          `json:"name"`
		Profile json.RawMessage `json:"profile"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes)).Decode(&in); err != nil {
		writeText(w, http.StatusBadRequest, "admin: malformed JSON: "+err.Error())
		return
	}
	if len(in.Profile) > 0 {
		var p apiclient.UserProfile
		if msg := decodeModel(in.Profile, "UserProfile", &p); msg != "" {
			writeText(w, http.StatusBadRequest, "admin: "+msg) // SetUser would refuse it and only log why
			return
		}
		s.SetUser(&p)
		s.adminState(w, r)
		return
	}
	if strings.TrimSpace(in.Email) == "" {
		writeText(w, http.StatusBadRequest, `admin: give {"email": "...", "name": "..."} or {"profile": {...}}`)
		return
	}
	s.SignInEmail(in.Email, in.Name)
	s.adminState(w, r)
}

// SignInEmail signs in the user with email (and display name, optional) as
// POST /users/authenticate/from_token would for the account of that email
// on the Auth0-compatible simulator (internal/auth0sim): same subject, same
// user id. A known user keeps its profile. It returns a copy of the profile.
func (s *Server) SignInEmail(email, name string) *apiclient.UserProfile {
	email = strings.TrimSpace(email)
	local, _, _ := strings.Cut(email, "@")
	return s.signInClaims(claims{Sub: auth0sim.Subject(email), Email: email, Name: name, Nickname: local})
}
