package app

import (
	"cmp"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"piecestray/apiclient"
	"piecestray/auth"
)

// Bounds and waits of the session's work.
const (
	// personStoreTimeout bounds a keyring save or delete the person started
	// (a sign-in, a sign-out): the keyring may ask them to unlock it first.
	personStoreTimeout = 60 * time.Second
	// storeCallTimeout bounds a background keyring call (read, save,
	// delete). The keyring store has its own shorter bound; this one
	// protects the core from a store without. A timeout is "unknown", not
	// "empty".
	storeCallTimeout = 5 * time.Second
	maxRenewBackoff  = 5 * time.Minute  // caps the wait between failed renewals, restores and keyring reads
	shownRetry       = 30 * time.Second // caps it while a failure to restore or renew is shown
	// minReuseLife is how long the current access token must still be valid
	// for a restore to hand it to Pieces OS instead of refreshing again.
	minReuseLife = 5 * time.Minute
)

// errSessionGone ends a renewal or restore whose session was dropped
// meanwhile (signed out here or elsewhere, expired, or replaced by a new
// sign-in): its result must not bring that session back.
var errSessionGone = errors.New("app: the session ended while it was being renewed")

// The session has one refresher (docs/ARCHITECTURE.md): renewals,
// restores and the remote part of a sign-out run one at a time under
// refreshMu, and every rotated refresh token is kept in memory before it is
// saved, so no two refreshes ever use the same refresh token (with rotation,
// Auth0 would revoke the whole family). A session generation (gen) counts
// sessions: work that started under an older generation drops its result.
//
// Lock order: refreshMu before mu; mu is never held across network or
// keyring calls.

// loadStore reads the stored session. It never delays the first state: the
// core publishes "connecting" meanwhile. When the keyring cannot be read
// (locked, no Secret Service, timed out) the state says why and the read is
// tried again later, so an unlocked keyring restores the session by itself.
func (c *Core) loadStore(ctx context.Context) {
	c.mu.Lock()
	gen := c.gen
	c.mu.Unlock()
	rctx, cancel := context.WithTimeout(ctx, storeCallTimeout)
	sess, err := c.cfg.Store.Load(rctx)
	cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	if ctx.Err() != nil {
		return
	}
	c.storeLoaded = true
	if c.gen != gen || c.busy == ActionSignOut {
		// A session ended (or a sign-out runs) while the keyring was read:
		// what was read is what the person asked to remove.
		return
	}
	usable := err == nil || errors.Is(err, auth.ErrNotFound)
	if usable {
		c.loadFailed = false
		c.loadBackoff.Reset()
		c.clearErrorLocked(errKeyring)
	}
	if usable && (c.stored != nil || c.pendingDelete) {
		c.pendingDelete = false
		switch {
		case c.stored != nil:
			// This run has a session of its own. One kept in memory
			// replaces whatever the keyring holds, including a session the
			// person removed that could not be deleted.
			if c.storage.Kind == StorageMemory {
				c.persistLocked()
			}
		case sess != nil:
			// The last attempt to delete a session the person removed
			// failed; finish the deletion instead.
			c.deleteFromKeyringLocked()
		default:
			c.markSignedOut(false) // it is gone
		}
		c.commitLocked()
		return
	}
	// Without a Secret Service nothing can be stored; a locked keyring may
	// hold anything.
	c.keyringMayHold = (err == nil && sess != nil) || (!usable && !errors.Is(err, auth.ErrNoSecretService))
	switch {
	case err == nil && sess != nil && sess.RefreshToken != "":
		if why := c.foreignLocked(sess); why != "" {
			// Not ours to use: never send a refresh token to another server.
			c.cfg.Logger.Warn("the saved session is not used", "why", why)
			break
		}
		c.stored = sess
		c.storage = StorageInfo{Kind: StorageKeyring}
		c.cfg.Logger.Debug("stored session found")
	case usable:
		if c.storage.Kind == StorageNone {
			c.storage.Why = ""
		}
		c.cfg.Logger.Debug("no stored session")
	default:
		// Unknown is not empty: say why the session could not be read.
		c.loadFailed = true
		why := Human(err)
		if c.stored == nil {
			c.storage = StorageInfo{Kind: StorageNone, Why: why}
		}
		c.setErrorLocked(errKeyring, "Your saved session could not be read: "+why)
		c.cfg.Logger.Warn("could not read the stored session; will try again", "err", err)
		c.retryLoadLocked()
	}
	c.maybeRestoreLocked()
	c.commitLocked()
}

