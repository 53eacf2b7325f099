package tray

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"piecestray/apiclient"
	"piecestray/app"
	"piecestray/assets"
)

var now = time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC)

func jane() *apiclient.UserProfile {
	return &apiclient.UserProfile{ID: "u1", Name: "Jane Doe", Email: "jane@example.com", Aesthetics: &apiclient.Aesthetics{}}
}

func withVanity(p *apiclient.UserProfile, name string) *apiclient.UserProfile {
	p.VanityName = name
	p.Allocation = &apiclient.AllocationCloud{URLs: &apiclient.AllocationCloudURLs{
		Vanity: &apiclient.AllocationCloudURL{URL: "https://" + name + ".pieces.cloud", Status: apiclient.AllocationRunning},
	}}
	return p
}

func withBeta(p *apiclient.UserProfile) *apiclient.UserProfile {
	yes := true
	p.Auth0 = &apiclient.Auth0UserMetadata{Beta: &apiclient.AnonymousTemporalRange{
		From: &apiclient.GroupedTimestamp{Value: now.Add(-time.Hour)}, Continuous: &yes}}
	return p
}

func live(s app.State) app.State {
	s.Stream = app.StreamInfo{Status: app.StreamLive}
	s.PiecesOS.URL = "http://127.0.0.1:39300"
	return s
}

// render lists the visible items, marking disabled ones with "(off)" and
// check boxes with [ ] or [x].
func render(m Menu) []string {
	var out []string
	for _, it := range m.Items {
		if !it.Visible {
			continue
		}
		s := it.Label
		if it.Checkable {
			if it.Checked {
				s = "[x] " + s
			} else {
				s = "[ ] " + s
			}
		}
		if !it.Enabled {
			s += " (off)"
		}
		out = append(out, s)
	}
	return out
}

