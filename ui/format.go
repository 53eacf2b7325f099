package ui

import (
	"fmt"
	"strings"
	"time"

	"piecestray/apiclient"
	"piecestray/app"
)

// orDash returns s, or an en dash when s is empty.
func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// vanityText describes the vanity name of p.
func vanityText(p *apiclient.UserProfile) string {
	if name := app.VanityName(p); name != "" {
		return app.VanityHost(name)
	}
	return "Not set"
}

// storageText says where the session is kept.
func storageText(s app.StorageInfo) string {
	text := "Not saved"
	switch s.Kind {
	case app.StorageKeyring:
		return "In the system keyring"
	case app.StoragePiecesOS:
		return "By Pieces OS (Pieces Tray stores nothing)"
	case app.StorageMemory:
		text = "In memory only, until Pieces Tray quits"
	}
	if s.Why != "" {
		text += ": " + app.Sentence(s.Why)
	}
	return text
}

// piecesOSText names the Pieces OS in use.
func piecesOSText(info app.PiecesOSInfo) string {
	switch {
	case info.URL == "":
		return "Not found"
	case info.Version == "":
		return info.URL
	}
	return fmt.Sprintf("%s (version %s)", info.URL, info.Version)
}

// cloudText describes the personal cloud of p: its status and address.
func cloudText(p *apiclient.UserProfile) string {
	if p == nil || p.Allocation == nil {
		return "Not set up"
	}
	var status string
	if a := p.Allocation.Status; a != nil {
		var known bool
		if status, known = allocationWords[a.Cloud]; !known {
			status = app.Clean(strings.ToLower(string(a.Cloud))) // from Pieces OS
		}
	}
	url := app.CloudURL(p)
	if url == "" && p.Allocation.URLs != nil && p.Allocation.URLs.Base != nil {
		url = p.Allocation.URLs.Base.URL
	}
	url = app.Clean(url) // from Pieces OS
	switch {
	case status != "" && url != "":
		return status + " – " + url
	case url != "":
		return url
	case status != "":
		return status
	}
	return "Unknown"
}

// allocationWords names the statuses of a personal cloud; others are shown
// in lower case.
var allocationWords = map[apiclient.AllocationStatus]string{
	apiclient.AllocationRunning:      "Running",
	apiclient.AllocationSucceeded:    "Connected",
	apiclient.AllocationPending:      "Being set up",
	apiclient.AllocationFailed:       "Failed",
	apiclient.AllocationDisconnected: "Disconnected",
	apiclient.AllocationUnknown:      "",
	"":                               "",
}

// betaText says whether p is in the beta program at now.
func betaText(p *apiclient.UserProfile, now time.Time) string {
	if !app.BetaOptedIn(p, now) {
		return "Not joined"
	}
	if w := app.BetaWindow(p); w != nil && w.From != nil {
		return "Joined on " + w.From.Value.UTC().Format("2 January 2006")
	}
	return "Joined"
}

// notice is what a window shows instead of its content when the account
// cannot be used: a heading, a sentence and the one button that helps.
type notice struct {
	Title  string
	Body   string
	Button string     // empty: no button
	Action app.Action // what Button does
	Busy   bool       // show progress
}

// connectingNotice is what a window shows until the agent's first state.
var connectingNotice = notice{Title: "Connecting…", Body: "Waiting for Pieces Tray.", Busy: true}

// noticeFor returns the notice for s, and false when someone is signed in
// and the window can show its content. what names what the window needs,
// e.g. "to see your account".
func noticeFor(s app.State, what string) (notice, bool) {
	switch s.Phase {
	case app.PhaseConnecting:
		return notice{Title: "Looking for Pieces OS…", Body: "Pieces Tray is connecting to Pieces OS on this computer.", Busy: true}, true
	case app.PhaseNotRunning:
		body := "Start Pieces OS (or wait for it to finish starting), then choose Retry."
		if len(s.PiecesOS.Tried) > 0 {
			body += "\nLooked at " + strings.Join(s.PiecesOS.Tried, ", ") + "."
		}
		return notice{Title: "Pieces OS is not running", Body: body, Button: "Retry", Action: app.ActionRetry}, true
	case app.PhaseSignedOut:
		return notice{Title: "You are signed out", Body: "Sign in to Pieces " + what + ".", Button: "Sign in…", Action: app.ActionSignIn}, true
	case app.PhaseSignInNeeded:
		body := "Your Pieces session can no longer be used."
		if s.Reason != "" {
			body = app.Sentence(s.Reason)
		}
		return notice{Title: "Sign-in needed", Body: body + "\nSign in again " + what + ".", Button: "Sign in…", Action: app.ActionSignIn}, true
	case app.PhaseSigningIn:
		body := "Continue in your browser. This window follows as soon as you are signed in.\nIf the page shows an error, cancel and try again, or start Pieces Tray with --sign-in pieces-os to let Pieces OS sign you in."
		if s.Mode == app.ModePiecesOS {
			body = "Pieces OS opened its sign-in page in your browser. Continue there; this window follows as soon as you are signed in."
		}
		return notice{Title: "Signing in…", Body: body, Button: "Cancel sign-in", Action: app.ActionCancelSignIn, Busy: true}, true
	}
	if !s.SignedIn() {
		return connectingNotice, true
	}
	return notice{}, false
}
