package piecesos

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"piecestray/apiclient"
)

// handleBetaStatus serves POST /user/beta/status (reference §6): for the
// signed-in user and the named provider (auth0 or descope), vision
// {continuous: true} opts in from now (or from `from`), vision {to} opts out
// at `to`. A body without vision reads the current status. 511 when the
// user is not signed in.
func (s *Server) handleBetaStatus(w http.ResponseWriter, r *http.Request) {
	var in apiclient.UserBetaStatus
	if err := decodeBody(w, r, "UserBetaStatus", s.shapes.beta, &in); err != nil {
		writeDecodeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current == nil {
		writeText(w, http.StatusNetworkAuthenticationRequired,
			"Network Authentication Required: sign in to Pieces OS to change the beta status")
		return
	}
	if in.User != s.current.ID {
		writeText(w, http.StatusNetworkAuthenticationRequired,
			fmt.Sprintf("Network Authentication Required: user %s is not the user signed in to Pieces OS", in.User))
		return
	}
	if in.Auth0 != nil && in.Descope != nil {
		writeText(w, http.StatusBadRequest, "invalid UserBetaStatus: give auth0 or descope, not both")
		return
	}
	p := cloneProfile(s.current)
	var meta **apiclient.AnonymousTemporalRange
	req := in.Auth0
	provider := "auth0"
	switch {
	case in.Descope != nil:
		req, provider = in.Descope, "descope"
		if p.Descope == nil {
			writeText(w, http.StatusBadRequest, "invalid UserBetaStatus: the signed-in user has no descope identity")
			return
		}
		meta = &p.Descope.Beta
	case in.Auth0 != nil:
		if p.Auth0 == nil {
			writeText(w, http.StatusBadRequest, "invalid UserBetaStatus: the signed-in user has no auth0 identity")
			return
		}
		meta = &p.Auth0.Beta
	default:
		writeText(w, http.StatusBadRequest, "invalid UserBetaStatus: give the provider, auth0 or descope")
		return
	}
	if req.Vision != nil {
		next, err := applyBeta(*meta, req.Vision, s.now())
		if err != nil {
			writeText(w, http.StatusBadRequest, "invalid UserBetaStatus: "+err.Error())
			return
		}
		*meta = next
		p.Updated = stamp(s.now())
		if err := s.checkProfile(p); err != nil {
			writeText(w, http.StatusInternalServerError, err.Error())
			return
		}
		s.putLocked(p)
	}
	out := apiclient.UserBetaStatus{User: p.ID}
	st := &apiclient.Auth0UserBetaStatus{Vision: *meta}
	if provider == "descope" {
		out.Descope = st
	} else {
		out.Auth0 = st
	}
	writeJSON(w, http.StatusOK, &out)
}

// applyBeta returns the beta window after the request v: continuous opts
// in (from v.From or now); `to` opts out at that time, keeping the start of
// the current window.
func applyBeta(cur, v *apiclient.AnonymousTemporalRange, now time.Time) (*apiclient.AnonymousTemporalRange, error) {
	yes := true
	switch {
	case v.Continuous != nil && *v.Continuous:
		if v.To != nil {
			return nil, errors.New("vision cannot be continuous and end (to) at once")
		}
		from := v.From
		if from == nil {
			from = stamp(now)
		}
		return &apiclient.AnonymousTemporalRange{From: from, Continuous: &yes}, nil
	case v.To != nil:
		out := &apiclient.AnonymousTemporalRange{To: v.To}
		if cur != nil && cur.From != nil {
			out.From = cur.From
		} else if v.From != nil {
			out.From = v.From
		}
		if out.From != nil && !out.To.Value.Before(out.From.Value) {
			out.Between = &yes
		} else {
			out.From = nil // a window that ends before it starts: only the end counts
		}
		return out, nil
	default:
		return nil, errors.New("vision needs continuous: true (opt in) or to (opt out)")
	}
}