func TestModel(t *testing.T) {
	tests := []struct {
		name    string
		state   app.State
		icon    assets.Kind
		tooltip string
		items   []string
		refresh time.Duration
	}{
		{
			name:    "connecting",
			state:   app.State{Phase: app.PhaseConnecting, Stream: app.StreamInfo{Status: app.StreamConnecting}},
			icon:    assets.KindNotRunning,
			tooltip: "Pieces: Connecting to Pieces OS",
			items: []string{"Connecting to Pieces OS… (off)", "Sign in… (off)", "Account…", "Vanity name… (off)",
				"[ ] Beta program… (off)", "Sign out… (off)", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name: "not running",
			state: app.State{Phase: app.PhaseNotRunning, Stream: app.StreamInfo{Status: app.StreamNotRunning},
				PiecesOS: app.PiecesOSInfo{Tried: []string{"127.0.0.1:39300"}}},
			icon:    assets.KindNotRunning,
			tooltip: "Pieces: Pieces OS is not running",
			items: []string{"Pieces OS is not running (off)", "Start Pieces OS; this menu updates by itself (off)",
				"Sign in… (off)", "Look for Pieces OS again", "Account…", "Vanity name… (off)",
				"[ ] Beta program… (off)", "Sign out… (off)", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name:    "not running, retry under way",
			state:   app.State{Phase: app.PhaseNotRunning, Busy: app.ActionRetry},
			icon:    assets.KindNotRunning,
			tooltip: "Pieces: Pieces OS is not running · looking for Pieces OS",
			items: []string{"Pieces OS is not running (off)", "Looking for Pieces OS… (off)",
				"Sign in… (off)", "Look for Pieces OS again (off)", "Account…", "Vanity name… (off)",
				"[ ] Beta program… (off)", "Sign out… (off)", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name:    "signed out",
			state:   live(app.State{Phase: app.PhaseSignedOut}),
			icon:    assets.KindSignedOut,
			tooltip: "Pieces: Not signed in",
			items: []string{"Not signed in (off)", "Sign in…", "Account…", "Vanity name… (off)",
				"[ ] Beta program… (off)", "Sign out… (off)", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name: "signing in",
			state: live(app.State{Phase: app.PhaseSigningIn, SignIn: &app.SignInInfo{
				URL: "https://auth.example/authorize?x=1", StartedAt: now, Deadline: now.Add(5 * time.Minute)}}),
			icon:    assets.KindSigningIn,
			tooltip: "Pieces: Signing in",
			items: []string{"Signing in — continue in your browser (off)", "Page showed an error? Cancel, copy the link, or use --sign-in pieces-os (off)",
				"Sign in… (off)", "Cancel sign-in", "Copy sign-in link",
				"Account…", "Vanity name… (off)", "[ ] Beta program… (off)", "Sign out… (off)", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name: "signing in through Pieces OS",
			state: live(app.State{Phase: app.PhaseSigningIn, Mode: app.ModePiecesOS, Storage: app.StorageInfo{Kind: app.StoragePiecesOS},
				SignIn: &app.SignInInfo{StartedAt: now, Deadline: now.Add(5 * time.Minute)}}),
			icon:    assets.KindSigningIn,
			tooltip: "Pieces: Signing in",
			items: []string{"Signing in — continue in your browser (off)", "Pieces OS opened its sign-in page in your browser (off)",
				"Sign in… (off)", "Cancel sign-in", "Copy sign-in link (off)",
				"Account…", "Vanity name… (off)", "[ ] Beta program… (off)", "Sign out… (off)", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name:    "signing in, link not known yet",
			state:   live(app.State{Phase: app.PhaseSigningIn, SignIn: &app.SignInInfo{StartedAt: now}}),
			icon:    assets.KindSigningIn,
			tooltip: "Pieces: Signing in",
			items: []string{"Signing in — continue in your browser (off)", "Page showed an error? Cancel, copy the link, or use --sign-in pieces-os (off)",
				"Sign in… (off)", "Cancel sign-in", "Copy sign-in link (off)",
				"Account…", "Vanity name… (off)", "[ ] Beta program… (off)", "Sign out… (off)", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name:    "signed in",
			state:   live(app.State{Phase: app.PhaseSignedIn, User: jane(), Storage: app.StorageInfo{Kind: app.StorageKeyring}}),
			icon:    assets.KindSignedIn,
			tooltip: "Pieces: Signed in as Jane Doe (jane@example.com)",
			items: []string{"Jane Doe (jane@example.com) (off)", "Sign in… (off)", "Account…", "Vanity name…",
				"[ ] Beta program…", "Sign out…", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name:    "signed in with a cloud and the beta",
			state:   live(app.State{Phase: app.PhaseSignedIn, User: withBeta(withVanity(jane(), "jane"))}),
			icon:    assets.KindSignedIn,
			tooltip: "Pieces: Signed in as Jane Doe (jane@example.com)",
			items: []string{"Jane Doe (jane@example.com) (off)", "Sign in… (off)", "Account…", "Vanity name…",
				"[x] Beta program…", "Open jane.pieces.cloud", "Sign out…", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name:    "signed in, email only",
			state:   live(app.State{Phase: app.PhaseSignedIn, User: &apiclient.UserProfile{ID: "u2", Email: "x@example.com"}}),
			icon:    assets.KindSignedIn,
			tooltip: "Pieces: Signed in as x@example.com",
			items: []string{"x@example.com (off)", "Sign in… (off)", "Account…", "Vanity name…",
				"[ ] Beta program…", "Sign out…", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name: "signed in, stream retrying",
			state: app.State{Phase: app.PhaseSignedIn, User: jane(),
				Stream: app.StreamInfo{Status: app.StreamRetrying, NextAttempt: now.Add(2500 * time.Millisecond), Err: "connection reset"}},
			icon:    assets.KindSignedIn,
			tooltip: "Pieces: Signed in as Jane Doe (jane@example.com)",
			items: []string{"Jane Doe (jane@example.com) (off)", "Reconnecting to Pieces OS in 3 s (off)", "Sign in… (off)", "Account…",
				"Vanity name… (off)", "[ ] Beta program… (off)", "Sign out…", "Diagnose…", "Quit Pieces Tray"},
			refresh: 500 * time.Millisecond,
		},
		{
			name: "signed out, stream retrying",
			state: app.State{Phase: app.PhaseSignedOut,
				Stream: app.StreamInfo{Status: app.StreamRetrying, NextAttempt: now.Add(3 * time.Second)}},
			icon:    assets.KindSignedOut,
			tooltip: "Pieces: Not signed in · reconnecting to Pieces OS in 3 s",
			items: []string{"Reconnecting to Pieces OS in 3 s (off)", "Sign in… (off)", "Account…",
				"Vanity name… (off)", "[ ] Beta program… (off)", "Sign out… (off)", "Diagnose…", "Quit Pieces Tray"},
			refresh: time.Second,
		},
		{
			name: "retry due now",
			state: app.State{Phase: app.PhaseSignedOut,
				Stream: app.StreamInfo{Status: app.StreamRetrying, NextAttempt: now.Add(-time.Second)}},
			icon:    assets.KindSignedOut,
			tooltip: "Pieces: Not signed in · reconnecting to Pieces OS…",
			items: []string{"Reconnecting to Pieces OS… (off)", "Sign in… (off)", "Account…",
				"Vanity name… (off)", "[ ] Beta program… (off)", "Sign out… (off)", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name:    "sign-in needed",
			state:   live(app.State{Phase: app.PhaseSignInNeeded, Reason: "Your session has expired.\nSign in again."}),
			icon:    assets.KindAttention,
			tooltip: "Pieces: Sign-in needed",
			items: []string{"Sign-in needed: Your session has expired. Sign in again (off)",
				"Sign in again to keep using your account (off)", "Sign in…", "Account…", "Vanity name… (off)",
				"[ ] Beta program… (off)", "Sign out…", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name: "signed in, memory-only storage",
			state: live(app.State{Phase: app.PhaseSignedIn, User: jane(),
				Storage: app.StorageInfo{Kind: app.StorageMemory, Why: "The keyring is locked."}}),
			icon:    assets.KindSignedIn,
			tooltip: "Pieces: Signed in as Jane Doe (jane@example.com)",
			items: []string{"Jane Doe (jane@example.com) (off)", "Session kept in memory only: The keyring is locked (off)",
				"Sign in… (off)", "Account…", "Vanity name…", "[ ] Beta program…", "Sign out…", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name:    "signing out",
			state:   live(app.State{Phase: app.PhaseSignedIn, User: jane(), Busy: app.ActionSignOut}),
			icon:    assets.KindSignedIn,
			tooltip: "Pieces: Signed in as Jane Doe (jane@example.com) · signing out",
			items: []string{"Jane Doe (jane@example.com) (off)", "Signing out… (off)", "Sign in… (off)", "Account…", "Vanity name…",
				"[ ] Beta program…", "Signing out… (off)", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name:    "signed out, busy",
			state:   live(app.State{Phase: app.PhaseSignedOut, Busy: app.ActionRefresh}),
			icon:    assets.KindSignedOut,
			tooltip: "Pieces: Not signed in · refreshing your profile",
			items: []string{"Not signed in (off)", "Refreshing your profile… (off)", "Sign in… (off)", "Account…",
				"Vanity name… (off)", "[ ] Beta program… (off)", "Sign out… (off)", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name:    "signed in, last error",
			state:   live(app.State{Phase: app.PhaseSignedIn, User: jane(), LastError: "That vanity name is taken."}),
			icon:    assets.KindAttention,
			tooltip: "Pieces: Signed in as Jane Doe (jane@example.com)",
			items: []string{"Jane Doe (jane@example.com) (off)", "That vanity name is taken (off)", "Sign in… (off)", "Account…",
				"Vanity name…", "[ ] Beta program…", "Sign out…", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name:    "signed-in phase without a user",
			state:   live(app.State{Phase: app.PhaseSignedIn}),
			icon:    assets.KindSignedOut,
			tooltip: "Pieces: Not signed in",
			items: []string{"Not signed in (off)", "Sign in… (off)", "Account…", "Vanity name… (off)",
				"[ ] Beta program… (off)", "Sign out… (off)", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name:    "unknown phase",
			state:   app.State{Phase: "from_the_future"},
			icon:    assets.KindNotRunning,
			tooltip: "Pieces: Connecting to Pieces OS",
			items: []string{"Connecting to Pieces OS… (off)", "Sign in… (off)", "Account…", "Vanity name… (off)",
				"[ ] Beta program… (off)", "Sign out… (off)", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			// The core signs out without Pieces OS: it removes the session
			// stored here and says what remains.
			name: "not running, session stored",
			state: app.State{Phase: app.PhaseNotRunning, Storage: app.StorageInfo{Kind: app.StorageKeyring},
				Stream: app.StreamInfo{Status: app.StreamNotRunning}},
			icon:    assets.KindNotRunning,
			tooltip: "Pieces: Pieces OS is not running",
			items: []string{"Pieces OS is not running (off)", "Start Pieces OS; this menu updates by itself (off)",
				"Sign in… (off)", "Look for Pieces OS again", "Account…", "Vanity name… (off)",
				"[ ] Beta program… (off)", "Sign out…", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name: "connecting, session kept in memory",
			state: app.State{Phase: app.PhaseConnecting, Stream: app.StreamInfo{Status: app.StreamConnecting},
				Storage: app.StorageInfo{Kind: app.StorageMemory, Why: "The keyring is locked."}},
			icon:    assets.KindNotRunning,
			tooltip: "Pieces: Connecting to Pieces OS",
			items: []string{"Connecting to Pieces OS… (off)", "Session kept in memory only: The keyring is locked (off)",
				"Sign in… (off)", "Account…", "Vanity name… (off)", "[ ] Beta program… (off)", "Sign out…",
				"Diagnose…", "Quit Pieces Tray"},
		},
		{
			name:    "signed out, nothing stored",
			state:   live(app.State{Phase: app.PhaseSignedOut, Storage: app.StorageInfo{Kind: app.StorageNone}}),
			icon:    assets.KindSignedOut,
			tooltip: "Pieces: Not signed in",
			items: []string{"Not signed in (off)", "Sign in…", "Account…", "Vanity name… (off)",
				"[ ] Beta program… (off)", "Sign out… (off)", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name: "stored session unreadable",
			state: live(app.State{Phase: app.PhaseSignedOut, Storage: app.StorageInfo{Kind: app.StorageNone,
				Why: "The keyring is locked: unlock it and choose Retry."}}),
			icon:    assets.KindAttention,
			tooltip: "Pieces: Not signed in",
			items: []string{"Not signed in (off)", "The keyring is locked: unlock it and choose Retry (off)",
				"Sign in…", "Retry", "Account…", "Vanity name… (off)", "[ ] Beta program… (off)",
				"Sign out… (off)", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name: "stored session unreadable, retry under way",
			state: live(app.State{Phase: app.PhaseSignedOut, Busy: app.ActionRetry,
				Storage: app.StorageInfo{Kind: app.StorageNone, Why: "The keyring is locked."}}),
			icon:    assets.KindAttention,
			tooltip: "Pieces: Not signed in · looking for Pieces OS",
			items: []string{"Not signed in (off)", "Looking for Pieces OS… (off)", "Sign in… (off)", "Retry (off)",
				"Account…", "Vanity name… (off)", "[ ] Beta program… (off)", "Sign out… (off)", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name: "stored session unreadable, signed in on Pieces OS",
			state: live(app.State{Phase: app.PhaseSignedIn, User: jane(),
				Storage: app.StorageInfo{Kind: app.StorageNone, Why: "No Secret Service is running."}}),
			icon:    assets.KindSignedIn,
			tooltip: "Pieces: Signed in as Jane Doe (jane@example.com)",
			items: []string{"Jane Doe (jane@example.com) (off)", "No Secret Service is running (off)", "Sign in… (off)",
				"Retry", "Account…", "Vanity name…", "[ ] Beta program…", "Sign out…", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			name: "not running, stored session unreadable",
			state: app.State{Phase: app.PhaseNotRunning, Stream: app.StreamInfo{Status: app.StreamNotRunning},
				Storage: app.StorageInfo{Kind: app.StorageNone, Why: "The keyring is locked."}},
			icon:    assets.KindAttention,
			tooltip: "Pieces: Pieces OS is not running",
			items: []string{"Pieces OS is not running (off)", "The keyring is locked (off)", "Sign in… (off)",
				"Look for Pieces OS again", "Account…", "Vanity name… (off)", "[ ] Beta program… (off)",
				"Sign out… (off)", "Diagnose…", "Quit Pieces Tray"},
		},
		{
			// The lost connection disables Vanity and Beta, and the header
			// names the user: the detail says why before the last error.
			name: "signed in, stream retrying, last error",
			state: app.State{Phase: app.PhaseSignedIn, User: jane(), LastError: "That vanity name is taken.",
				Stream: app.StreamInfo{Status: app.StreamRetrying, NextAttempt: now.Add(time.Second)}},
			icon:    assets.KindAttention,
			tooltip: "Pieces: Signed in as Jane Doe (jane@example.com)",
			items: []string{"Jane Doe (jane@example.com) (off)", "Reconnecting to Pieces OS in 1 s (off)", "Sign in… (off)",
				"Account…", "Vanity name… (off)", "[ ] Beta program… (off)", "Sign out…", "Diagnose…", "Quit Pieces Tray"},
			refresh: time.Second,
		},
		{
			name:    "signed out, busy, last error",
			state:   live(app.State{Phase: app.PhaseSignedOut, Busy: app.ActionRefresh, LastError: "It failed."}),
			icon:    assets.KindAttention,
			tooltip: "Pieces: Not signed in · refreshing your profile",
			items: []string{"Not signed in (off)", "Refreshing your profile… (off)", "Sign in… (off)", "Account…",
				"Vanity name… (off)", "[ ] Beta program… (off)", "Sign out… (off)", "Diagnose…", "Quit Pieces Tray"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Model(tt.state, now)
			if m.Icon != tt.icon {
				t.Errorf("Model().Icon = %q; want %q", m.Icon, tt.icon)
			}
			if m.Tooltip != tt.tooltip {
				t.Errorf("Model().Tooltip = %q; want %q", m.Tooltip, tt.tooltip)
			}
			if m.Refresh != tt.refresh {
				t.Errorf("Model().Refresh = %v; want %v", m.Refresh, tt.refresh)
			}
			got := render(m)
			if strings.Join(got, "\n") != strings.Join(tt.items, "\n") {
				t.Errorf("Model() items:\n%s\nwant:\n%s", fmt.Sprintf("%q", got), fmt.Sprintf("%q", tt.items))
			}
			for id, it := range m.Items {
				if it.Visible && it.Label == "" {
					t.Errorf("Model().Items[%v] has no label", ItemID(id))
				}
			}
		})
	}
}

func TestModelURLs(t *testing.T) {
	signing := live(app.State{Phase: app.PhaseSigningIn, SignIn: &app.SignInInfo{URL: "https://auth.example/authorize"}})
	if got := Model(signing, now).SignInURL; got != "https://auth.example/authorize" {
		t.Errorf("Model(signing in).SignInURL = %q; want the sign-in URL", got)
	}
	if got := Model(live(app.State{Phase: app.PhaseSignedOut}), now).SignInURL; got != "" {
		t.Errorf("Model(signed out).SignInURL = %q; want \"\"", got)
	}
	tests := []struct {
		name string
		user *apiclient.UserProfile
		want string
	}{
		{"allocation URL", withVanity(jane(), "jane"), "https://jane.pieces.cloud"},
		{"vanity name only", &apiclient.UserProfile{ID: "u", Name: "J", VanityName: "jd"}, "https://jd.pieces.cloud"},
		{"no cloud", jane(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Model(live(app.State{Phase: app.PhaseSignedIn, User: tt.user}), now)
			if m.CloudURL != tt.want {
				t.Errorf("Model().CloudURL = %q; want %q", m.CloudURL, tt.want)
			}
		})
	}
}

func TestModelClipsLongText(t *testing.T) {
	long := strings.Repeat("very long reason ", 20)
	m := Model(live(app.State{Phase: app.PhaseSignInNeeded, Reason: long}), now)
	h := m.Item(Header).Label
	if n := len([]rune(h)); n > maxLabel {
		t.Errorf("header has %d characters; want at most %d", n, maxLabel)
	}
	if !strings.HasSuffix(h, "…") {
		t.Errorf("clipped header %q does not end with an ellipsis", h)
	}
}

func TestModelIsPure(t *testing.T) {
	s := live(app.State{Phase: app.PhaseSignedIn, User: withBeta(withVanity(jane(), "jane"))})
	if a, b := Model(s, now), Model(s, now); a != b {
		t.Errorf("Model(s, now) differs between two calls:\n%+v\n%+v", a, b)
	}
}

// allStates is a cross product of the facts Model reads, for properties
// that must hold in every state.
func allStates() []app.State {
	phases := []app.Phase{app.PhaseConnecting, app.PhaseNotRunning, app.PhaseSignedOut, app.PhaseSigningIn,
		app.PhaseSignedIn, app.PhaseSignInNeeded, "from_the_future"}
	storages := []app.StorageInfo{{}, {Kind: app.StorageNone}, {Kind: app.StorageNone, Why: "The keyring is locked."},
		{Kind: app.StorageKeyring}, {Kind: app.StorageMemory, Why: "The keyring is locked."}}
	streams := []app.StreamInfo{{Status: app.StreamLive}, {Status: app.StreamConnecting}, {Status: app.StreamNotRunning},
		{Status: app.StreamRetrying, NextAttempt: now.Add(2 * time.Second)}}
	busies := []app.Action{"", app.ActionSignOut, app.ActionRefresh, app.ActionRetry, app.ActionSetVanity}
	var out []app.State
	for _, ph := range phases {
		for _, st := range storages {
			for _, sm := range streams {
				for _, b := range busies {
					for _, lastErr := range []string{"", "It failed."} {
						s := app.State{Phase: ph, Storage: st, Stream: sm, Busy: b, LastError: lastErr}
						switch ph {
						case app.PhaseSignedIn:
							s.User = withVanity(jane(), "jane")
						case app.PhaseSigningIn:
							s.SignIn = &app.SignInInfo{URL: "https://auth.example/authorize"}
						}
						out = append(out, s)
					}
				}
			}
		}
	}
	return out
}

// TestModelDisablesNotHides checks, in every state, that the items that
// exist in every state are never hidden, and that a disabled one comes with
// a reason: a header that states the situation, a detail line, or its own
// label.
func TestModelDisablesNotHides(t *testing.T) {
	always := []ItemID{Header, SignIn, Account, Vanity, Beta, SignOut, Diagnose, Quit}
	for _, s := range allStates() {
		m := Model(s, now)
		name := fmt.Sprintf("phase %s, storage %+v, stream %s, busy %q, error %q", s.Phase, s.Storage, s.Stream.Status, s.Busy, s.LastError)
		for _, id := range always {
			if !m.Item(id).Visible {
				t.Errorf("%s: Model().Items[%v] is hidden; want it shown (disabled when it cannot work)", name, id)
			}
		}
		detail := m.Item(Detail).Visible && m.Item(Detail).Label != ""
		if s.SignedIn() {
			// The header names the user: it explains a disabled Sign in…
			// only; anything else disabled needs the detail line or its
			// own label.
			for _, id := range []ItemID{Account, Vanity, Beta, OpenCloud, SignOut} {
				it := m.Item(id)
				if it.Visible && !it.Enabled && !detail && !strings.HasSuffix(it.Label, "ing out…") {
					t.Errorf("%s: %v is disabled and nothing says why: %q", name, id, render(m))
				}
			}
			continue
		}
		h := m.Item(Header).Label
		if (s.Phase == app.PhaseSignedOut || s.Phase == app.PhaseSignInNeeded) && !strings.HasPrefix(h, "Reconnecting") &&
			!m.Item(SignIn).Enabled && !detail {
			t.Errorf("%s: Sign in… is disabled under %q and nothing says why", name, h)
		}
	}
}

// TestModelSignOutWithoutPiecesOS: the core signs out without Pieces OS
// (it removes the session stored here), so the menu must let the person ask.
func TestModelSignOutWithoutPiecesOS(t *testing.T) {
	tests := []struct {
		name  string
		state app.State
		want  bool
	}{
		{"keyring", app.State{Phase: app.PhaseNotRunning, Storage: app.StorageInfo{Kind: app.StorageKeyring}}, true},
		{"memory", app.State{Phase: app.PhaseNotRunning, Storage: app.StorageInfo{Kind: app.StorageMemory}}, true},
		{"connecting, keyring", app.State{Phase: app.PhaseConnecting, Storage: app.StorageInfo{Kind: app.StorageKeyring}}, true},
		{"retrying, keyring", app.State{Phase: app.PhaseSignedOut, Storage: app.StorageInfo{Kind: app.StorageKeyring},
			Stream: app.StreamInfo{Status: app.StreamRetrying}}, true},
		{"nothing stored", app.State{Phase: app.PhaseNotRunning, Storage: app.StorageInfo{Kind: app.StorageNone}}, false},
		{"unreadable", app.State{Phase: app.PhaseNotRunning, Storage: app.StorageInfo{Kind: app.StorageNone, Why: "Locked."}}, false},
		{"store not read yet", app.State{Phase: app.PhaseNotRunning}, false},
		{"signing out", app.State{Phase: app.PhaseNotRunning, Storage: app.StorageInfo{Kind: app.StorageKeyring},
			Busy: app.ActionSignOut}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := Model(tt.state, now).Item(SignOut)
			if it.Enabled != tt.want || !it.Visible {
				t.Errorf("Model(%s).Item(SignOut) = enabled %v, visible %v; want enabled %v, visible", tt.name, it.Enabled, it.Visible, tt.want)
			}
		})
	}
}

// TestModelRetryReadsTheStoreAgain: when the core could not read the stored
// session, the detail line says why and Retry (app.ActionRetry) is offered.
func TestModelRetryReadsTheStoreAgain(t *testing.T) {
	why := "The keyring is locked: unlock it (log in to your desktop session) and choose Retry."
	m := Model(live(app.State{Phase: app.PhaseSignedOut, Storage: app.StorageInfo{Kind: app.StorageNone, Why: why}}), now)
	if d := m.Item(Detail); !d.Visible || !strings.HasPrefix(d.Label, "The keyring is locked") {
		t.Errorf("Model(unreadable store).Item(Detail) = %q (visible %v); want the reason", d.Label, d.Visible)
	}
	if r := m.Item(Retry); !r.Visible || !r.Enabled || r.Label != "Retry" {
		t.Errorf("Model(unreadable store).Item(Retry) = %q (enabled %v, visible %v); want \"Retry\", enabled and visible",
			r.Label, r.Enabled, r.Visible)
	}
	if m.Icon != assets.KindAttention {
		t.Errorf("Model(unreadable store).Icon = %q; want %q", m.Icon, assets.KindAttention)
	}
}

// Profile text from outside reaches the menu and tooltip cleaned.
func TestModelCleansProfileText(t *testing.T) {
	for name, text := range map[string]string{
		"ESC": "Ada\x1b[2J", "OSC": "Ada\x1b]0;title\x07", "CR/LF": "Ada\r\nLovelace",
		"U+202E": "Ada \u202egpj.exe", "long": strings.Repeat("A", 10000),
	} {
		p := &apiclient.UserProfile{ID: "u", Name: text, Username: text, VanityName: text}
		// (Error sentences are cleaned by app, where they are made.)
		m := Model(live(app.State{Phase: app.PhaseSignedIn, User: p, Storage: app.StorageInfo{Kind: app.StorageKeyring}}), now)
		shown := []string{m.Tooltip}
		for _, it := range m.Items {
			shown = append(shown, it.Label)
		}
		for _, s := range shown {
			if strings.ContainsAny(s, "\x1b\x07\r\n\u202e") {
				t.Errorf("%s: the menu shows %q", name, s)
			}
		}
	}
}

// Item returns the item with the given id.
func (m Menu) Item(id ItemID) Item { return m.Items[id] }
