package app

import (
	"cmp"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"piecestray/apiclient"
)

// Profiles come from Pieces OS, and their text from whoever set it: this
// file names people and reads their personal cloud and beta program for
// display. Text from outside is cleaned once, by Clean, before it reaches a
// menu, a window, a notification or a terminal; State keeps the exact values
// (status --json prints them, and JSON escapes them).

// Caps of cleaned text, in characters.
const (
	maxField    = 120 // a name, an email, a vanity name
	maxSentence = 600 // a message that may quote an error from outside
)

// Clean makes a profile field from outside safe and tidy to show, as
// CleanLine does; it keeps at most 120 characters.
func Clean(s string) string { return CleanLine(s, maxField) }

// CleanLine makes a line from outside (a message, an address) safe and tidy
// to show: it drops control and format characters (Unicode Cc and Cf: C0
// and C1 controls, so escape sequences lose their ESC and a terminal shows
// them as text; bidirectional overrides, embeddings and isolates, which can
// make text read backwards; zero-width characters, which can make two names
// look the same) and invalid UTF-8; turns every run of white space, line
// breaks included, into one space; and cuts the text to max characters,
// ending it with an ellipsis.
func CleanLine(s string, max int) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(s, "") {
		switch {
		case unicode.IsSpace(r):
			space = true
		case unicode.In(r, unicode.Cc, unicode.Cf):
		default:
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		}
	}
	out := b.String()
	if utf8.RuneCountInString(out) <= max {
		return out
	}
	return strings.TrimRight(string([]rune(out)[:max-1]), " ") + "…"
}

// DisplayName is how a person is named in messages, menus and windows: name
// and email, or whichever is known.
func DisplayName(p *apiclient.UserProfile) string {
	if p == nil {
		return "Nobody"
	}
	name, email, username := Clean(p.Name), Clean(p.Email), Clean(p.Username)
	if name != "" && email != "" && !strings.EqualFold(name, email) {
		return fmt.Sprintf("%s (%s)", name, email)
	}
	return cmp.Or(name, email, username, "Your account")
}

// CloudDomain is the parent domain of vanity names.
const CloudDomain = "pieces.cloud"

// VanityHost is the host of a personal cloud: NAME.pieces.cloud.
func VanityHost(name string) string { return name + "." + CloudDomain }

// VanityName returns the user's vanity name (NAME of NAME.pieces.cloud), or
// "" when none is set.
func VanityName(p *apiclient.UserProfile) string {
	if p == nil {
		return ""
	}
	name := p.VanityName
	if name == "" && p.Auth0 != nil {
		name = p.Auth0.VanityName
	}
	if name == "" && p.Descope != nil {
		name = p.Descope.VanityName
	}
	return Clean(name)
}

// CloudURL returns the address of the user's personal cloud: the vanity URL
// when there is one, else "".
func CloudURL(p *apiclient.UserProfile) string {
	if p == nil || p.Allocation == nil || p.Allocation.URLs == nil || p.Allocation.URLs.Vanity == nil {
		return ""
	}
	return p.Allocation.URLs.Vanity.URL
}

// BetaWindow returns the beta window of the profile's identity provider.
func BetaWindow(p *apiclient.UserProfile) *apiclient.AnonymousTemporalRange {
	if p == nil {
		return nil
	}
	if p.Auth0 != nil && p.Auth0.Beta != nil {
		return p.Auth0.Beta
	}
	if p.Descope != nil {
		return p.Descope.Beta
	}
	return nil
}

// BetaOptedIn reports whether the user is in the beta program at now: a
// continuous window, or a window that has started and not ended (see
// docs/ARCHITECTURE.md, "Beta status").
func BetaOptedIn(p *apiclient.UserProfile, now time.Time) bool {
	w := BetaWindow(p)
	switch {
	case w == nil, w.To != nil && !w.To.Value.After(now):
		return false
	case w.Continuous != nil && *w.Continuous:
		return true
	}
	return w.From != nil && !w.From.Value.After(now) && w.To != nil // a bounded window that is running
}
