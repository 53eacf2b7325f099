package doctor

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"piecestray/apiclient"
	"piecestray/app"
	"piecestray/auth"
)

// Title of the keyring check.
const titleKeyring = "Keyring"

// keyringFacts is what loading the stored session told.
type keyringFacts struct {
	ran     bool          // the keyring was asked
	session *auth.Session // the stored session; nil when none or unknown
	err     error         // Load's error (auth.ErrNotFound: nothing stored)
}

// stored reports whether a session is known to be stored.
func (k keyringFacts) stored() bool { return k.ran && k.err == nil && k.session != nil }

// unknown reports whether the keyring could not say what it holds.
func (k keyringFacts) unknown() bool {
	return k.ran && k.err != nil && !errors.Is(k.err, auth.ErrNotFound)
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
	if err != nil && errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, auth.ErrTimeout) {
		err = fmt.Errorf("%w (%w)", auth.ErrTimeout, err)
	}
	return keyringFacts{ran: true, session: s, err: err}
}

// check is the keyring line: it answers, is unlocked, and holds our item or
// not.
func (k keyringFacts) check(env Env, mode app.SignInMode) Check {
	c := Check{ID: IDKeyring, Title: titleKeyring}
	name := env.KeyringName
	switch {
	case mode == app.ModePiecesOS:
		return skipped(c.ID, c.Title, "not used in sign-in mode pieces-os: Pieces OS keeps the session")
	case !k.ran:
		return skipped(c.ID, c.Title, "not checked")
	case k.err == nil:
		c.Status = OK
		c.Found = name + " answers and is unlocked; it holds Pieces Tray's session"
		if e := k.session.Email; e != "" {
			c.Found += " of " + maskEmail(app.Clean(e))
		}
	case errors.Is(k.err, auth.ErrNotFound) && k.err.Error() != auth.ErrNotFound.Error():
		c.Status = Warn
		c.Found = name + " answers, but the session it holds is unreadable"
		c.Fix = "Sign in again from the tray menu: the new session replaces it"
	case errors.Is(k.err, auth.ErrNotFound):
		c.Status = OK
		c.Found = name + " answers; it holds no Pieces Tray session"
	case errors.Is(k.err, auth.ErrLocked):
		c.Status = Fail
		c.Found = name + " is locked"
		c.Fix = "Unlock your keyring (log in to the desktop again, or unlock it in Passwords and Keys / KWallet), then run this again"
	case errors.Is(k.err, auth.ErrNoSecretService):
		c.Status = Fail
		c.Found = "no " + name + " answers on the session bus"
		c.Fix = "Install gnome-keyring or KeePassXC (with Secret Service integration on), log in again, then run this again"
	case errors.Is(k.err, auth.ErrTimeout):
		c.Status = Fail
		c.Found = fmt.Sprintf("%s did not answer within %v", name, env.KeyringWait)
		c.Fix = "If your desktop asks to unlock the keyring, unlock it; else log out and in again to restart the keyring"
	default:
		c.Status = Fail
		c.Found = name + " failed: " + because(k.err)
		c.Fix = "Log out and in again to restart the keyring, then run this again"
	}
	return c
}

// accountCheck is the "who is signed in" line: the account Pieces OS
// reports, and whether the stored session is the same account.
func accountCheck(pos piecesOSFacts, k keyringFacts, mode app.SignInMode) Check {
	c := Check{ID: IDAccount, Title: titleAccount}
	if !pos.found() {
		return skipped(c.ID, c.Title, "not checked: Pieces OS was not found")
	}
	if pos.userErr != nil {
		c.Status = Fail
		c.Found = "Pieces OS did not say who is signed in: " + because(pos.userErr)
		c.Fix = "Quit Pieces OS and start it again"
		return c
	}
	on := "nobody on Pieces OS"
	if pos.user != nil {
		on = who(pos.user) + " on Pieces OS"
	}
	if mode == app.ModePiecesOS {
		c.Status = OK
		c.Found = on + ", which keeps the session (sign-in mode pieces-os: nothing is stored here)"
		if pos.user == nil {
			c.Status = Warn
			c.Fix = "Choose Sign in… in the tray menu"
		}
		return c
	}
	var kept string
	if k.stored() {
		kept = "a session of " + sessionWho(k.session) + " is stored here"
	}
	switch {
	case k.unknown():
		c.Status = Warn
		c.Found = on + "; the stored session could not be read"
		c.Fix = "See the Keyring line"
	case pos.user == nil && k.stored():
		c.Status = Warn
		c.Found = on + "; " + kept + " (it may have expired, which only Auth0 can tell)"
		c.Fix = "Choose Sign in… in the tray menu"
	case pos.user == nil:
		c.Status = Warn
		c.Found = on + "; no session is stored here"
		c.Fix = "Choose Sign in… in the tray menu"
	case !k.stored():
		c.Status = OK
		c.Found = on + "; no session is stored here (another Pieces app signed in, and Pieces Tray does not renew it)"
	case sameAccount(pos.user, k.session):
		c.Status = OK
		c.Found = on + "; " + kept + ", the same account"
	case pos.user.Email == "" || k.session.Email == "":
		c.Status = Warn
		c.Found = on + "; " + kept + ", and without both email addresses it cannot be told whether it is the same account"
		c.Fix = "If the tray shows the wrong account, sign out from the tray menu and sign in again"
	default:
		c.Status = Fail
		c.Found = on + ", but " + kept + ": two accounts"
		c.Fix = "Sign out from the tray menu, then sign in with the account you want"
	}
	return c
}

// sameAccount reports whether the profile and the session name the same
// email address.
func sameAccount(p *apiclient.UserProfile, s *auth.Session) bool {
	return p.Email != "" && strings.EqualFold(strings.TrimSpace(p.Email), strings.TrimSpace(s.Email))
}

// who names a profile in the report: its masked email, else the start of
// its id.
func who(p *apiclient.UserProfile) string {
	if e := app.Clean(p.Email); e != "" {
		return maskEmail(e)
	}
	id := []rune(app.Clean(p.ID))
	if len(id) > 8 {
		return "user " + string(id[:8]) + "…"
	}
	return "user " + string(id)
}

// sessionWho names a stored session: its masked email, or "an account
// without an email address".
func sessionWho(s *auth.Session) string {
	if e := app.Clean(s.Email); e != "" {
		return maskEmail(e)
	}
	return "an account without an email address"
}
