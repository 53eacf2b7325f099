package tray

import (
	"cmp"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"piecestray/apiclient"
	"piecestray/app"
	"piecestray/assets"
)

// Title is the tray item's title, and its StatusNotifierItem Id. It never
// changes, so that desktops keep the person's choices (shown, hidden,
// position) for it, and it differs from "Pieces", which Pieces OS's own tray
// item may use.
const Title = "Pieces Tray"

// ItemID names a menu item. Items keep their id for the process's life; a
// state change only changes their fields.
type ItemID int

// The menu items, in menu order.
const (
	Header       ItemID = iota // who is signed in, or the state in words (never clickable)
	Detail                     // a second line: why items are disabled, an error, a warning
	SignIn                     // "Sign in…": starts the browser sign-in
	CancelSignIn               // "Cancel sign-in", while signing in
	CopyLink                   // "Copy sign-in link", while signing in
	Retry                      // "Look for Pieces OS again" when it is not running; "Retry" when the stored session could not be read
	Account                    // "Account…": the account window
	Vanity                     // "Vanity name…": the vanity window
	Beta                       // "Beta program…": the beta window (checked when joined)
	OpenCloud                  // "Open NAME.pieces.cloud", when there is one
	SignOut                    // "Sign out…": the sign-out window
	Diagnose                   // "Diagnose…": the doctor window, what is wrong and how to fix it
	StartAtLogin               // "Start at login" (checked when on); hidden without Config.Autostart
	Quit                       // "Quit Pieces Tray"
	numItems
)

// Item is the model of one menu item.
type Item struct {
	Label     string
	Enabled   bool
	Visible   bool
	Checkable bool // shows a check box (fixed per item)
	Checked   bool
}

// Menu is everything the tray shows for one state.
type Menu struct {
	Tooltip string // the state in one line
	Icon    assets.Kind
	Items   [numItems]Item // indexed by ItemID
	// SignInURL is what Copy sign-in link copies (empty when none).
	SignInURL string
	// CloudURL is what Open NAME.pieces.cloud opens (empty when none).
	CloudURL string
	// Refresh, when not zero, is how soon the menu shows a countdown that
	// needs a new Model; zero means the menu is stable until the state
	// changes.
	Refresh time.Duration
}

// maxLabel bounds a label built from text the agent does not control (a
// reason, an error): menus do not wrap.
const maxLabel = 72

