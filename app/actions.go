package app

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"piecestray/apiclient"
	"piecestray/auth"
)

// DefaultSignInTimeout bounds a browser sign-in.
const DefaultSignInTimeout = 5 * time.Minute

// otherModeHint tells a person whose Auth0 sign-in never came back that
// Pieces OS can run the sign-in itself, and how to choose that; "" when it
// already does.
func (c *Core) otherModeHint() string {
	if c.cfg.Mode == ModePiecesOS {
		return ""
	}
	return " If the sign-in page showed an error, Pieces OS can run the sign-in itself: start Pieces Tray with --sign-in pieces-os (or PIECES_TRAY_SIGN_IN=pieces-os)."
}

// signInRun is a browser sign-in under way.
type signInRun struct {
	cancel context.CancelFunc
	info   SignInInfo
}

// Result is what a successful action returns.
type Result struct {
	// Message says what happened, in words (e.g. what remains after a
	// sign-out while Pieces OS was unreachable).
	Message string `json:"message,omitempty"`
	// Confirmed is true when the change was seen in the profile.
	Confirmed bool `json:"confirmed,omitempty"`
}

// Do runs an action. args is the action's JSON arguments (may be empty).
// Sign-in returns as soon as the browser step has started; the state follows
// its progress. Other actions return when done. A failure is an
// *ActionError.
func (c *Core) Do(ctx context.Context, action Action, args json.RawMessage) (Result, error) {
	switch action {
	case ActionSignIn:
		return c.SignIn()
	case ActionCancelSignIn:
		return c.CancelSignIn(), nil
	case ActionSignOut:
		return c.SignOut(ctx)
	case ActionSetVanity:
		return withArgs(args, func(a VanityArgs) (Result, error) { return c.SetVanity(ctx, a.Name) })
	case ActionSetBeta:
		return withArgs(args, func(a BetaArgs) (Result, error) { return c.SetBeta(ctx, a.OptIn) })
	case ActionRefresh:
		return c.Refresh(ctx)
	case ActionRetry:
		return c.Retry(), nil
	}
	return Result{}, &ActionError{Code: CodeInvalid, Message: fmt.Sprintf("Unknown action %q.", action)}
}

// withArgs runs do with the action's arguments args, decoded.
func withArgs[T any](args json.RawMessage, do func(T) (Result, error)) (Result, error) {
	var a T
	if len(args) == 0 {
		return Result{}, &ActionError{Code: CodeInvalid, Message: "This action needs arguments."}
	}
	if err := json.Unmarshal(args, &a); err != nil {
		return Result{}, &ActionError{Code: CodeInvalid, Message: "The action's arguments are malformed."}
	}
	return do(a)
}

// SignIn starts a browser sign-in, or brings the running one forward by
// opening its page again.
func (c *Core) SignIn() (Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.runCtx == nil || c.runCtx.Err() != nil {
		return Result{}, &ActionError{Code: CodeInternal, Message: "Pieces Tray is shutting down."}
	}
	if run := c.signIn; run != nil {
		if url := run.info.URL; url != "" && c.cfg.Browser != nil {
			c.goBackgroundLocked(func(context.Context) {
				if err := c.cfg.Browser.Open(url); err != nil {
					c.cfg.Logger.Warn("could not open the browser again", "err", err)
				}
			})
		}
		return Result{Message: "The sign-in page is open in your browser."}, nil
	}
	if c.notRunning {
		return Result{}, &ActionError{Code: CodeNotRunning, Message: notRunningMessage}
	}
	if c.busy == ActionSignOut {
		return Result{}, &ActionError{Code: CodeBusy, Message: "Signing out is under way; sign in again when it is done."}
	}
	now := c.cfg.Clock.Now()
	ctx, cancel := context.WithTimeout(c.runCtx, c.cfg.SignInTimeout)
	run := &signInRun{cancel: cancel, info: SignInInfo{StartedAt: now, Deadline: now.Add(c.cfg.SignInTimeout)}}
	c.signIn = run
	c.clearErrorLocked(errSignIn)
	c.commitLocked()
	c.goBackgroundLocked(func(runCtx context.Context) {
		defer cancel()
		c.signInFlow(runCtx, ctx, run)
	})
	return Result{Message: "Continue in your browser."}, nil
}

