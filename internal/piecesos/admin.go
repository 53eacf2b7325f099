package piecesos

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"piecestray/apiclient"
	"piecestray/internal/auth0sim"
)

// The admin API: the test controls over HTTP, for the standalone command
// (cmd/pieces-os-sim) and for scripts. No real Pieces OS client uses these
// paths. Every POST answers the state afterwards (GET /__sim/state).
//
//	GET  /__sim/state                      what the simulator holds
//	POST /__sim/user     {"email","name"}  sign in a user built like from_token would (or {"profile":{...}})
//	POST /__sim/signout                    sign out (an empty stream frame)
//	POST /__sim/fail     {"count","status"} fail the next count API requests with status
//	POST /__sim/latency  {"ms"}            add latency to every API request
//	POST /__sim/drop                       close every /user/stream connection
//	POST /__sim/raw      <any bytes>       send the body as a raw text frame to every stream
//	POST /__sim/stall    {"on"}            stall the streams (no frames, no pongs) or resume
//	POST /__sim/restart  {"down_ms"}       stop, stay down down_ms, listen again on the same address (202)

// adminState is the answer of the admin API.
type adminState struct {
	URL       string                  `json:"url,omitempty"`
	Version   string                  `json:"version"`
	User      *apiclient.UserProfile  `json:"user"`
	Users     []apiclient.UserProfile `json:"users"`
	Streams   int                     `json:"streams"`
	Stalled   bool                    `json:"stalled"`
	LatencyMS int64                   `json:"latency_ms"`
	FailCount int                     `json:"fail_count"`
	FailWith  int                     `json:"fail_status,omitempty"`
}

func (s *Server) adminRoutes() {
	m := s.admin
	m.HandleFunc("GET /__sim/state", s.adminState)
	m.HandleFunc("POST /__sim/user", s.adminUser)
	m.HandleFunc("POST /__sim/signout", func(w http.ResponseWriter, r *http.Request) {
		s.SetUser(nil)
		s.adminState(w, r)
	})
	m.HandleFunc("POST /__sim/fail", s.adminFail)
	m.HandleFunc("POST /__sim/latency", s.adminLatency)
	m.HandleFunc("POST /__sim/drop", func(w http.ResponseWriter, r *http.Request) {
		s.DropStreams()
		s.adminState(w, r)
	})
	m.HandleFunc("POST /__sim/raw", s.adminRaw)
	m.HandleFunc("POST /__sim/stall", s.adminStall)
	m.HandleFunc("POST /__sim/restart", s.adminRestart)
}

func (s *Server) state() adminState {
	st := adminState{URL: s.URL(), Version: s.cfg.Version, User: s.User(), Users: s.Users(),
		Streams: s.Streams(), Stalled: s.hub.gate.stalled()}
	s.ctlMu.Lock()
	st.LatencyMS, st.FailCount, st.FailWith = s.latency.Milliseconds(), s.failN, s.failStatus
	s.ctlMu.Unlock()
	if st.FailCount == 0 {
		st.FailWith = 0
	}
	return st
}

func (s *Server) adminState(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.state())
}

// adminBody decodes a small JSON body into dst; an empty body leaves dst.
func adminBody(w http.ResponseWriter, r *http.Request, dst any) bool {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		writeText(w, http.StatusBadRequest, "admin: cannot read the body: "+err.Error())
		return false
	}
	if strings.TrimSpace(string(b)) == "" {
		return true
	}
	if err := json.Unmarshal(b, dst); err != nil {
		writeText(w, http.StatusBadRequest, "admin: malformed JSON: "+err.Error())
		return false
	}
	return true
}

func (s *Server) adminUser(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email   string          `json:"email"`
		Name    string          `json:"name"`
		Profile json.RawMessage `json:"profile"`
	}
	if !adminBody(w, r, &in) {
		return
	}
	if len(in.Profile) > 0 {
		var p apiclient.UserProfile
		if err := s.shapes.profile.checkJSON(in.Profile); err != nil {
			writeText(w, http.StatusBadRequest, "admin: invalid profile: "+err.Error())
			return
		}
		if err := json.Unmarshal(in.Profile, &p); err != nil {
			writeText(w, http.StatusBadRequest, "admin: invalid profile: "+typeError(err))
			return
		}
		if err := p.Validate(); err != nil {
			// SetUser would refuse it and only log why.
			writeText(w, http.StatusBadRequest, "admin: invalid profile: "+err.Error())
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
	c := claims{Sub: auth0sim.Subject(email), Email: email, Name: name, Nickname: local}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.profileFromClaims(c, s.findLocked(userIDForSubject(c.Sub)))
	s.signInLocked(p)
	return cloneProfile(p)
}

func (s *Server) adminFail(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Count  int `json:"count"`
		Status int `json:"status"`
	}
	in.Count = 1
	if !adminBody(w, r, &in) {
		return
	}
	if in.Status < 100 || in.Status > 599 {
		writeText(w, http.StatusBadRequest, fmt.Sprintf("admin: status %d is not an HTTP status", in.Status))
		return
	}
	s.FailNext(in.Count, in.Status)
	s.adminState(w, r)
}

func (s *Server) adminLatency(w http.ResponseWriter, r *http.Request) {
	var in struct {
		MS int64 `json:"ms"`
	}
	if !adminBody(w, r, &in) {
		return
	}
	s.SetLatency(time.Duration(in.MS) * time.Millisecond)
	s.adminState(w, r)
}

func (s *Server) adminRaw(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		writeText(w, http.StatusBadRequest, "admin: cannot read the body: "+err.Error())
		return
	}
	s.SendRaw(b)
	s.adminState(w, r)
}

func (s *Server) adminStall(w http.ResponseWriter, r *http.Request) {
	in := struct {
		On bool `json:"on"`
	}{On: true}
	if !adminBody(w, r, &in) {
		return
	}
	s.Stall(in.On)
	s.adminState(w, r)
}

// adminRestart answers 202 at once, then stops, stays down for down_ms and
// listens again on the same address, in the background (the answer travels
// on a connection the stop closes).
func (s *Server) adminRestart(w http.ResponseWriter, r *http.Request) {
	var in struct {
		DownMS int64 `json:"down_ms"`
	}
	if !adminBody(w, r, &in) {
		return
	}
	if s.Addr() == "" {
		writeText(w, http.StatusConflict, "admin: the simulator was not started with Start; it cannot restart")
		return
	}
	if !s.bg.enter() {
		writeText(w, http.StatusServiceUnavailable, "admin: the simulator is closing")
		return
	}
	down := time.Duration(in.DownMS) * time.Millisecond
	answered := make(chan struct{})
	defer close(answered)
	go func() {
		defer s.bg.leave()
		<-answered
		s.restartAfter(down)
	}()
	w.Header().Set("Connection", "close")
	writeJSON(w, http.StatusAccepted, s.state())
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// restartAfter stops, waits down (unless Close comes first) and serves
// again on the same address.
func (s *Server) restartAfter(down time.Duration) {
	if down <= 0 {
		if err := s.Restart(); err != nil {
			s.log.Error("piecesos: admin restart", "err", err)
		}
		return
	}
	if err := s.Stop(); err != nil {
		s.log.Error("piecesos: admin stop", "err", err)
	}
	t := time.NewTimer(down)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.closing.Done():
		return
	}
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed || s.run != nil {
		return
	}
	if err := s.listenAgain(s.Addr()); err != nil {
		s.log.Error("piecesos: admin restart", "err", err)
	}
}
