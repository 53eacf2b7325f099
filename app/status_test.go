package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"piecestray/apiclient"
)

func TestFormatStatusAndExitCode(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	ada := &apiclient.UserProfile{ID: "u", Name: "Ada Lovelace", Email: "ada@example.com", Username: "ada", VanityName: "ada"}
	tests := []struct {
		name  string
		state State
		code  int
		want  []string
	}{
		{"signed in", State{Phase: PhaseSignedIn, User: ada, Storage: StorageInfo{Kind: StorageKeyring},
			PiecesOS: PiecesOSInfo{URL: "http://127.0.0.1:39300"}, Stream: StreamInfo{Status: StreamLive}}, ExitSignedIn,
			[]string{"Signed in to Pieces as Ada Lovelace (ada@example.com)", "Username: ada", "ada.pieces.cloud", "system keyring", "Live updates: connected"}},
		{"memory only, retrying", State{Phase: PhaseSignedIn, User: ada, Storage: StorageInfo{Kind: StorageMemory, Why: "The keyring is locked."},
			Stream: StreamInfo{Status: StreamRetrying, NextAttempt: now.Add(3 * time.Second)}}, ExitSignedIn,
			[]string{"kept in memory only (The keyring is locked.)", "reconnecting in 3s"}},
		{"signed out", State{Phase: PhaseSignedOut, LastError: "Sign-in failed."}, ExitSignedOut,
			[]string{"Not signed in to Pieces", "Last error: Sign-in failed."}},
		{"signing in", State{Phase: PhaseSigningIn, SignIn: &SignInInfo{URL: "https://auth.example/authorize?x"}}, ExitSignedOut,
			[]string{"waiting for the browser", "https://auth.example/authorize?x"}},
		{"sign-in needed", State{Phase: PhaseSignInNeeded, Reason: "Your session expired."}, ExitSignedOut,
			[]string{"Sign-in needed", "Your session expired."}},
		{"not running", State{Phase: PhaseNotRunning, PiecesOS: PiecesOSInfo{Tried: []string{"127.0.0.1:39300-39333", "127.0.0.1:1000"}}}, ExitNotRunning,
			[]string{"Pieces OS is not running", "Tried: 127.0.0.1:39300-39333, 127.0.0.1:1000", "PIECES_OS_URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := FormatStatus(tt.state, now)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("FormatStatus lacks %q:\n%s", w, out)
				}
			}
			if got := ExitCode(tt.state); got != tt.code {
				t.Errorf("ExitCode = %d; want %d", got, tt.code)
			}
		})
	}
}

// fakePiecesOS answers Version and UserSnapshot; other calls are not used.
type fakePiecesOS struct {
	PiecesOS
	snap *apiclient.ReturnedUserProfile
	err  error
}

func (f fakePiecesOS) Version(context.Context) (string, error) { return "12.3.0", nil }
func (f fakePiecesOS) UserSnapshot(context.Context) (*apiclient.ReturnedUserProfile, error) {
	return f.snap, f.err
}

func TestSnapshotState(t *testing.T) {
	found := func(context.Context) (string, error) { return "http://127.0.0.1:39300", nil }
	tests := []struct {
		name     string
		discover func(context.Context) (string, error)
		client   fakePiecesOS
		phase    Phase
		code     int
	}{
		{"not running", func(context.Context) (string, error) {
			return "", &apiclient.NotRunningError{Tried: []string{"http://127.0.0.1:39300"}}
		}, fakePiecesOS{}, PhaseNotRunning, ExitNotRunning},
		{"signed in", found, fakePiecesOS{snap: &apiclient.ReturnedUserProfile{User: &apiclient.UserProfile{ID: "u"}}}, PhaseSignedIn, ExitSignedIn},
		{"signed out", found, fakePiecesOS{snap: &apiclient.ReturnedUserProfile{}}, PhaseSignedOut, ExitSignedOut},
		{"answers 500", found, fakePiecesOS{err: &apiclient.StatusError{Op: "user_snapshot", StatusCode: 500}}, PhaseConnecting, ExitSignedOut},
		{"stopped meanwhile", found, fakePiecesOS{err: &apiclient.NotRunningError{}}, PhaseNotRunning, ExitNotRunning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := SnapshotState(context.Background(), tt.discover, func(string) PiecesOS { return tt.client })
			if st.Phase != tt.phase || ExitCode(st) != tt.code {
				t.Errorf("phase %q, exit %d; want %q, %d", st.Phase, ExitCode(st), tt.phase, tt.code)
			}
		})
	}
}
