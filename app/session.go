package app

import (
	"context"
	"errors"
	"time"

	"piecestray/apiclient"
	"piecestray/auth"
)

// saveTimeout bounds a keyring save the person started; reads use the
// store's own shorter bound (../shared/sign-in-checklist.md).
const saveTimeout = 60 * time.Second

// storeReadTimeout bounds a background keyring call. The keyring store has
// its own shorter bound; this one protects the core from a store without.
// A timeout is "unknown", not "empty".
const storeReadTimeout = 5 * time.Second

// maxRenewBackoff caps the wait between failed renewals.
const maxRenewBackoff = 5 * time.Minute

// loadStore reads the stored session once at start. It never delays the
// first state: the core publishes "connecting" meanwhile.
func (c *Core) loadStore(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, storeReadTimeout)
	sess, err := c.cfg.Store.Load(ctx)
	cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.storeLoaded = true
	switch {
	case err == nil && sess != nil && sess.RefreshToken != "":
		c.stored = sess
		c.storage = StorageInfo{Kind: StorageKeyring}
		c.log.Debug("stored session found")
	case err == nil, errors.Is(err, auth.ErrNotFound):
		c.log.Debug("no stored session")
	default:
		// Unknown is not empty: say why the session could not be read.
		c.storage = StorageInfo{Kind: StorageNone, Why: human(err)}
		c.log.Warn("could not read the stored session", "err", err)
		if c.userKnown && c.user == nil {
			c.lastError = "Your saved session could not be restored: " + human(err)
		}
	}
	c.maybeRestoreLocked()
	c.commitLocked()
}

// maybeRestoreLocked starts a silent restore when Pieces OS has nobody
// signed in and a stored session exists.
func (c *Core) maybeRestoreLocked() {
	if !c.userKnown || c.user != nil || c.restoring || c.signIn != nil || c.stored == nil || c.client == nil || c.signInNeeded != "" {
		return
	}
	c.restoring = true
	c.goBackgroundLocked(c.restore)
}

// restore trades the stored refresh token for a new token set and hands it
// to Pieces OS. It speaks only when that fails.
func (c *Core) restore(ctx context.Context) {
	c.mu.Lock()
	sess := c.stored
	c.mu.Unlock()
	if sess == nil {
		c.finishRestore(nil, nil)
		return
	}
	tok, err := c.cfg.Signer.Refresh(ctx, sess.RefreshToken)
	if err != nil {
		c.finishRestore(nil, err)
		return
	}
	c.saveSession(ctx, tok, sess.Email, sess.Subject, storeReadTimeout)
	p, err := c.authenticate(ctx, tok)
	c.finishRestore(p, err)
}

func (c *Core) finishRestore(p *apiclient.UserProfile, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.restoring = false
	switch {
	case err == nil && p != nil:
		c.silentSignIn = c.eventUser == nil
		c.user = p
		c.ownerID = p.ID
		c.userKnown = true
		c.lastError = ""
		c.renewBackoff = 0
		c.scheduleRenewalLocked()
		c.log.Info("session restored silently")
	case errors.Is(err, auth.ErrSignInNeeded):
		c.sessionExpiredLocked(err)
	case err != nil:
		c.lastError = "Your saved session could not be restored yet: " + human(err) + " Pieces Tray will try again."
		c.log.Warn("silent restore failed; will retry", "err", err)
		c.retryLaterLocked(func() {
			c.mu.Lock()
			c.maybeRestoreLocked()
			c.commitLocked()
			c.mu.Unlock()
		})
	}
	c.commitLocked()
}

// sessionExpiredLocked moves to "sign-in needed" after the identity
// provider rejected the refresh token, and forgets the dead session.
func (c *Core) sessionExpiredLocked(err error) {
	c.signInNeeded = "Your Pieces session has expired or was revoked. Sign in again to continue."
	c.log.Info("refresh token rejected; sign-in needed", "err", err)
	c.token = nil
	c.stopRenewalLocked()
	c.deleteStoredLocked()
}

// forgetSessionLocked drops the token and the stored session (signed out
// elsewhere).
func (c *Core) forgetSessionLocked() {
	c.token = nil
	c.ownerID = ""
	c.stopRenewalLocked()
	c.deleteStoredLocked()
}