// persistLocked saves the session of this run in the background (the keyring
// became usable again), ordered with every other save under refreshMu.
func (c *Core) persistLocked() {
	sess, gen := c.stored, c.gen
	c.keyringLocked(func(ctx context.Context) error { return c.cfg.Store.Save(ctx, sess) }, func(err error) {
		c.noteSaveLocked(err)
		if err == nil {
			c.markSignedOut(false) // the removed session is overwritten
		}
		if err == nil && c.gen == gen && c.stored == sess {
			c.storage = StorageInfo{Kind: StorageKeyring}
		}
	})
}

// keyringLocked runs op on the keyring in the background, under refreshMu
// so that it is ordered with every save (adopt), unless the session of now
// has ended first: the keyring item is then a newer session's. done gets
// op's error under mu.
func (c *Core) keyringLocked(op func(context.Context) error, done func(error)) {
	gen := c.gen
	c.goBackgroundLocked(func(ctx context.Context) {
		c.refreshMu.Lock()
		defer c.refreshMu.Unlock()
		if c.unlessEnded(gen, nil) != nil {
			return
		}
		ctx, cancel := context.WithTimeout(ctx, storeCallTimeout)
		err := op(ctx)
		cancel()
		c.mu.Lock()
		defer c.mu.Unlock()
		done(err)
		c.commitLocked()
	})
}

// noteSaveLocked records that a keyring save may have stored a session: it
// did, or it failed in a way that does not rule it out (a timed-out call
// goes on in the background).
func (c *Core) noteSaveLocked(err error) {
	if !errors.Is(err, auth.ErrNoSecretService) {
		c.keyringMayHold = true
	}
}

// foreignLocked says why a stored session belongs to another sign-in service
// or client, or "" when it is ours.
func (c *Core) foreignLocked(s *auth.Session) string {
	switch {
	case s.Issuer != "" && c.cfg.Issuer != "" && !sameIssuer(s.Issuer, c.cfg.Issuer):
		return "it was made with another sign-in service (" + s.Issuer + ")"
	case s.ClientID != "" && c.cfg.ClientID != "" && s.ClientID != c.cfg.ClientID:
		return "it was made for another client id"
	}
	return ""
}

// sameIssuer reports whether two spellings name one sign-in service: a
// domain ("auth.pieces.services") or its issuer URL, with or without the
// trailing slash (the id_token's "iss" has one; a configured domain may not).
func sameIssuer(a, b string) bool { return issuerHost(a) == issuerHost(b) }

func issuerHost(s string) string {
	s = strings.TrimSuffix(strings.TrimSpace(s), "/")
	if _, rest, ok := strings.Cut(s, "://"); ok {
		s = rest
	}
	return strings.ToLower(s)
}

// retryLoadLocked reads the keyring again after a growing delay.
func (c *Core) retryLoadLocked() {
	c.afterLocked(&c.loadTimer, c.loadBackoff.Next(), func() { c.goBackgroundLocked(c.loadStore) })
}

// maybeRestoreLocked starts a silent restore when Pieces OS has nobody
// signed in and a stored session exists.
func (c *Core) maybeRestoreLocked() {
	if !c.userKnown || c.user != nil || c.restoring || c.signIn != nil || c.stored == nil || c.client == nil || c.signInNeeded != "" || c.busy == ActionSignOut {
		return
	}
	c.restoring = true
	c.restoreWanted = true
	gen := c.gen
	c.goBackgroundLocked(func(ctx context.Context) { c.restore(ctx, gen) })
}

// restore hands the stored session to Pieces OS (refreshing it first unless
// a fresh access token is at hand). It speaks only when that fails.
func (c *Core) restore(ctx context.Context, gen uint64) {
	p, err := c.refreshAndAuthenticate(ctx, true, gen)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.restoring = false
	switch {
	case ctx.Err() != nil:
		return
	case errors.Is(err, errSessionGone):
		c.restoreWanted = false
	case err == nil && p != nil:
		c.restoreWanted = false
		c.silentSignIn = c.eventUser == nil
		c.ownSessionLocked(p)
		c.cfg.Logger.Info("session restored silently")
		if c.restoreAfterReconnect {
			c.emitLocked(Event{Kind: EventSignedBackIn, Title: "Signed you back in to Pieces OS",
				Body: "Pieces OS had lost your session; Pieces Tray signed " + DisplayName(p) + " in again. Sign out from the menu if you meant to."})
		}
		c.restoreAfterReconnect = false
	case errors.Is(err, auth.ErrSignInNeeded):
		c.sessionExpiredLocked(err)
	case err != nil:
		c.setErrorLocked(errRestore, "Your saved session could not be restored yet: "+Human(err)+" Pieces Tray will try again.")
		c.cfg.Logger.Warn("silent restore failed; will retry", "err", err)
		c.retryLaterLocked(func() {
			c.maybeRestoreLocked()
			c.commitLocked()
		})
	}
	c.commitLocked()
}