// CancelSignIn stops the running sign-in, if any.
func (c *Core) CancelSignIn() Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.signIn == nil {
		return Result{Message: "No sign-in was running."}
	}
	c.signIn.cancel()
	return Result{Message: "Sign-in cancelled." + c.otherModeHint()}
}

// signInFlow runs a sign-in bounded by ctx; runCtx is Run's context, for
// the part that must finish even when the sign-in is cancelled (saving a
// session Pieces OS already has). In ModePiecesOS, Pieces OS runs the
// sign-in (POST /os/sign_in) and keeps the session: nothing is stored or
// renewed here, and cancelling abandons the wait.
func (c *Core) signInFlow(runCtx, ctx context.Context, run *signInRun) {
	var tok *auth.Token
	var p *apiclient.UserProfile
	var err error
	if c.cfg.Mode == ModePiecesOS {
		c.mu.Lock()
		client := c.client
		c.mu.Unlock()
		err = apiclient.ErrNotRunning
		if client != nil {
			p, err = client.SignIntoOS(ctx)
		}
	} else {
		tok, err = c.cfg.Signer.Login(ctx, func(url string) {
			c.mu.Lock()
			if c.signIn == run {
				run.info.URL = url
				c.commitLocked()
			}
			c.mu.Unlock()
		})
		if err == nil {
			p, err = c.startSession(runCtx, ctx, tok)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.commitLocked()
	if c.signIn == run {
		c.signIn = nil
	}
	// In auth0 mode tok != nil means the browser part was done and Pieces
	// OS's part (from_token) failed; tok == nil in either mode means the
	// browser part was not.
	retry := " Choose Sign in… to try again."
	switch {
	case err == nil:
		c.signInNeeded = ""
		c.ownSessionLocked(p)
		c.cfg.Logger.Info("signed in", "mode", c.cfg.Mode)
		return
	case errors.Is(err, auth.ErrCancelled), errors.Is(err, errSessionGone), errors.Is(err, context.Canceled) && c.runCtx.Err() == nil:
		c.clearErrorLocked(errSignIn)
		c.cfg.Logger.Info("sign-in cancelled")
		return
	case errors.Is(err, apiclient.ErrNotRunning) && tok != nil:
		c.setErrorLocked(errSignIn, "Pieces OS stopped during sign-in. You will be signed in as soon as it runs again.")
	case (errors.Is(err, context.DeadlineExceeded) || apiclient.IsGatewayTimeout(err)) && tok == nil:
		c.setErrorLocked(errSignIn, fmt.Sprintf("The sign-in was not finished in the browser within %s.", c.cfg.SignInTimeout.Round(time.Second))+retry+c.otherModeHint())
	case apiclient.IsUnauthorized(err) && tok != nil:
		c.setErrorLocked(errSignIn, "Pieces OS did not accept your sign-in: "+Human(err)+" Try signing in again; if it keeps failing, restart Pieces OS.")
	case c.cfg.Mode == ModeAuth0: // any other auth0-mode failure
		c.setErrorLocked(errSignIn, "Sign-in failed: "+Human(err))
	// The rest are Pieces OS's answers to POST /os/sign_in.
	case apiclient.IsServerError(err): // its message says Pieces OS could not sign you in
		c.setErrorLocked(errSignIn, Human(err)+retry)
	default:
		c.setErrorLocked(errSignIn, "Pieces OS could not sign you in: "+Human(err)+retry)
	}
	c.cfg.Logger.Warn("sign-in failed", "mode", c.cfg.Mode, "err", err)
}

// startSession makes the token set of a finished browser sign-in the
// session: it hands it to Pieces OS and stores it. Renewals or restores of an
// older session drop out, and like them it runs under refreshMu, so a
// sign-out is ordered with it. The session is kept even when Pieces OS died
// meanwhile: it is restored as soon as Pieces OS answers again.
func (c *Core) startSession(runCtx, ctx context.Context, tok *auth.Token) (*apiclient.UserProfile, error) {
	c.mu.Lock()
	c.endSessionLocked() // a new generation; cancels a refresh under way
	gen := c.gen
	c.mu.Unlock()
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()
	if err := c.unlessEnded(gen, nil); err != nil {
		return nil, err
	}
	p, err := c.authenticate(ctx, tok)
	if err == nil || errors.Is(err, apiclient.ErrNotRunning) {
		if !c.adopt(runCtx, tok, nil, gen, personStoreTimeout) {
			return nil, errSessionGone
		}
	}
	return p, err
}

// SignOut signs the person out of Pieces OS on this machine and deletes the
// stored session (in ModePiecesOS, Pieces OS keeps the session and ends it).
// When Pieces OS is unreachable the local session is still removed and the
// result says what remains. Once started it runs to the end even if the
// caller goes away (a window closed mid-way): a half sign-out would leave
// Pieces OS and the keyring disagreeing.
func (c *Core) SignOut(context.Context) (Result, error) {
	c.mu.Lock()
	if c.busy != "" {
		c.mu.Unlock()
		return Result{}, &ActionError{Code: CodeBusy, Message: "Another change is under way; try again when it is done."}
	}
	if c.signIn != nil {
		c.signIn.cancel()
	}
	c.busy = ActionSignOut
	c.expectSignOut = true
	c.endSessionLocked() // a renewal or restore under way drops its result
	c.stored = nil       // nothing may restore it from now on
	pendingDelete := c.pendingDelete
	c.pendingDelete = false
	c.commitLocked()
	ctx := cmp.Or(c.runCtx, context.Background()) // Run may not have started
	c.mu.Unlock()

	// Wait for a renewal or restore that is talking to Pieces OS, so that
	// nothing signs Pieces OS in again after the sign-out below.
	c.refreshMu.Lock()
	c.mu.Lock()
	client, user := c.client, c.user
	// Only a keyring that may hold a session of ours is asked, and spoken
	// of; read under refreshMu, after any save under way has ended.
	mayHold := c.keyringMayHold || pendingDelete
	c.mu.Unlock()
	remote := c.signOutRemote(ctx, client, user)
	var delErr error
	if mayHold {
		// Not cut short by a quit (the agent waits for this call): a
		// session left in the keyring would come back at the next start.
		delErr = c.deleteStore(context.WithoutCancel(ctx), personStoreTimeout)
	}
	c.refreshMu.Unlock()

	c.mu.Lock()
	defer c.mu.Unlock()
	c.busy = ""
	c.stored = nil
	c.signInNeeded = ""
	if c.cfg.Mode == ModeAuth0 {
		c.storage = StorageInfo{Kind: StorageNone}
	}
	if remote == nil {
		c.user = nil
		c.userKnown = true
	}
	c.commitLocked() // derives the "signed out" event while expectSignOut holds
	c.expectSignOut = false
	if delErr == nil && mayHold {
		c.keyringMayHold = false
		c.markSignedOut(false)
	}
	msg := "You are signed out. Pieces OS forgot your account on this computer and the saved session was deleted. Your browser may still be signed in to Pieces."
	deleted := "The saved session was deleted, but "
	if !mayHold {
		msg = "You are signed out. Pieces OS forgot your account on this computer. Your browser may still be signed in to Pieces."
		deleted = "Nothing was saved on this computer, but "
	}
	switch {
	case remote != nil && c.cfg.Mode == ModePiecesOS:
		c.setErrorLocked(errSignOut, "Pieces OS could not sign you out: "+Human(remote)+" Try again once it runs.")
		c.commitLocked()
		return Result{}, &ActionError{Code: codeOf(remote), Message: c.lastError}
	case remote != nil && delErr != nil:
		c.deleteFailedLocked(delErr)
		c.setErrorLocked(errSignOut, "Sign-out is incomplete: "+Human(remote)+" and the saved session could not be deleted: "+Human(delErr))
		c.commitLocked()
		return Result{}, &ActionError{Code: codeOf(remote), Message: c.lastError}
	case remote != nil:
		c.setErrorLocked(errSignOut, deleted+"Pieces OS could not be told: "+Human(remote)+" Pieces OS may still have you signed in; sign out again once it runs.")
		c.commitLocked()
		return Result{Message: c.lastError}, nil
	case delErr != nil:
		c.deleteFailedLocked(delErr)
		c.setErrorLocked(errSignOut, "Pieces OS signed you out, but the saved session could not be deleted from the keyring yet: "+Human(delErr)+" Pieces Tray deletes it as soon as the keyring answers.")
		c.commitLocked()
		return Result{Message: c.lastError}, nil
	}
	c.clearErrorLocked(errSignOut, errKeyring)
	c.commitLocked()
	return Result{Message: msg}, nil
}

// signOutRemote asks Pieces OS to forget the user: in ModePiecesOS, which
// keeps the session, with POST /os/sign_out; else by disconnecting the user
// and clearing it.
func (c *Core) signOutRemote(ctx context.Context, client PiecesOS, user *apiclient.UserProfile) error {
	if client == nil {
		return apiclient.ErrNotRunning
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if c.cfg.Mode == ModePiecesOS {
		_, err := client.SignOutOfOS(ctx)
		return err
	}
	if user != nil {
		if _, err := client.DisconnectUser(ctx, user.ID); err != nil && !apiclient.IsNotFound(err) {
			return err
		}
	}
	return client.ClearUser(ctx)
}

// SetVanity sets the vanity name (NAME of NAME.pieces.cloud). The new name
// is confirmed from the profile, not assumed from the reply.
func (c *Core) SetVanity(ctx context.Context, name string) (Result, error) {
	if err := apiclient.ValidVanityName(name); err != nil {
		return Result{}, &ActionError{Code: CodeInvalid, Message: capitalize(err.Error())}
	}
	name = apiclient.NormalizeVanityName(name)
	return c.change(ctx, ActionSetVanity, userChange{
		send: func(ctx context.Context, client PiecesOS, user *apiclient.UserProfile) error {
			body := *user
			body.VanityName = name
			_, err := client.UpdateVanity(ctx, &body)
			return err
		},
		failed: func(err error) *ActionError { return vanityError(err, name) },
		shows:  func(p *apiclient.UserProfile) bool { return VanityName(p) == name },
		done:   "Your personal cloud is now " + VanityHost(name) + ".",
		saved:  "Saved. Pieces OS has not shown " + VanityHost(name) + " yet; it can take a few minutes.",
	})
}

// SetBeta opts the user in to the beta program (a continuous window from
// now) or out of it (the window ends now), as the reference describes.
func (c *Core) SetBeta(ctx context.Context, optIn bool) (Result, error) {
	done := "You left the beta program."
	if optIn {
		done = "You joined the beta program."
	}
	return c.change(ctx, ActionSetBeta, userChange{
		send: func(ctx context.Context, client PiecesOS, user *apiclient.UserProfile) error {
			now := &apiclient.GroupedTimestamp{Value: c.cfg.Clock.Now().UTC()}
			window := &apiclient.AnonymousTemporalRange{To: now}
			if optIn {
				window = &apiclient.AnonymousTemporalRange{Continuous: &optIn, From: now}
			}
			body := &apiclient.UserBetaStatus{User: user.ID}
			status := &apiclient.Auth0UserBetaStatus{Vision: window}
			if user.Descope != nil && user.Auth0 == nil {
				body.Descope = status
			} else {
				body.Auth0 = status
			}
			_, err := client.UserBetaStatus(ctx, body)
			return err
		},
		failed: betaError,
		shows: func(p *apiclient.UserProfile) bool {
			return BetaOptedIn(p, c.cfg.Clock.Now().Add(time.Second)) == optIn
		},
		done:  done,
		saved: "Saved. Pieces OS has not shown the change yet.",
	})
}

// Refresh asks Pieces OS to refresh the user (GET /user/refresh).
func (c *Core) Refresh(ctx context.Context) (Result, error) {
	return c.change(ctx, ActionRefresh, userChange{
		send: func(ctx context.Context, client PiecesOS, _ *apiclient.UserProfile) error {
			seq := c.streamSeq()
			p, err := client.RefreshUser(ctx)
			if err == nil {
				c.mu.Lock()
				c.applySideReadLocked(p, seq)
				c.mu.Unlock()
			}
			return err
		},
		failed: func(err error) *ActionError {
			return &ActionError{Code: codeOf(err), Message: "Could not refresh your profile: " + Human(err)}
		},
		done: "Profile refreshed.", // the answer is the new profile: nothing to wait for
	})
}

// Retry looks for Pieces OS again now, and reads the stored session again
// when it could not be read before.
func (c *Core) Retry() Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	wake(c.retry)
	if c.loadFailed || c.pendingDelete {
		if c.storage.Kind == StorageNone {
			c.storage.Why = ""
		}
		c.clearErrorLocked(errKeyring)
		stopLocked(&c.loadTimer)
		c.loadBackoff.Reset()
		c.goBackgroundLocked(c.loadStore)
	}
	c.commitLocked()
	return Result{Message: "Looking for Pieces OS…"}
}

// begin checks that an action on the signed-in user can run and marks it
// busy.
func (c *Core) begin(a Action) (PiecesOS, *apiclient.UserProfile, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.notRunning || c.client == nil:
		return nil, nil, &ActionError{Code: CodeNotRunning, Message: notRunningMessage}
	case c.user == nil:
		return nil, nil, &ActionError{Code: CodeNotSignedIn, Message: "You need to sign in first."}
	case c.busy != "":
		return nil, nil, &ActionError{Code: CodeBusy, Message: "Another change is under way; try again when it is done."}
	}
	c.busy = a
	c.commitLocked()
	return c.client, c.user, nil
}

// userChange is one change to the signed-in user, which change runs.
type userChange struct {
	send   func(context.Context, PiecesOS, *apiclient.UserProfile) error // asks Pieces OS for it
	failed func(error) *ActionError                                      // words its failure
	shows  func(*apiclient.UserProfile) bool                             // whether a profile shows it; nil: no need to look
	done   string                                                        // the result once the profile shows it
	saved  string                                                        // the result when Pieces OS took it but the profile does not show it yet
}

// change runs action a, the change ch, on the signed-in user: it asks
// Pieces OS (within 30 s), then waits for the profile to show the change.
// A failure becomes the last error.
func (c *Core) change(ctx context.Context, a Action, ch userChange) (Result, error) {
	client, user, err := c.begin(a)
	if err != nil {
		return Result{}, err
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err = ch.send(sctx, client, user)
	cancel()
	confirmed := err == nil && (ch.shows == nil || c.confirm(ctx, client, ch.shows))
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.commitLocked()
	c.busy = ""
	if err != nil {
		e := ch.failed(err)
		c.setErrorLocked(errAction, e.Message)
		return Result{}, e
	}
	if !confirmed {
		return Result{Message: ch.saved}, nil
	}
	c.clearErrorLocked(errAction)
	return Result{Message: ch.done, Confirmed: true}, nil
}

// confirm waits until the profile satisfies ok, from the stream or by
// reading GET /user once a second, up to ConfirmTimeout.
func (c *Core) confirm(ctx context.Context, client PiecesOS, ok func(*apiclient.UserProfile) bool) bool {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.ConfirmTimeout)
	defer cancel()
	states := c.Subscribe(ctx)
	poll := time.NewTicker(time.Second)
	defer poll.Stop()
	for {
		select {
		case s, open := <-states: // closed when ctx ends
			if !open || (s.User != nil && ok(s.User)) {
				return open
			}
		case <-poll.C:
			seq := c.streamSeq()
			snap, err := client.UserSnapshot(ctx)
			if err == nil && snap.User != nil && ok(snap.User) {
				c.mu.Lock()
				c.applySideReadLocked(snap.User, seq)
				c.commitLocked()
				c.mu.Unlock()
				return true
			}
		}
	}
}

// streamSeq returns the count of profiles the stream has reported.
func (c *Core) streamSeq() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.profileSeq
}

// applySideReadLocked applies a profile read with a request started when the
// stream had reported seq profiles, unless the stream reported newer news
// since (a sign-out frame must not be undone by an older read).
func (c *Core) applySideReadLocked(p *apiclient.UserProfile, seq uint64) {
	if c.profileSeq != seq {
		return
	}
	c.onProfileLocked(p, false)
}