// deleteStoredLocked removes the stored session in the background.
func (c *Core) deleteStoredLocked() {
	had := c.stored != nil || c.storage.Kind != StorageNone
	c.stored = nil
	c.storage = StorageInfo{Kind: StorageNone}
	if !had {
		return
	}
	c.goBackgroundLocked(func(ctx context.Context) {
		if err := c.cfg.Store.Delete(ctx); err != nil && !errors.Is(err, auth.ErrNotFound) {
			c.log.Warn("could not delete the stored session", "err", err)
			c.mu.Lock()
			c.lastError = "The saved session could not be removed from the keyring: " + human(err)
			c.commitLocked()
			c.mu.Unlock()
		}
	})
}

// saveSession stores what is needed to restore the session (the refresh
// token and small metadata). When the keyring cannot be used the session is
// kept in memory for this run and the state says why.
func (c *Core) saveSession(ctx context.Context, tok *auth.Token, email, subject string, timeout time.Duration) {
	if tok.RefreshToken == "" {
		c.mu.Lock()
		c.token = tok
		c.mu.Unlock()
		return
	}
	if s := tok.Subject(); s != "" {
		subject = s
	}
	if e := tok.Email(); e != "" {
		email = e
	}
	sess := &auth.Session{
		RefreshToken: tok.RefreshToken,
		Subject:      subject,
		Email:        email,
		Issuer:       c.cfg.Issuer,
		ClientID:     c.cfg.ClientID,
		SavedAt:      c.clock.Now().UTC(),
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	err := c.cfg.Store.Save(sctx, sess)
	cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.token = tok
	c.stored = sess
	if err != nil {
		c.log.Warn("keyring unavailable; keeping the session in memory", "err", err)
		wasMemory := c.storage.Kind == StorageMemory
		c.storage = StorageInfo{Kind: StorageMemory, Why: human(err)}
		if !wasMemory {
			c.emitLocked(Event{Kind: EventNoKeyring, Title: "Session not saved", Body: "Your sign-in is kept only until Pieces Tray quits: " + human(err)})
		}
	} else {
		c.storage = StorageInfo{Kind: StorageKeyring}
	}
	c.commitLocked()
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
	return client.AuthenticateFromOAuthToken(ctx, OAuthToken(tok, c.clock.Now()))
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
	now := c.clock.Now()
	life := c.token.Expiry.Sub(now)
	wait := life * 4 / 5
	if wait < time.Second {
		wait = time.Second
	}
	c.renewTimer = c.clock.AfterFunc(wait, func() { c.goBackground(c.renew) })
}

func (c *Core) stopRenewalLocked() {
	if c.renewTimer != nil {
		c.renewTimer.Stop()
		c.renewTimer = nil
	}
}

// renew refreshes the token and re-authenticates Pieces OS in the
// background. A rejected refresh token means sign-in is needed; anything
// else is retried later while the person stays signed in.
func (c *Core) renew(ctx context.Context) {
	c.mu.Lock()
	sess := c.stored
	c.renewTimer = nil
	c.mu.Unlock()
	if sess == nil {
		return
	}
	tok, err := c.cfg.Signer.Refresh(ctx, sess.RefreshToken)
	if err == nil {
		c.saveSession(ctx, tok, sess.Email, sess.Subject, storeReadTimeout)
		_, err = c.authenticate(ctx, tok)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err == nil:
		c.renewBackoff = 0
		c.scheduleRenewalLocked()
		c.log.Debug("session renewed")
	case errors.Is(err, auth.ErrSignInNeeded):
		c.sessionExpiredLocked(err)
	default:
		c.log.Warn("session renewal failed; will retry", "err", err)
		c.retryLaterLocked(func() { c.goBackground(c.renew) })
	}
	c.commitLocked()
}

// retryLaterLocked calls f after a growing delay.
func (c *Core) retryLaterLocked(f func()) {
	if c.renewBackoff == 0 {
		c.renewBackoff = c.cfg.RenewRetry
	} else {
		c.renewBackoff *= 2
		if c.renewBackoff > maxRenewBackoff {
			c.renewBackoff = maxRenewBackoff
		}
	}
	c.stopRenewalLocked()
	c.renewTimer = c.clock.AfterFunc(c.renewBackoff, func() {
		c.mu.Lock()
		c.renewTimer = nil
		alive := c.runCtx != nil && c.runCtx.Err() == nil
		c.mu.Unlock()
		if alive {
			f()
		}
	})
}
