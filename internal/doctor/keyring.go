package doctor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"piecestray/apiclient"
	"piecestray/app"
	"piecestray/auth"
)

// keyringFacts is what loading the stored session told; its zero value
// when the keyring was not asked.
type keyringFacts struct {
	session *auth.Session // the stored session; nil when none or unknown
	err     error         // Load's error (auth.ErrNotFound: nothing stored)
}

// loadSession reads the stored session, as the agent does at start. In
// sign-in mode pieces-os the agent never uses the keyring, and neither does
// this.
func loadSession(ctx context.Context, env Env, mode app.SignInMode) keyringFacts {
	if env.Store == nil || mode == app.ModePiecesOS {
		return keyringFacts{}
	}
	ctx, cancel := context.WithTimeout(ctx, env.KeyringWait)
	defer cancel()
	s, err := env.Store.Load(ctx)
	return keyringFacts{session: s, err: err}
}

// check is the keyring line: it answers, is unlocked, and holds our item or
// not.
func (k keyringFacts) check(env Env, mode app.SignInMode) Check {
	name := env.KeyringName
	switch {
	case mode == app.ModePiecesOS:
		return skip("not used in sign-in mode pieces-os: Pieces OS keeps the session")
	case env.Store == nil:
		return skip("not checked")
	case k.err == nil:
		found := name + " answers and is unlocked; it holds Pieces Tray's session"
		if e := app.Clean(k.session.Email); e != "" {
			found += " of " + scrub(e)
		}
		return ok(found)
	case errors.Is(k.err, auth.ErrNotFound) && k.err.Error() != auth.ErrNotFound.Error():
		return warn(name+" answers, but the session it holds is unreadable", "Sign in again from the tray menu: the new session replaces it")
	case errors.Is(k.err, auth.ErrNotFound):
		return ok(name + " answers; it holds no Pieces Tray session")
	case errors.Is(k.err, auth.ErrLocked):
		return fail(name+" is locked", "Unlock your keyring (log in to the desktop again, or unlock it in Passwords and Keys / KWallet), then run this again")
	case errors.Is(k.err, auth.ErrNoSecretService):
		return fail("no "+name+" answers on the session bus", "Install gnome-keyring or KeePassXC (with Secret Service integration on), log in again, then run this again")
	case errors.Is(k.err, auth.ErrTimeout), errors.Is(k.err, context.DeadlineExceeded):
		return fail(fmt.Sprintf("%s did not answer within %v", name, env.KeyringWait), "If your desktop asks to unlock the keyring, unlock it; else log out and in again to restart the keyring")
	}
	return fail(name+" failed: "+because(k.err), "Log out and in again to restart the keyring, then run this again")
}

// accountCheck is the "who is signed in" line: the account Pieces OS
// reports, and whether the stored session is the same account.
func accountCheck(pos piecesOSFacts, k keyringFacts, mode app.SignInMode) Check {
	if !pos.found() {
		return skip(notFound)
	}
	if pos.userErr != nil {
		return fail("Pieces OS did not say who is signed in: "+because(pos.userErr), restartPOS)
	}
	const signIn = "Choose Sign in… in the tray menu"
	on := "nobody on Pieces OS"
	if pos.user != nil {
		on = who(pos.user) + " on Pieces OS"
	}
	if mode == app.ModePiecesOS {
		c := ok(on + ", which keeps the session (sign-in mode pieces-os: nothing is stored here)")
		if pos.user == nil {
			c.Status, c.Fix = Warn, signIn
		}
		return c
	}
	stored := k.err == nil && k.session != nil
	var kept string
	if stored {
		kept = "a session of " + cmp.Or(scrub(app.Clean(k.session.Email)), "an account without an email address") + " is stored here"
	}
	switch {
	case k.err != nil && !errors.Is(k.err, auth.ErrNotFound):
		return warn(on+"; the stored session could not be read", "See the Keyring line")
	case pos.user == nil && stored:
		return warn(on+"; "+kept+" (it may have expired, which only Auth0 can tell)", signIn)
	case pos.user == nil:
		return warn(on+"; no session is stored here", signIn)
	case !stored:
		return ok(on + "; no session is stored here (another Pieces app signed in, and Pieces Tray does not renew it)")
	case pos.user.Email != "" && strings.EqualFold(strings.TrimSpace(pos.user.Email), strings.TrimSpace(k.session.Email)):
		return ok(on + "; " + kept + ", the same account")
	case pos.user.Email == "" || k.session.Email == "":
		return warn(on+"; "+kept+", and without both email addresses it cannot be told whether it is the same account",
			"If the tray shows the wrong account, sign out from the tray menu and sign in again")
	}
	return fail(on+", but "+kept+": two accounts", "Sign out from the tray menu, then sign in with the account you want")
}

// who names a profile in the report: its masked email, else the start of
// its id.
func who(p *apiclient.UserProfile) string {
	if e := app.Clean(p.Email); e != "" {
		return scrub(e)
	}
	id := []rune(app.Clean(p.ID))
	if len(id) > 8 {
		return "user " + string(id[:8]) + "…"
	}
	return "user " + string(id)
}