// ownSessionLocked records that Pieces OS has the user p of this run's
// session (a sign-in or a restore succeeded) and schedules its renewal.
func (c *Core) ownSessionLocked(p *apiclient.UserProfile) {
	c.user = p
	c.ownerID = p.ID
	c.userKnown = true
	c.clearErrorLocked(errSignIn, errRestore, errRenew)
	c.renewBackoff.Reset()
	c.scheduleRenewalLocked()
}

// endSessionLocked starts a new session generation: renewals and restores
// under way drop their results, and none is scheduled any more.
func (c *Core) endSessionLocked() {
	c.gen++
	if c.cancelRefresh != nil {
		c.cancelRefresh()
	}
	stopLocked(&c.loadTimer)
	c.token = nil
	c.ownerID = ""
	c.restoreWanted = false
	c.stopRenewalLocked()
	// The session is over: so are the troubles of restoring and renewing it.
	c.clearErrorLocked(errRestore, errRenew)
}

// sessionExpiredLocked moves to "sign-in needed" after the identity
// provider rejected the refresh token, says so once, and forgets the dead
// session.
func (c *Core) sessionExpiredLocked(err error) {
	c.signInNeeded = "Your Pieces session has expired or was revoked. Sign in again to continue."
	c.cfg.Logger.Info("refresh token rejected; sign-in needed", "err", err)
	c.emitLocked(Event{Kind: EventSessionExpired, Title: "Sign-in needed", Body: c.signInNeeded})
	c.forgetSessionLocked()
}

// forgetSessionLocked ends the session and forgets the stored one, removing
// it from the keyring in the background (signed out elsewhere, expired, or
// another account signed in).
func (c *Core) forgetSessionLocked() {
	c.endSessionLocked()
	if c.cfg.Mode == ModePiecesOS {
		return // Pieces OS keeps the session; nothing is stored here
	}
	had := c.stored != nil || c.storage.Kind != StorageNone
	c.stored = nil
	c.storage = StorageInfo{Kind: StorageNone}
	if had {
		c.deleteFromKeyringLocked()
	}
}

// deleteFromKeyringLocked removes the keyring item in the background.
func (c *Core) deleteFromKeyringLocked() {
	c.keyringLocked(func(ctx context.Context) error { return c.deleteStore(ctx, storeCallTimeout) }, func(err error) {
		if err != nil {
			c.cfg.Logger.Warn("could not delete the stored session; will try again", "err", err)
			c.deleteFailedLocked(err)
			return
		}
		// A sign-out that could not delete it is complete now.
		c.keyringMayHold = false
		c.markSignedOut(false)
		c.clearErrorLocked(errKeyring, errSignOut)
	})
}

// deleteStore deletes the keyring item within timeout; an item that is
// already gone is no error.
func (c *Core) deleteStore(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := c.cfg.Store.Delete(ctx); err != nil && !errors.Is(err, auth.ErrNotFound) {
		return err
	}
	return nil
}

// deleteFailedLocked records that a session the person removed is still in
// the keyring: the keyring is tried again later, to delete it, never to
// restore it.
func (c *Core) deleteFailedLocked(err error) {
	c.pendingDelete = true
	c.markSignedOut(true)
	c.setErrorLocked(errKeyring, "The saved session could not be removed from the keyring: "+Human(err))
	c.retryLoadLocked()
}

// markSignedOut records (on) or forgets that the keyring still holds a
// session the person removed (Config.SignedOutMark). The file is touched
// only when that changes, not on every save.
func (c *Core) markSignedOut(on bool) {
	path := c.cfg.SignedOutMark
	if path == "" || on == c.marked {
		return
	}
	var err error
	if on {
		if err = os.MkdirAll(filepath.Dir(path), 0o700); err == nil {
			err = os.WriteFile(path, nil, 0o600)
		}
	} else if err = os.Remove(path); errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	if err != nil {
		c.cfg.Logger.Warn("could not record that a removed session is still in the keyring", "err", err)
		return
	}
	c.marked = on
}

