package app

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"piecestray/apiclient"
)

// deriveEventsLocked turns a state transition into notification events.
// The first knowledge of the user is the baseline and produces none.
func (c *Core) deriveEventsLocked() {
	// "Session expired" is emitted by sessionExpiredLocked, once per fact:
	// the phase can hide and show sign-in-needed again (a sign-in started
	// and cancelled, Pieces OS away) without it being news.
	if !c.userKnown {
		return
	}
	if !c.started {
		// Baseline: what Pieces OS said first is not news.
		c.started = true
		c.eventUser = c.user
		c.silentSignIn = false
		return
	}
	if c.notRunning || c.restoring || c.restoreWanted {
		// Outages are reported by trackOutageLocked; a silent restore
		// speaks only when it fails (sessionExpiredLocked).
		return
	}
	old, cur := c.eventUser, c.user
	c.eventUser = cur
	switch {
	case old == nil && cur != nil:
		if c.silentSignIn {
			c.silentSignIn = false
			return
		}
		c.emitLocked(Event{Kind: EventSignedIn, Title: "Signed in to Pieces", Body: "Signed in as " + DisplayName(cur) + "."})
	case old != nil && cur == nil:
		c.dropChangesLocked()
		if c.expectSignOut {
			c.emitLocked(Event{Kind: EventSignedOut, Title: "Signed out of Pieces", Body: DisplayName(old) + " is signed out on this computer."})
		} else {
			c.emitLocked(Event{Kind: EventSignedOutRemote, Title: "Signed out of Pieces", Body: DisplayName(old) + " was signed out of Pieces OS outside Pieces Tray. Sign in again to continue."})
		}
	case old != nil && cur != nil && old.ID != cur.ID:
		c.dropChangesLocked()
		c.emitLocked(Event{Kind: EventSignedIn, Title: "Signed in to Pieces", Body: "Now signed in as " + DisplayName(cur) + "."})
	case old != nil && cur != nil:
		for _, f := range profileChanges(old, cur, c.cfg.Clock.Now()) {
			c.noteChangeLocked(f)
		}
	}
}

// noteChangeLocked adds a changed profile field to the coalescing window.
func (c *Core) noteChangeLocked(field string) {
	if !slices.Contains(c.pendingChanges, field) {
		c.pendingChanges = append(c.pendingChanges, field)
	}
	if c.changeTimer != nil {
		return
	}
	c.afterLocked(&c.changeTimer, eventWindow, func() {
		if len(c.pendingChanges) > 0 {
			slices.Sort(c.pendingChanges)
			c.emitLocked(Event{Kind: EventProfileChanged, Title: "Pieces profile updated", Body: changeSentence(c.pendingChanges)})
			c.pendingChanges = nil
		}
	})
}

func (c *Core) dropChangesLocked() {
	c.pendingChanges = nil
	stopLocked(&c.changeTimer)
}

// profileChanges lists the person-visible fields that differ between two
// profiles of the same user.
func profileChanges(a, b *apiclient.UserProfile, now time.Time) []string {
	var out []string
	for _, f := range []struct {
		name    string
		changed bool
	}{
		{"name", a.Name != b.Name},
		{"email", a.Email != b.Email},
		{"picture", a.Picture != b.Picture},
		{"vanity name", VanityName(a) != VanityName(b)},
		{"beta program", BetaOptedIn(a, now) != BetaOptedIn(b, now)},
	} {
		if f.changed {
			out = append(out, f.name)
		}
	}
	return out
}

func changeSentence(fields []string) string {
	if len(fields) == 1 {
		return "Your " + fields[0] + " changed."
	}
	return fmt.Sprintf("Your %s and %s changed.", strings.Join(fields[:len(fields)-1], ", "), fields[len(fields)-1])
}
