package piecesos

import (
	"fmt"
	"net/http"
	"strings"

	"piecestray/apiclient"
)

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
	if err := decodeBody(w, r, "UserProfile", s.shapes.profile, &in); err != nil {
		writeDecodeError(w, err)
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
	case s.current == nil:
		writeText(w, http.StatusNetworkAuthenticationRequired,
			"Network Authentication Required: sign in to Pieces OS and connect your personal cloud to set a vanity name")
		return
	case s.current.ID != in.ID:
		writeText(w, http.StatusNetworkAuthenticationRequired,
			fmt.Sprintf("Network Authentication Required: user %s is not the user signed in to Pieces OS", in.ID))
		return
	case s.current.Allocation == nil:
		writeText(w, http.StatusNetworkAuthenticationRequired,
			"Network Authentication Required: the personal cloud is not connected")
		return
	case !s.cloudReadyLocked():
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
	if p.Allocation.URLs == nil { // cannot happen for a valid profile
		writeText(w, http.StatusInternalServerError, "Unable to create a vanity name: the personal cloud has no addresses")
		return
	}
	p.Allocation.URLs.Vanity = &apiclient.AllocationCloudURL{
		URL:    name + "." + cloudDomain,
		Status: apiclient.AllocationRunning,
	}
	p.Updated = stamp(s.now())
	if err := s.checkProfile(p); err != nil {
		writeText(w, http.StatusInternalServerError, "Unable to create a vanity name: "+err.Error())
		return
	}
	s.putLocked(p)
	writeJSON(w, http.StatusOK, cloneProfile(p))
}

// vanityTakenLocked reports whether name belongs to someone other than the
// user id: a configured taken name, or another known user's.
func (s *Server) vanityTakenLocked(name, id string) bool {
	for _, t := range s.cfg.TakenVanity {
		if strings.EqualFold(strings.TrimSpace(t), name) {
			return true
		}
	}
	for _, u := range s.users {
		if u.ID != id && strings.EqualFold(u.VanityName, name) {
			return true
		}
	}
	return false
}
