package piecesos

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"piecestray/apiclient"
)

// The two settings that need a signed-in user: the beta status and the
// vanity name of the personal cloud.

// handleBetaStatus serves POST /user/beta/status (reference §6): for the
// signed-in user and the named provider (auth0 or descope), vision
// {continuous: true} opts in from now (or from `from`), vision {to} opts out
// at `to`. A body without vision reads the current status. 511 when the
// user is not signed in.
func (s *Server) handleBetaStatus(w http.ResponseWriter, r *http.Request) {
	var in apiclient.UserBetaStatus
	if !decodeBody(w, r, "UserBetaStatus", &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current == nil || in.User != s.current.ID {
		writeText(w, http.StatusNetworkAuthenticationRequired,
			fmt.Sprintf("Network Authentication Required: sign in to Pieces OS as user %s to change the beta status", in.User))
		return
	}
	p := cloneProfile(s.current)
	out := apiclient.UserBetaStatus{User: p.ID}
	st := &apiclient.Auth0UserBetaStatus{}
	var req *apiclient.Auth0UserBetaStatus
	var meta **apiclient.AnonymousTemporalRange // the beta window of the provider's metadata
	switch {
	case in.Auth0 != nil && in.Descope != nil:
		writeText(w, http.StatusBadRequest, "invalid UserBetaStatus: give auth0 or descope, not both")
		return
	case in.Auth0 != nil && p.Auth0 != nil:
		req, meta, out.Auth0 = in.Auth0, &p.Auth0.Beta, st
	case in.Descope != nil && p.Descope != nil:
		req, meta, out.Descope = in.Descope, &p.Descope.Beta, st
	default:
		writeText(w, http.StatusBadRequest, "invalid UserBetaStatus: give the provider of the signed-in user, auth0 or descope")
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
		s.putLocked(p)
	}
	st.Vision = *meta
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

// cloudDomain is the parent domain of personal cloud names.
const cloudDomain = "pieces.cloud"

// handleUpdateVanity serves POST /user/update/vanity (reference §5). The
// body is the signed-in user's UserProfile with the new `vanityname`.
// Statuses in the order they are decided: 400 for a name that is not a DNS
// label, 511 when that user is not signed in or has no personal cloud, 404
// while the cloud's DNS record is not ready (CloudReadyDelay after sign-in),
// 409 when another user has the name. The name is stored in lower case in
// `vanityname`, `auth0.vanityname` (and `descope.vanityname`) and
// `allocation.urls.vanity`.
func (s *Server) handleUpdateVanity(w http.ResponseWriter, r *http.Request) {
	var in apiclient.UserProfile
	if !decodeBody(w, r, "UserProfile", &in) {
		return
	}
	if err := apiclient.ValidVanityName(in.VanityName); err != nil {
		writeText(w, http.StatusBadRequest, fmt.Sprintf("invalid vanityname %q: %v", in.VanityName, err))
		return
	}
	name := apiclient.NormalizeVanityName(in.VanityName)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.current == nil || s.current.ID != in.ID || s.current.Allocation == nil:
		writeText(w, http.StatusNetworkAuthenticationRequired, fmt.Sprintf(
			"Network Authentication Required: sign in to Pieces OS as user %s and connect your personal cloud to set a vanity name", in.ID))
		return
	case s.now().Before(s.signedIn.Add(s.cfg.CloudReadyDelay)):
		writeText(w, http.StatusNotFound,
			"The original DNS record was not found: wait for the personal cloud to finish connecting, then try again")
		return
	case s.vanityTakenLocked(name, in.ID):
		writeText(w, http.StatusConflict, fmt.Sprintf("Conflict: the vanity name %q is already taken", name))
		return
	}
	p := cloneProfile(s.current)
	p.VanityName = name
	if p.Auth0 != nil {
		p.Auth0.VanityName = name
	}
	if p.Descope != nil {
		p.Descope.VanityName = name
	}
	p.Allocation.URLs.Vanity = &apiclient.AllocationCloudURL{URL: name + "." + cloudDomain, Status: apiclient.AllocationRunning}
	p.Updated = stamp(s.now())
	s.putLocked(p)
	writeJSON(w, http.StatusOK, cloneProfile(p))
}

// vanityTakenLocked reports whether name belongs to someone other than the
// user id: a configured taken name, or another known user's.
func (s *Server) vanityTakenLocked(name, id string) bool {
	return slices.ContainsFunc(s.cfg.TakenVanity, func(t string) bool { return strings.EqualFold(strings.TrimSpace(t), name) }) ||
		slices.ContainsFunc(s.users, func(u *apiclient.UserProfile) bool { return u.ID != id && strings.EqualFold(u.VanityName, name) })
}
