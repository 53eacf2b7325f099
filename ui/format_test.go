package ui

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"piecestray/apiclient"
	"piecestray/app"
)

func TestNoticeFor(t *testing.T) {
	needed := signedOut()
	needed.Phase, needed.Reason = app.PhaseSignInNeeded, "the session was revoked"
	signingIn := signedOut()
	signingIn.Phase = app.PhaseSigningIn
	connecting := app.State{Phase: app.PhaseConnecting}
	tests := []struct {
		name        string
		s           app.State
		wantBlocked bool
		wantTitle   string
		wantAction  app.Action
	}{
		{"signed in", signedIn(profile()), false, "", ""},
		{"signed out", signedOut(), true, "You are signed out", app.ActionSignIn},
		{"not running", notRunning(), true, "Pieces OS is not running", app.ActionRetry},
		{"sign-in needed", needed, true, "Sign-in needed", app.ActionSignIn},
		{"signing in", signingIn, true, "Signing in…", app.ActionCancelSignIn},
		{"connecting", connecting, true, "Looking for Pieces OS…", ""},
		{"signed in without user", app.State{Phase: app.PhaseSignedIn}, true, "Connecting…", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, blocked := noticeFor(tt.s, "to test")
			if blocked != tt.wantBlocked || n.Title != tt.wantTitle || n.Action != tt.wantAction {
				t.Errorf("noticeFor(%s) = %q, %s, %v; want %q, %s, %v", tt.s.Phase, n.Title, n.Action, blocked, tt.wantTitle, tt.wantAction, tt.wantBlocked)
			}
		})
	}
}

func TestStorageText(t *testing.T) {
	tests := []struct {
		in   app.StorageInfo
		want string
	}{
		{app.StorageInfo{Kind: app.StorageKeyring}, "In the system keyring"},
		{app.StorageInfo{Kind: app.StorageMemory, Why: "no Secret Service is running"}, "In memory only, until Pieces Tray quits: No Secret Service is running."},
		{app.StorageInfo{Kind: app.StorageMemory}, "In memory only, until Pieces Tray quits"},
		{app.StorageInfo{Kind: app.StorageNone}, "Not saved"},
	}
	for _, tt := range tests {
		if got := storageText(tt.in); got != tt.want {
			t.Errorf("storageText(%+v) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestCloudText(t *testing.T) {
	pending := profile(func(p *apiclient.UserProfile) {
		p.Allocation.Status.Cloud = apiclient.AllocationPending
	})
	tests := []struct {
		name string
		p    *apiclient.UserProfile
		want string
	}{
		{"nil", nil, "Not set up"},
		{"no allocation", profile(func(p *apiclient.UserProfile) { p.Allocation = nil }), "Not set up"},
		{"base URL", profile(), "Running – https://4b1d6f0e.pieces.cloud"},
		{"vanity URL", profile(withVanity("ada")), "Running – https://ada.pieces.cloud"},
		{"pending", pending, "Being set up – https://4b1d6f0e.pieces.cloud"},
	}
	for _, tt := range tests {
		if got := cloudText(tt.p); got != tt.want {
			t.Errorf("cloudText(%s) = %q; want %q", tt.name, got, tt.want)
		}
	}
}

func TestWords(t *testing.T) {
	tests := []struct{ got, want string }{
		{app.Sentence("it failed"), "It failed."},
		{app.Sentence("Done!"), "Done!"},
		{app.Sentence(""), ""},
		{piecesOSText(app.PiecesOSInfo{}), "Not found"},
		{piecesOSText(app.PiecesOSInfo{URL: "http://x"}), "http://x"},
		{vanityText(profile()), "Not set"},
		{betaText(profile(), testNow), "Not joined"},
		{betaText(profile(withBeta), testNow), "Joined on 5 January 2026"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("case %d = %q; want %q", i, tt.got, tt.want)
		}
	}
	if s := signOutSteps(app.StorageMemory); !strings.Contains(s, "in memory is dropped") {
		t.Errorf("signOutSteps(memory) = %q", s)
	}
}

// tinyPNG is a 2×2 PNG.
func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