// refreshAndAuthenticate refreshes the stored session of generation gen (the
// one current when the work was scheduled) and hands the new access token to
// Pieces OS. With reuse, a current access token that is still valid for a
// while is handed over without a refresh (a restore right after a renewal).
// It returns errSessionGone when that session has ended.
func (c *Core) refreshAndAuthenticate(ctx context.Context, reuse bool, gen uint64) (*apiclient.UserProfile, error) {
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.mu.Lock()
	sess, tok, ended := c.stored, c.token, c.gen != gen
	c.cancelRefresh = cancel // a sign-out stops it (endSessionLocked); a no-op once done
	c.mu.Unlock()
	if ended || sess == nil {
		return nil, errSessionGone
	}
	if !reuse || tok == nil || tok.Expiry.Sub(c.cfg.Clock.Now()) < minReuseLife {
		fresh, err := c.cfg.Signer.Refresh(ctx, sess.RefreshToken)
		if err != nil {
			return nil, c.unlessEnded(gen, err)
		}
		if !c.adopt(ctx, fresh, sess, gen, storeCallTimeout) {
			return nil, errSessionGone
		}
		tok = fresh
	}
	if err := c.unlessEnded(gen, nil); err != nil {
		return nil, err
	}
	p, err := c.authenticate(ctx, tok)
	if err != nil {
		return nil, c.unlessEnded(gen, err)
	}
	return p, nil
}

// unlessEnded returns errSessionGone when the session of generation gen has
// ended, else err.
func (c *Core) unlessEnded(gen uint64, err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return errSessionGone
	}
	return err
}

// adopt makes tok the session's token set. Callers hold refreshMu. It keeps it in memory at once,
// so that no later refresh uses the refresh token tok replaced, and then
// stores what is needed to restore the session (the refresh token and small
// metadata). When the keyring cannot be used the session is kept in memory
// for this run and the state says why. It reports false, storing nothing,
// when the session of generation gen ended meanwhile.
func (c *Core) adopt(ctx context.Context, tok *auth.Token, prev *auth.Session, gen uint64, timeout time.Duration) bool {
	c.mu.Lock()
	if c.gen != gen {
		c.mu.Unlock()
		return false
	}
	c.token = tok
	sess := c.sessionFor(tok, prev)
	if sess == nil {
		c.mu.Unlock()
		return true
	}
	c.stored = sess
	c.mu.Unlock()

	sctx, cancel := context.WithTimeout(ctx, timeout)
	err := c.cfg.Store.Save(sctx, sess)
	cancel()

	c.mu.Lock()
	defer c.mu.Unlock()
	c.noteSaveLocked(err)
	if c.gen != gen {
		// The session ended while it was being saved: leave nothing behind.
		// Callers hold refreshMu, so no newer session was saved meanwhile.
		if err == nil {
			c.mu.Unlock()
			derr := c.deleteStore(context.WithoutCancel(ctx), storeCallTimeout)
			c.mu.Lock()
			if derr != nil {
				c.deleteFailedLocked(derr)
				c.commitLocked()
			}
		}
		return false
	}
	if err != nil {
		c.cfg.Logger.Warn("keyring unavailable; keeping the session in memory", "err", err)
		wasMemory := c.storage.Kind == StorageMemory
		c.storage = StorageInfo{Kind: StorageMemory, Why: Human(err)}
		c.retryLoadLocked() // saved once the keyring answers again
		if !wasMemory {
			c.emitLocked(Event{Kind: EventNoKeyring, Title: "Session not saved", Body: "Your sign-in is kept only until Pieces Tray quits: " + Human(err)})
		}
	} else {
		c.storage = StorageInfo{Kind: StorageKeyring}
		c.markSignedOut(false) // a removed session there is overwritten
	}
	c.commitLocked()
	return true
}

// sessionFor is what is stored for tok: the refresh token (tok's, or the
// previous one when the server did not rotate it) and small metadata. It is
// nil when there is no refresh token to keep.
func (c *Core) sessionFor(tok *auth.Token, prev *auth.Session) *auth.Session {
	s := &auth.Session{
		RefreshToken: tok.RefreshToken,
		Subject:      tok.Subject(),
		Email:        tok.Email(),
		Issuer:       c.cfg.Issuer,
		ClientID:     c.cfg.ClientID,
		SavedAt:      c.cfg.Clock.Now().UTC(),
	}
	if prev != nil {
		s.RefreshToken = cmp.Or(s.RefreshToken, prev.RefreshToken)
		s.Subject = cmp.Or(s.Subject, prev.Subject)
		s.Email = cmp.Or(s.Email, prev.Email)
	}
	if s.RefreshToken == "" {
		return nil
	}
	return s
}

