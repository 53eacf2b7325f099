package status

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"piecestray/apiclient"
	"piecestray/app"
)

// Exit codes of `pieces-tray status`.
const (
	ExitSignedIn   = 0
	ExitSignedOut  = 1
	ExitNotRunning = 2
)

// ExitCode maps a state to the exit code of `pieces-tray status`: 0 signed
// in, 1 signed out (or any other state with Pieces OS running), 2 Pieces OS
// not running.
func ExitCode(s app.State) int {
	switch s.Phase {
	case app.PhaseSignedIn:
		return ExitSignedIn
	case app.PhaseNotRunning:
		return ExitNotRunning
	}
	return ExitSignedOut
}

// Text renders a state the way `gh auth status` does: who is
// signed in, where the session is kept, the Pieces OS URL and the stream.
func Text(s app.State, now time.Time) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, "  "+format+"\n", args...) }
	switch s.Phase {
	case app.PhaseNotRunning:
		b.WriteString("Pieces OS is not running\n")
		if len(s.PiecesOS.Tried) > 0 {
			line("Tried: %s", strings.Join(s.PiecesOS.Tried, ", "))
		}
		line("Start Pieces OS, or set PIECES_OS_URL if it listens elsewhere.")
		return b.String()
	case app.PhaseSignedIn:
		fmt.Fprintf(&b, "Signed in to Pieces as %s\n", app.DisplayName(s.User))
	case app.PhaseSigningIn:
		b.WriteString("Signing in: waiting for the browser\n")
		if s.Mode == app.ModePiecesOS {
			line("Pieces OS opened its sign-in page in your browser.")
		}
		if s.SignIn != nil && s.SignIn.URL != "" {
			line("Sign-in page: %s", s.SignIn.URL)
		}
	case app.PhaseSignInNeeded:
		b.WriteString("Sign-in needed\n")
		line("%s", s.Reason)
	case app.PhaseConnecting:
		b.WriteString("Connecting to Pieces OS\n")
	default:
		b.WriteString("Not signed in to Pieces\n")
	}
	if s.User != nil {
		if s.User.Username != "" {
			line("Username: %s", app.Clean(s.User.Username))
		}
		if v := app.VanityName(s.User); v != "" {
			line("Personal cloud: %s", app.VanityHost(v))
		}
		if app.BetaOptedIn(s.User, now) {
			line("Beta program: joined")
		}
	}
	switch s.Storage.Kind {
	case app.StorageKeyring:
		line("Session: kept in the system keyring")
	case app.StorageMemory:
		line("Session: kept in memory only (%s)", s.Storage.Why)
	case app.StoragePiecesOS:
		line("Session: kept by Pieces OS (sign-in mode pieces-os)")
	default:
		if s.Storage.Why != "" {
			line("Session: none stored (%s)", s.Storage.Why)
		}
	}
	if s.PiecesOS.URL != "" {
		v := ""
		if s.PiecesOS.Version != "" {
			v = " (version " + s.PiecesOS.Version + ")"
		}
		line("Pieces OS: %s%s", s.PiecesOS.URL, v)
	}
	switch s.Stream.Status {
	case app.StreamLive:
		line("Live updates: connected")
	case app.StreamRetrying:
		wait := s.Stream.NextAttempt.Sub(now).Round(time.Second)
		if wait < 0 {
			wait = 0
		}
		line("Live updates: reconnecting in %s", wait)
	case app.StreamConnecting:
		line("Live updates: connecting")
	case app.StreamIdle:
		line("Live updates: not followed (no agent running)")
	}
	if s.LastError != "" {
		line("Last error: %s", s.LastError)
	}
	return b.String()
}

// Snapshot reads the state straight from Pieces OS, for
// `pieces-tray status` when no agent runs: one GET /user, no stream.
func Snapshot(ctx context.Context, discover func(context.Context) (string, error), newClient func(string) app.PiecesOS) app.State {
	s := app.State{Stream: app.StreamInfo{Status: app.StreamIdle}, Storage: app.StorageInfo{Kind: app.StorageNone}}
	base, err := discover(ctx)
	switch {
	case errors.Is(err, apiclient.ErrNotRunning):
		s.Phase = app.PhaseNotRunning
		s.Reason = app.Human(err)
		return s
	case err != nil: // it answered, but not well: running (exit 1, not 2)
		s.Phase = app.PhaseConnecting
		s.LastError = app.Human(err)
		return s
	}
	s.PiecesOS.URL = base
	client := newClient(base)
	if v, err := client.Version(ctx); err == nil {
		s.PiecesOS.Version = app.Clean(v) // printed as is
	}
	snap, err := client.UserSnapshot(ctx)
	switch {
	case errors.Is(err, apiclient.ErrNotRunning):
		s.Phase = app.PhaseNotRunning
		s.Reason = app.Human(err)
	case err != nil:
		// Pieces OS runs but did not say who is signed in.
		s.Phase = app.PhaseConnecting
		s.LastError = "Pieces OS did not say who is signed in: " + app.Human(err)
	case snap.User != nil:
		s.Phase = app.PhaseSignedIn
		s.User = snap.User
	default:
		s.Phase = app.PhaseSignedOut
	}
	return s
}
