package status

import (
	"context"
	"strings"
	"testing"
	"time"

	"piecestray/apiclient"
	"piecestray/app"
)

func TestTextAndExitCode(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	ada := &apiclient.UserProfile{ID: "u", Name: "Ada Lovelace", Email: "ada@example.com", Username: "ada", VanityName: "ada"}
	tests := []struct {
		name  string
		state app.State
		code  int
		want  []string
	}{
		{"signed in", app.State{Phase: app.PhaseSignedIn, User: ada, Storage: app.StorageInfo{Kind: app.StorageKeyring},
			PiecesOS: app.PiecesOSInfo{URL: "http://127.0.0.1:39300"}, Stream: app.StreamInfo{Status: app.StreamLive}}, ExitSignedIn,
			[]string{"Signed in to Pieces as Ada Lovelace (ada@example.com)", "Username: ada", "ada.pieces.cloud", "system keyring", "Live updates: connected"}},
		{"memory only, retrying", app.State{Phase: app.PhaseSignedIn, User: ada, Storage: app.StorageInfo{Kind: app.StorageMemory, Why: "The keyring is locked."},
			Stream: app.StreamInfo{Status: app.StreamRetrying, NextAttempt: now.Add(3 * time.Second)}}, ExitSignedIn,
			[]string{"kept in memory only (The keyring is locked.)", "reconnecting in 3s"}},
		{"signed out", app.State{Phase: app.PhaseSignedOut, LastError: "Sign-in failed."}, ExitSignedOut,
			[]string{"Not signed in to Pieces", "Last error: Sign-in failed."}},
		{"signing in", app.State{Phase: app.PhaseSigningIn, SignIn: &app.SignInInfo{URL: "https://auth.example/authorize?x"}}, ExitSignedOut,
			[]string{"waiting for the browser", "https://auth.example/authorize?x"}},
		{"sign-in needed", app.State{Phase: app.PhaseSignInNeeded, Reason: "Your session expired."}, ExitSignedOut,
			[]string{"Sign-in needed", "Your session expired."}},
		{"not running", app.State{Phase: app.PhaseNotRunning, PiecesOS: app.PiecesOSInfo{Tried: []string{"127.0.0.1:39300-39333", "127.0.0.1:1000"}}}, ExitNotRunning,
			[]string{"Pieces OS is not running", "Tried: 127.0.0.1:39300-39333, 127.0.0.1:1000", "PIECES_OS_URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Text(tt.state, now)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("Text lacks %q:\n%s", w, out)
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
	app.PiecesOS
	snap *apiclient.ReturnedUserProfile
	err  error
}

func (f fakePiecesOS) Version(context.Context) (string, error) { return "12.3.0", nil }
func (f fakePiecesOS) UserSnapshot(context.Context) (*apiclient.ReturnedUserProfile, error) {
	return f.snap, f.err
}

func TestSnapshot(t *testing.T) {
	found := func(context.Context) (string, error) { return "http://127.0.0.1:39300", nil }
	tests := []struct {
		name     string
		discover func(context.Context) (string, error)
		client   fakePiecesOS
		phase    app.Phase
		code     int
	}{
		{"not running", func(context.Context) (string, error) {
			return "", &apiclient.NotRunningError{Tried: []string{"http://127.0.0.1:39300"}}
		}, fakePiecesOS{}, app.PhaseNotRunning, ExitNotRunning},
		{"signed in", found, fakePiecesOS{snap: &apiclient.ReturnedUserProfile{User: &apiclient.UserProfile{ID: "u"}}}, app.PhaseSignedIn, ExitSignedIn},
		{"signed out", found, fakePiecesOS{snap: &apiclient.ReturnedUserProfile{}}, app.PhaseSignedOut, ExitSignedOut},
		{"answers 500", found, fakePiecesOS{err: &apiclient.StatusError{Op: "user_snapshot", StatusCode: 500}}, app.PhaseConnecting, ExitSignedOut},
		{"answers 500 to the health check", func(context.Context) (string, error) {
			return "", &apiclient.StatusError{Op: apiclient.OpHealth, StatusCode: 500}
		}, fakePiecesOS{}, app.PhaseConnecting, ExitSignedOut},
		{"stopped meanwhile", found, fakePiecesOS{err: &apiclient.NotRunningError{}}, app.PhaseNotRunning, ExitNotRunning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := Snapshot(context.Background(), tt.discover, func(string) app.PiecesOS { return tt.client })
			if st.Phase != tt.phase || ExitCode(st) != tt.code {
				t.Errorf("phase %q, exit %d; want %q, %d", st.Phase, ExitCode(st), tt.phase, tt.code)
			}
		})
	}
}

// Profile text from outside is printed cleaned: it cannot move the cursor,
// retitle or clear the terminal, start a new line or read backwards.
func TestTextCleansProfileText(t *testing.T) {
	for name, text := range map[string]string{
		"ESC": "Ada\x1b[2J", "OSC": "Ada\x1b]0;title\x07", "CR/LF": "Ada\r\nLovelace",
		"U+202E": "Ada \u202egpj.exe", "long": strings.Repeat("A", 10000),
	} {
		p := &apiclient.UserProfile{ID: "u", Name: text, Email: text, Username: text, VanityName: text}
		out := Text(app.State{Phase: app.PhaseSignedIn, User: p, PiecesOS: app.PiecesOSInfo{Version: text}}, time.Now())
		for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if strings.ContainsAny(line, "\x1b\x07\r\u202e") || len(line) > 400 {
				t.Errorf("%s: line %d is %q", name, i, line)
			}
		}
	}
}
