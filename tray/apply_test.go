package tray

import (
	"strings"
	"testing"

	"piecestray/app"
)

func TestApplyBuildsOnce(t *testing.T) {
	sh := &fakeShell{}
	a := newApplier(sh, false)
	a.apply(Model(live(app.State{Phase: app.PhaseSignedOut}), now))
	want := []string{
		`SetIcon signed_out`,
		`SetTooltip "Pieces: Not signed in"`,
		`AddItem 0 "Not signed in" checkable=false checked=false`, `item 0 Disable`,
		`AddItem 1 "" checkable=false checked=false`, `item 1 Disable`, `item 1 Hide`,
		`AddSeparator`,
		`AddItem 2 "Sign in…" checkable=false checked=false`,
		`AddItem 3 "Cancel sign-in" checkable=false checked=false`, `item 3 Disable`, `item 3 Hide`,
		`AddItem 4 "Copy sign-in link" checkable=false checked=false`, `item 4 Disable`, `item 4 Hide`,
		`AddItem 5 "Look for Pieces OS again" checkable=false checked=false`, `item 5 Disable`, `item 5 Hide`,
		`AddSeparator`,
		`AddItem 6 "Account…" checkable=false checked=false`,
		`AddItem 7 "Vanity name…" checkable=false checked=false`, `item 7 Disable`,
		`AddItem 8 "Beta program…" checkable=true checked=false`, `item 8 Disable`,
		`AddItem 9 "Open personal cloud" checkable=false checked=false`, `item 9 Disable`, `item 9 Hide`,
		`AddItem 10 "Sign out…" checkable=false checked=false`, `item 10 Disable`,
		`AddSeparator`,
		`AddItem 11 "Diagnose…" checkable=false checked=false`,
		`AddItem 12 "Start at login" checkable=true checked=false`, `item 12 Hide`,
		`AddItem 13 "Quit Pieces Tray" checkable=false checked=false`,
	}
	if got := sh.take(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("first apply calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestApplyUpdatesInPlace(t *testing.T) {
	signedOut := live(app.State{Phase: app.PhaseSignedOut})
	signingIn := live(app.State{Phase: app.PhaseSigningIn, SignIn: &app.SignInInfo{URL: "https://auth.example/a"}})
	signedIn := live(app.State{Phase: app.PhaseSignedIn, User: withBeta(withVanity(jane(), "jane"))})
	tests := []struct {
		name     string
		from, to app.State
		dark     bool
		want     []string
	}{
		{"same state", signedOut, signedOut, false, nil},
		{"signed out → signing in", signedOut, signingIn, false, []string{
			`SetIcon signing_in`,
			`SetTooltip "Pieces: Signing in"`,
			`item 0 SetTitle "Signing in — continue in your browser"`,
			`item 1 SetTitle "Page showed an error? Cancel, copy the link, or use --sign-in pieces-os"`, `item 1 Show`,
			`item 2 Disable`,
			`item 3 Enable`, `item 3 Show`,
			`item 4 Enable`, `item 4 Show`,
		}},
		{"signing in → signed in", signingIn, signedIn, false, []string{
			`SetIcon signed_in`,
			`SetTooltip "Pieces: Signed in as Jane Doe (jane@example.com)"`,
			`item 0 SetTitle "Jane Doe (jane@example.com)"`,
			`item 1 SetTitle ""`, `item 1 Hide`,
			`item 3 Disable`, `item 3 Hide`,
			`item 4 Disable`, `item 4 Hide`,
			`item 7 Enable`,
			`item 8 Enable`, `item 8 Check`,
			`item 9 SetTitle "Open jane.pieces.cloud"`, `item 9 Enable`, `item 9 Show`,
			`item 10 Enable`,
		}},
		{"signed in → signed out, dark panel", signedIn, signedOut, true, []string{
			`SetIcon signed_out/dark`,
			`SetTooltip "Pieces: Not signed in"`,
			`item 0 SetTitle "Not signed in"`,
			`item 2 Enable`,
			`item 7 Disable`,
			`item 8 Disable`, `item 8 Uncheck`,
			`item 9 SetTitle "Open personal cloud"`, `item 9 Disable`, `item 9 Hide`,
			`item 10 Disable`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sh := &fakeShell{}
			a := newApplier(sh, tt.dark)
			a.apply(Model(tt.from, now))
			sh.take()
			a.apply(Model(tt.to, now))
			got := sh.take()
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("apply calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for _, c := range got {
				if strings.HasPrefix(c, "AddItem") || c == "AddSeparator" {
					t.Errorf("apply re-created an item: %s", c)
				}
			}
			// The result equals a fresh build of the new state.
			fresh := &fakeShell{}
			newApplier(fresh, tt.dark).apply(Model(tt.to, now))
			for n := range fresh.items {
				gl, ge, gv := sh.item(n).State()
				wl, we, wv := fresh.item(n).State()
				if gl != wl || ge != we || gv != wv {
					t.Errorf("item %d = (%q, %v, %v); want (%q, %v, %v)", n, gl, ge, gv, wl, we, wv)
				}
			}
		})
	}
}

func TestApplySetDark(t *testing.T) {
	sh := &fakeShell{}
	a := newApplier(sh, true)
	a.setDark(false) // before the first apply: only remembered
	if got := sh.take(); len(got) != 0 {
		t.Errorf("setDark before build made calls %q", got)
	}
	a.apply(Model(live(app.State{Phase: app.PhaseSignedOut}), now))
	if got := sh.take(); !contains(got, "SetIcon signed_out") {
		t.Errorf("first apply after setDark(false) calls %q; want the light-panel icon", got)
	}
	a.setDark(true)
	if got := strings.Join(sh.take(), "\n"); got != "SetIcon signed_out/dark" {
		t.Errorf("setDark(true) calls %q; want the icon again for dark panels", got)
	}
	a.setDark(true)
	if got := sh.take(); len(got) != 0 {
		t.Errorf("setDark with no change made calls %q", got)
	}
}