// Model is the menu for a state at a time. It is a pure function: the same
// state and time give the same menu. Items that cannot work in the state are
// disabled, not hidden, and the header or the detail line says why; only the
// items that belong to one situation (cancel and copy while signing in, retry
// while Pieces OS is not running or the stored session could not be read,
// the cloud link when there is one) come and go.
func Model(s app.State, now time.Time) Menu {
	var m Menu
	for id := range m.Items {
		m.Items[id].Visible = true
	}
	set := func(id ItemID, label string, enabled bool) {
		m.Items[id].Label = label
		m.Items[id].Enabled = enabled
	}
	hide := func(ids ...ItemID) {
		for _, id := range ids {
			m.Items[id].Visible = false
		}
	}

	signedIn := s.SignedIn()
	// The core could not read the stored session (keyring locked, no
	// Secret Service, ...): Retry reads it again.
	unreadable := s.Storage.Kind == app.StorageNone && s.Storage.Why != ""
	// A session is stored here (in the keyring or in memory). An empty Kind
	// is a state from before the store was consulted: nothing known.
	stored := s.Storage.Kind == app.StorageKeyring || s.Storage.Kind == app.StorageMemory
	retrying := s.Stream.Status == app.StreamRetrying && s.Phase != app.PhaseNotRunning
	reachable := s.Phase != app.PhaseNotRunning && s.Phase != app.PhaseConnecting && !retrying
	retryIn := ""
	if retrying {
		retryIn = reconnectingIn(s.Stream.NextAttempt, now)
		m.Refresh = refreshFor(s.Stream.NextAttempt, now)
	}

	// Header and icon: who, or where things stand.
	// The header is the state in words unless a case says more.
	header, state := "", ""
	switch {
	case signedIn:
		header = app.DisplayName(s.User)
		state, m.Icon = "Signed in as "+header, assets.KindSignedIn
	case s.Phase == app.PhaseNotRunning:
		state, m.Icon = "Pieces OS is not running", assets.KindNotRunning
	case s.Phase == app.PhaseSigningIn:
		header = "Signing in — continue in your browser"
		state, m.Icon = "Signing in", assets.KindSigningIn
	case s.Phase == app.PhaseSignInNeeded:
		state, m.Icon = "Sign-in needed", assets.KindAttention
		if s.Reason != "" {
			header = state + ": " + oneLine(s.Reason)
		}
	case s.Phase == app.PhaseSignedOut || s.Phase == app.PhaseSignedIn: // signed in without its user: signed out
		state, m.Icon = "Not signed in", assets.KindSignedOut
	default: // connecting, or a phase this version does not know
		header = "Connecting to Pieces OS…"
		state, m.Icon = "Connecting to Pieces OS", assets.KindNotRunning
	}
	if header == "" {
		header = state
	}
	if retrying && !signedIn && s.Phase != app.PhaseSigningIn {
		// Nothing can be done until Pieces OS answers again: say when.
		header = retryIn
		state += " · " + lowerFirst(retryIn)
	}
	if s.LastError != "" && m.Icon != assets.KindSigningIn {
		m.Icon = assets.KindAttention
	}
	if unreadable && !signedIn && s.Phase != app.PhaseSigningIn {
		// A session may exist that cannot be used until the person acts.
		m.Icon = assets.KindAttention
	}
	set(Header, clip(header), false)

	// Detail: the one most useful second line. What disables items the
	// header does not explain comes first (the header names the user when
	// signed in): a lost connection, then work under way.
	detail := ""
	switch {
	case retrying && (signedIn || s.Phase == app.PhaseSigningIn):
		detail = retryIn
	case s.Busy != "":
		detail = busyWords(s.Busy)
	case s.LastError != "":
		detail = oneLine(s.LastError)
	case unreadable:
		detail = oneLine(s.Storage.Why)
	case s.Phase == app.PhaseNotRunning:
		detail = "Start Pieces OS; this menu updates by itself"
	case s.Phase == app.PhaseSignInNeeded:
		detail = "Sign in again to keep using your account"
	case s.Phase == app.PhaseSigningIn && s.Mode == app.ModePiecesOS:
		detail = "Pieces OS opened its sign-in page in your browser"
	case s.Phase == app.PhaseSigningIn:
		detail = "Page showed an error? Cancel, copy the link, or use --sign-in pieces-os"
	case s.Storage.Kind == app.StorageMemory:
		detail = "Session kept in memory only"
		if s.Storage.Why != "" {
			detail += ": " + oneLine(s.Storage.Why)
		}
	case signedIn && s.User.Email != "" && s.User.Name == "" && s.User.Username != "":
		detail = "Username: " + app.Clean(s.User.Username)
	}
	set(Detail, clip(detail), false)
	if detail == "" {
		hide(Detail)
	}

	// Sign in is always there (disabled while signed in or signing in: the
	// header says so); cancel and copy belong to a running sign-in.
	canSignIn := reachable && s.Busy == "" &&
		(s.Phase == app.PhaseSignedOut || s.Phase == app.PhaseSignInNeeded)
	set(SignIn, "Sign in…", canSignIn)
	set(CancelSignIn, "Cancel sign-in", s.Phase == app.PhaseSigningIn)
	set(CopyLink, "Copy sign-in link", s.Phase == app.PhaseSigningIn && s.SignIn != nil && s.SignIn.URL != "")
	if s.Phase == app.PhaseSigningIn {
		if s.SignIn != nil {
			m.SignInURL = s.SignIn.URL
		}
	} else {
		hide(CancelSignIn, CopyLink)
	}

	// Retry (app.ActionRetry) looks for Pieces OS again and reads the
	// stored session again; it belongs to the states where either failed.
	switch {
	case s.Phase == app.PhaseNotRunning:
		set(Retry, "Look for Pieces OS again", s.Busy != app.ActionRetry)
	case unreadable:
		set(Retry, "Retry", s.Busy != app.ActionRetry)
	default:
		set(Retry, "Look for Pieces OS again", false)
		hide(Retry)
	}

	// Windows. Account always opens: it shows whatever the state is.
	set(Account, "Account…", true)
	set(Vanity, "Vanity name…", signedIn && reachable)
	set(Beta, "Beta program…", signedIn && reachable)
	m.Items[Beta].Checkable = true
	m.Items[Beta].Checked = signedIn && app.BetaOptedIn(s.User, now)

	if cloud := cloudURL(s.User); signedIn && cloud != nil {
		m.CloudURL = cloud.String()
		set(OpenCloud, "Open "+app.Clean(cloud.Host), true)
	} else {
		set(OpenCloud, "Open personal cloud", false)
		hide(OpenCloud)
	}

	// Sign out also works without Pieces OS: the core then removes the
	// session stored here and says what remains.
	canSignOut := (stored || signedIn || s.Phase == app.PhaseSignInNeeded) && s.Busy != app.ActionSignOut
	set(SignOut, "Sign out…", canSignOut)
	if s.Busy == app.ActionSignOut {
		m.Items[SignOut].Label = "Signing out…"
	}
	// Diagnose… always opens: it helps most when nothing else works.
	set(Diagnose, "Diagnose…", true)
	// Start at login is not part of the session: the runner shows it, when
	// it can be set, with its setting (runner.model).
	m.Items[StartAtLogin].Checkable = true
	set(StartAtLogin, "Start at login", true)
	hide(StartAtLogin)
	set(Quit, "Quit Pieces Tray", true)

	m.Tooltip = "Pieces: " + state
	if s.Busy != "" {
		m.Tooltip += " · " + lowerFirst(strings.TrimSuffix(busyWords(s.Busy), "…"))
	}
	return m
}