// authenticate hands a token to Pieces OS. pieces-tray stays the only
// refresher, so the refresh token is not sent.
func (c *Core) authenticate(ctx context.Context, tok *auth.Token) (*apiclient.UserProfile, error) {
	c.mu.Lock()
	client := c.client
	c.mu.Unlock()
	if client == nil {
		return nil, apiclient.ErrNotRunning
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return client.AuthenticateFromOAuthToken(ctx, OAuthToken(tok, c.cfg.Clock.Now()))
}

// OAuthToken converts a token set to the body of
// POST /users/authenticate/from_token: expires_in recomputed from the
// expiry, token_type Bearer, and no refresh token.
func OAuthToken(tok *auth.Token, now time.Time) *apiclient.OAuthToken {
	return &apiclient.OAuthToken{
		AccessToken: tok.AccessToken,
		ExpiresIn:   tok.ExpiresIn(now),
		TokenType:   "Bearer",
		IDToken:     tok.IDToken,
		Scope:       tok.Scope,
	}
}

// scheduleRenewalLocked arranges a refresh at 80 % of the access token's
// life.
func (c *Core) scheduleRenewalLocked() {
	c.stopRenewalLocked()
	if c.token == nil || c.token.Expiry.IsZero() || c.stored == nil {
		return
	}
	now := c.cfg.Clock.Now()
	wait := max(c.token.Expiry.Sub(now)*4/5, time.Second)
	c.afterLocked(&c.renewTimer, wait, c.renewer(c.gen))
	c.renewAt = now.Add(wait).Round(0) // wall clock, which goes on during sleep
}

// renewer returns a callback, to be run with mu held (as timer callbacks
// are), that renews the session of generation gen in the background.
func (c *Core) renewer(gen uint64) func() {
	return func() { c.goBackgroundLocked(func(ctx context.Context) { c.renew(ctx, gen) }) }
}

func (c *Core) stopRenewalLocked() {
	c.renewAt = time.Time{}
	stopLocked(&c.renewTimer)
}

// renewIfDueLocked runs a scheduled renewal whose time has passed without
// its timer firing: timers follow the monotonic clock, which stops while the
// computer sleeps. Every live stream update calls it (cheap), which catches
// a resume whether or not the socket survived the sleep. Retries
// after a failure keep their backoff (renewAt is only set for a scheduled
// renewal).
func (c *Core) renewIfDueLocked() {
	if c.renewTimer == nil || c.renewAt.IsZero() || c.cfg.Clock.Now().Before(c.renewAt) {
		return
	}
	c.cfg.Logger.Info("a session renewal is overdue; renewing now")
	c.stopRenewalLocked()
	c.renewer(c.gen)()
}

// renew refreshes the token and re-authenticates Pieces OS in the
// background. A rejected refresh token means sign-in is needed; anything
// else is retried later while the person stays signed in.
func (c *Core) renew(ctx context.Context, gen uint64) {
	_, err := c.refreshAndAuthenticate(ctx, false, gen)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case ctx.Err() != nil, errors.Is(err, errSessionGone):
		return
	case err == nil:
		c.renewBackoff.Reset()
		c.clearErrorLocked(errRenew)
		c.scheduleRenewalLocked()
		c.cfg.Logger.Debug("session renewed")
	case errors.Is(err, auth.ErrSignInNeeded):
		c.sessionExpiredLocked(err)
	default:
		c.cfg.Logger.Warn("session renewal failed; will retry", "err", err)
		if c.token != nil && !c.cfg.Clock.Now().Before(c.token.Expiry) {
			c.setErrorLocked(errRenew, "Pieces Tray could not renew your session: "+Human(err)+" It keeps trying.")
		}
		c.retryLaterLocked(c.renewer(gen))
	}
	c.commitLocked()
}

// retryLaterLocked calls f after a growing delay, at most shownRetry while
// the person is told of the failure, so that the message goes soon after
// its cause (an identity provider that was down answers again).
func (c *Core) retryLaterLocked(f func()) {
	wait := c.renewBackoff.Next()
	if c.errFrom == errRestore || c.errFrom == errRenew {
		wait = min(wait, shownRetry)
	}
	c.stopRenewalLocked()
	c.afterLocked(&c.renewTimer, wait, f)
}
