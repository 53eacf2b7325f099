package status

import (
	"time"

	"piecestray/app"
)

// Report is what `pieces-tray status --json` prints: a small object for
// scripts, documented in the README. Its keys are stable: new ones may be
// added, none is renamed or removed. Values are exact (JSON escapes them),
// not cleaned for a terminal.
type Report struct {
	// State is the phase: signed_in, signed_out, signing_in,
	// sign_in_needed, not_running or connecting.
	State    string         `json:"state"`
	User     *ReportUser    `json:"user"` // null when nobody is signed in
	PiecesOS ReportPiecesOS `json:"pieces_os"`
	Session  ReportSession  `json:"session"`
	Error    string         `json:"error"` // the last error in words; "" when none
}

// ReportUser is the signed-in person.
type ReportUser struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	VanityName string `json:"vanity_name"` // NAME of NAME.pieces.cloud; "" when none (a valid one is plain ASCII)
	Beta       bool   `json:"beta"`        // in the beta program now
}

// ReportPiecesOS is the Pieces OS in use.
type ReportPiecesOS struct {
	URL     string `json:"url"`     // "" when none was found
	Version string `json:"version"` // "" when not known
}

// ReportSession says where the session is kept and until when.
type ReportSession struct {
	// KeptIn is keyring, memory (until Pieces Tray quits), pieces_os
	// (sign-in mode pieces-os) or none.
	KeptIn string `json:"kept_in"`
	// Expires is when the access token expires (it is renewed before);
	// null when Pieces Tray holds none.
	Expires *time.Time `json:"expires"`
}

// NewReport builds the report of a state.
func NewReport(s app.State, now time.Time) Report {
	r := Report{
		State:    string(s.Phase),
		PiecesOS: ReportPiecesOS{URL: s.PiecesOS.URL, Version: s.PiecesOS.Version},
		Session:  ReportSession{KeptIn: string(s.Storage.Kind)},
		Error:    s.LastError,
	}
	if r.Session.KeptIn == "" {
		r.Session.KeptIn = string(app.StorageNone)
	}
	if !s.Storage.Expires.IsZero() {
		e := s.Storage.Expires.UTC()
		r.Session.Expires = &e
	}
	if p := s.User; p != nil && s.SignedIn() {
		r.User = &ReportUser{ID: p.ID, Name: p.Name, Email: p.Email,
			VanityName: app.VanityName(p), Beta: app.BetaOptedIn(p, now)}
	}
	return r
}