// cloudURL is the address of the user's personal cloud, built from the
// vanity name when Pieces OS has not reported the URL yet; nil when there is
// none.
func cloudURL(p *apiclient.UserProfile) *url.URL {
	u := app.CloudURL(p)
	if v := app.VanityName(p); u == "" && v != "" {
		u = app.VanityHost(v)
	}
	if !strings.Contains(u, "://") {
		u = "https://" + u
	}
	// The address comes from Pieces OS: open only a web page.
	if pu, err := url.Parse(u); err == nil && (pu.Scheme == "https" || pu.Scheme == "http") && pu.Host != "" {
		return pu
	}
	return nil
}

// reconnectingIn says when the next attempt to reach Pieces OS is due, in
// whole seconds.
func reconnectingIn(next, now time.Time) string {
	d := next.Sub(now)
	if d <= 0 {
		return "Reconnecting to Pieces OS…"
	}
	secs := int((d + time.Second - 1) / time.Second)
	return fmt.Sprintf("Reconnecting to Pieces OS in %d s", secs)
}

// refreshFor is how soon a countdown to next changes its text.
func refreshFor(next, now time.Time) time.Duration {
	d := next.Sub(now)
	if d <= 0 {
		return 0
	}
	if r := d % time.Second; r > 0 {
		return r
	}
	return time.Second
}

// busy says what the core is doing, for the actions that take a while.
var busy = map[app.Action]string{
	app.ActionSignIn:    "Starting sign-in…",
	app.ActionSignOut:   "Signing out…",
	app.ActionSetVanity: "Saving your vanity name…",
	app.ActionSetBeta:   "Updating the beta program…",
	app.ActionRefresh:   "Refreshing your profile…",
	app.ActionRetry:     "Looking for Pieces OS…",
}

func busyWords(a app.Action) string { return cmp.Or(busy[a], "Working…") }

// oneLine joins the lines of s and drops a final period, for a menu label.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.TrimSuffix(s, ".")
}

// lowerFirst lower-cases the first letter of a sentence that continues
// another.
func lowerFirst(s string) string {
	return strings.ToLower(s[:1]) + s[1:]
}

// clip shortens a label to maxLabel characters.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxLabel {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:maxLabel-1]), " ") + "…"
}
