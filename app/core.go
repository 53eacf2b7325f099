package app

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"sync"
	"time"

	"piecestray/apiclient"
	"piecestray/auth"
)

// PiecesOS is the part of the Pieces OS REST API the core uses. It is
// satisfied by *apiclient.Client.
type PiecesOS interface {
	UserSnapshot(ctx context.Context) (*apiclient.ReturnedUserProfile, error)
	AuthenticateFromOAuthToken(ctx context.Context, tok *apiclient.OAuthToken) (*apiclient.UserProfile, error)
	DisconnectUser(ctx context.Context, id string) (*apiclient.Users, error)
	ClearUser(ctx context.Context) error
	UpdateVanity(ctx context.Context, p *apiclient.UserProfile) (*apiclient.UserProfile, error)
	UserBetaStatus(ctx context.Context, s *apiclient.UserBetaStatus) (*apiclient.UserBetaStatus, error)
	RefreshUser(ctx context.Context) (*apiclient.UserProfile, error)
	Version(ctx context.Context) (string, error)
	SignIntoOS(ctx context.Context) (*apiclient.UserProfile, error)
	SignOutOfOS(ctx context.Context) (*apiclient.Users, error)
}

// Follower follows the /user stream of Pieces OS, owning discovery and
// reconnection, and reports every change through handle until ctx ends. It
// is satisfied by *apiclient.Follower.
type Follower interface {
	Run(ctx context.Context, handle func(apiclient.StreamUpdate)) error
}

// Signer runs the browser sign-in and refreshes tokens.
type Signer interface {
	// Login runs one browser sign-in. onURL is called with the authorize URL
	// as soon as it is known.
	Login(ctx context.Context, onURL func(string)) (*auth.Token, error)
	// Refresh trades a refresh token for a new token set.
	Refresh(ctx context.Context, refreshToken string) (*auth.Token, error)
}

// Config wires a Core to its collaborators. PiecesOS and Follower are
// required; so are Signer and Store in ModeAuth0.
type Config struct {
	// Mode says who runs the sign-in and keeps the session: ModeAuth0 (the
	// default) or ModePiecesOS, in which Signer and Store are never used.
	Mode     SignInMode
	PiecesOS func(baseURL string) PiecesOS // builds a client for a discovered base URL
	Follower Follower
	Signer   Signer
	Store    auth.Store
	// SignedOutMark, when set, is a file that says the keyring still holds
	// a session the person removed, so that the next start deletes it
	// instead of restoring it. Default: no file (a later start restores it).
	SignedOutMark string
	Browser       auth.Browser    // optional; brings a running sign-in forward
	Clock         apiclient.Clock // default apiclient.SystemClock
	Logger        *slog.Logger    // default discards
	OnEvent       func(Event)     // optional; called from one goroutine, in order
	Issuer        string          // recorded with the stored session
	ClientID      string          // recorded with the stored session

	// ConfirmTimeout bounds how long vanity and beta changes wait to be
	// confirmed by the profile. Default 20 s.
	ConfirmTimeout time.Duration
	// SignInTimeout bounds a browser sign-in. Default
	// DefaultSignInTimeout (5 minutes).
	SignInTimeout time.Duration
}

// Timings of the core.
const (
	// publishInterval is the least time between two publications to
	// subscribers, so that a burst of frames costs a bounded number of
	// renders.
	publishInterval = 50 * time.Millisecond
	eventWindow     = time.Second      // coalesces profile changes into one event
	outageGrace     = 5 * time.Second  // how long Pieces OS may be away before it is news
	renewRetry      = 15 * time.Second // first wait before retrying a renewal, restore or keyring read
)

// Core is the session state machine of the agent. Create it with New, start
// it with Run, read it with State and Subscribe, and act with Do.
type Core struct {
	cfg Config

	dirty  chan struct{} // capacity 1: a new state waits to be published
	events chan struct{} // capacity 1: events wait in pending
	retry  chan struct{} // capacity 1: restart the follower now

	mu sync.Mutex // guards every field below
	// runCtx is Run's context; background work started by actions and
	// timers uses it and is counted in wg.
	runCtx context.Context
	wg     sync.WaitGroup

	cur     State // last built state
	started bool  // the notification baseline is taken (the user was first known)

	baseURL    string
	client     PiecesOS
	version    string
	stream     StreamInfo
	tried      []string
	notRunning bool // discovery found nothing
	userKnown  bool // Pieces OS told us who is signed in since start
	user       *apiclient.UserProfile

	// refreshMu serialises the session's refresher: renewals, restores and
	// the remote part of a sign-out (see session.go). Taken before mu.
	refreshMu sync.Mutex
	gen       uint64 // session generation; bumped when a session ends
	// cancelRefresh stops the renewal or restore under way, if any.
	cancelRefresh context.CancelFunc

	signIn       *signInRun
	signInNeeded string // reason, when the stored session can no longer be used
	restoring    bool
	// restoreWanted: Pieces OS has nobody signed in and the stored session
	// is being (or will again be) restored; what Pieces OS says meanwhile is
	// not news for notifications.
	restoreWanted bool
	// connShowedUser: the stream connection now open has shown a signed-in
	// user (see onProfileLocked for why it matters).
	connShowedUser bool
	// confirmingSignOut: a sign-out frame is being checked with GET /user;
	// nobodyFrame: the stream's latest news was such a frame.
	confirmingSignOut bool
	nobodyFrame       bool
	// restoreAfterReconnect: the restore under way follows a reconnect that
	// found nobody; its success is news ("signed you back in").
	restoreAfterReconnect bool
	loadFailed            bool // the last keyring read failed (not "not found")
	// keyringMayHold: the keyring may hold a session of ours (one was read or
	// saved, or it could not be read for a reason other than having no
	// Secret Service). Signing out deletes it only then, and speaks of it
	// only then.
	keyringMayHold bool
	// pendingDelete: a session the person removed is still in the keyring
	// (its deletion failed); the next keyring read deletes it.
	pendingDelete bool
	marked        bool              // Config.SignedOutMark exists (see markSignedOut)
	loadBackoff   apiclient.Backoff // waits between keyring reads
	loadTimer     apiclient.Timer
	renewAt       time.Time // when the scheduled renewal is due
	profileSeq    uint64    // counts profiles from the stream, to order side reads
	storage       StorageInfo
	storeLoaded   bool
	stored        *auth.Session // session as stored (or kept in memory)
	token         *auth.Token   // current access token set, when we own the session
	// ownerID is the Pieces OS user our session signed in. When Pieces OS
	// reports another user, someone signed in elsewhere with another
	// account, and our session must not be renewed over theirs.
	ownerID      string
	renewTimer   apiclient.Timer
	renewBackoff apiclient.Backoff // waits between failed renewals and restores
	lastError    string            // what State.LastError says; set and cleared by setErrorLocked and clearErrorLocked
	errFrom      errSource         // the condition lastError tells of
	busy         Action
	// expectSignOut marks a sign-out the person started here, so its frame
	// is not reported as "signed out elsewhere".
	expectSignOut bool

	// notification bookkeeping
	eventUser      *apiclient.UserProfile // last signed-in profile events were derived from
	silentSignIn   bool                   // the next signed-in transition is a silent restore
	pendingChanges []string               // coalesced profile changes
	changeTimer    apiclient.Timer
	outageTimer    apiclient.Timer
	outageReported bool
	pending        []Event

	subs map[chan State]struct{}

	// What is under way, for quiet: background goroutines running, the
	// sequence last handed to subscribers, and events queued and delivered.
	work         int
	publishedSeq uint64
	emitted      uint64
	delivered    uint64
}

// errSource names the condition a LastError tells of. Each condition clears
// its own error when it ends, and only its own: a later error replaces an
// earlier one, and the end of a condition that is no longer shown changes
// nothing.
type errSource uint8

// The conditions LastError tells of.
const (
	errNone    errSource = iota
	errSignIn            // the last sign-in failed
	errSignOut           // the last sign-out was incomplete
	errAction            // the last vanity, beta or refresh action failed
	errKeyring           // the keyring could not be read, or still holds a removed session
	errRestore           // the stored session could not be restored yet
	errRenew             // the session could not be renewed past its expiry
	errProfile           // Pieces OS sent a profile this version cannot read
)

// setErrorLocked makes msg the LastError, as told by src.
func (c *Core) setErrorLocked(src errSource, msg string) {
	c.lastError, c.errFrom = msg, src
}

// clearErrorLocked clears the LastError when it tells of one of srcs.
func (c *Core) clearErrorLocked(srcs ...errSource) {
	if slices.Contains(srcs, c.errFrom) {
		c.lastError, c.errFrom = "", errNone
	}
}

// New returns a Core that publishes PhaseConnecting until Run learns more.
func New(cfg Config) *Core {
	cfg.Clock = cmp.Or[apiclient.Clock](cfg.Clock, apiclient.SystemClock{})
	cfg.Logger = cmp.Or(cfg.Logger, slog.New(slog.DiscardHandler))
	cfg.ConfirmTimeout = cmp.Or(cfg.ConfirmTimeout, 20*time.Second)
	cfg.SignInTimeout = cmp.Or(cfg.SignInTimeout, DefaultSignInTimeout)
	cfg.Mode = cmp.Or(cfg.Mode, ModeAuth0)
	c := &Core{
		cfg:     cfg,
		dirty:   make(chan struct{}, 1),
		events:  make(chan struct{}, 1),
		retry:   make(chan struct{}, 1),
		stream:  StreamInfo{Status: StreamIdle},
		storage: StorageInfo{Kind: StorageNone},
		subs:    make(map[chan State]struct{}),

		loadBackoff:  apiclient.Backoff{Min: renewRetry, Max: maxRenewBackoff},
		renewBackoff: apiclient.Backoff{Min: renewRetry, Max: maxRenewBackoff},
	}
	if _, err := os.Stat(cfg.SignedOutMark); cfg.SignedOutMark != "" && err == nil && cfg.Mode == ModeAuth0 {
		c.pendingDelete, c.marked = true, true // an earlier run could not delete it
	}
	if cfg.Mode == ModePiecesOS {
		// Pieces OS keeps the session: there is nothing to read here.
		c.storage = StorageInfo{Kind: StoragePiecesOS}
		c.storeLoaded = true
	}
	c.cur = c.build()
	c.cur.Seq = 1
	return c
}

// State returns the current state.
func (c *Core) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur
}

// Subscribe returns a channel that yields the current state at once and then
// every later publication. A slow reader only gets the newest state. The
// channel is closed when ctx ends.
func (c *Core) Subscribe(ctx context.Context) <-chan State {
	ch := make(chan State, 1)
	c.mu.Lock()
	ch <- c.cur
	c.subs[ch] = struct{}{}
	c.mu.Unlock()
	context.AfterFunc(ctx, func() {
		c.mu.Lock()
		delete(c.subs, ch)
		close(ch)
		c.mu.Unlock()
	})
	return ch
}

// Run starts the core: it loads the stored session, follows Pieces OS,
// publishes states and delivers events until ctx ends. It waits for all the
// work it started before returning. It is called once.
func (c *Core) Run(ctx context.Context) error {
	c.mu.Lock()
	c.runCtx = ctx
	c.stream = StreamInfo{Status: StreamConnecting}
	c.commitLocked()
	if c.cfg.Mode == ModeAuth0 {
		c.goBackgroundLocked(c.loadStore)
	}
	c.mu.Unlock()

	var wg sync.WaitGroup
	wg.Go(func() { c.publishLoop(ctx) })
	wg.Go(func() { c.eventLoop(ctx) })
	wg.Go(func() { c.followLoop(ctx) })

	<-ctx.Done()
	c.mu.Lock()
	for _, t := range []*apiclient.Timer{&c.renewTimer, &c.changeTimer, &c.outageTimer, &c.loadTimer} {
		stopLocked(t)
	}
	c.mu.Unlock()
	wg.Wait()
	c.wg.Wait()
	return nil
}

// followLoop runs the follower, restarting it when Retry asks.
func (c *Core) followLoop(ctx context.Context) {
	for ctx.Err() == nil {
		fctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := c.cfg.Follower.Run(fctx, c.onStream); err != nil && fctx.Err() == nil {
				c.cfg.Logger.Warn("stream follower stopped", "err", err)
			}
		}()
		select {
		case <-ctx.Done():
		case <-c.retry:
		case <-done:
			// The follower gave up on its own; start it again after a pause
			// so a broken follower cannot spin.
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
		cancel()
		<-done
	}
}

// publishLoop delivers the newest state to subscribers, at most once per
// publishInterval.
func (c *Core) publishLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.dirty:
		}
		c.mu.Lock()
		st := c.cur
		for ch := range c.subs {
			select {
			case <-ch: // drop the unread older state
			default:
			}
			ch <- st
		}
		c.publishedSeq = st.Seq
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(publishInterval):
		}
	}
}

// eventLoop hands events to OnEvent one at a time, in order.
func (c *Core) eventLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.events:
		}
		c.mu.Lock()
		evs := c.pending
		c.pending = nil
		c.mu.Unlock()
		for _, ev := range evs {
			if c.cfg.OnEvent != nil {
				c.cfg.OnEvent(ev)
			}
		}
		c.mu.Lock()
		c.delivered += uint64(len(evs))
		c.mu.Unlock()
	}
}

// emitLocked queues an event; an unsent event of the same kind is replaced.
func (c *Core) emitLocked(ev Event) {
	for i, p := range c.pending {
		if p.Kind == ev.Kind {
			c.pending[i] = ev
			return
		}
	}
	c.pending = append(c.pending, ev)
	c.emitted++
	wake(c.events)
}

// commitLocked rebuilds the state from the facts, and publishes it and
// derives events when it changed.
func (c *Core) commitLocked() {
	next := c.build()
	next.Seq = c.cur.Seq
	if reflect.DeepEqual(c.cur, next) {
		return
	}
	next.Seq++
	c.cur = next
	c.deriveEventsLocked()
	wake(c.dirty)
}

// build derives the State from the facts the core holds.
func (c *Core) build() State {
	s := State{
		Mode:      c.cfg.Mode,
		PiecesOS:  PiecesOSInfo{URL: c.baseURL, Version: c.version},
		Stream:    c.stream,
		Storage:   c.storage,
		LastError: c.lastError,
		Busy:      c.busy,
	}
	switch {
	case c.signIn != nil:
		s.Phase = PhaseSigningIn
		info := c.signIn.info
		s.SignIn = &info
	case c.notRunning:
		s.Phase = PhaseNotRunning
		s.PiecesOS.Tried = c.tried
		s.Reason = cmp.Or(c.stream.Err, "Pieces OS is not running")
	case c.signInNeeded != "":
		s.Phase = PhaseSignInNeeded
		s.Reason = c.signInNeeded
	case c.user != nil:
		s.Phase = PhaseSignedIn
	case !c.userKnown || c.restoring || !c.storeLoaded:
		// Until the keyring has answered, "signed out" could be wrong: a
		// stored session may be about to be restored.
		s.Phase = PhaseConnecting
	default:
		s.Phase = PhaseSignedOut
	}
	if c.token != nil {
		s.Storage.Expires = c.token.Expiry
	}
	// The profile is shown whenever Pieces OS says someone is signed in,
	// also while a sign-in of another account runs or sign-in is needed.
	if c.user != nil && !c.notRunning {
		s.User = c.user
	}
	return s
}

// onStream applies one update of the follower.
func (c *Core) onStream(u apiclient.StreamUpdate) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if u.BaseURL != "" && u.BaseURL != c.baseURL {
		c.baseURL = u.BaseURL
		c.client = c.cfg.PiecesOS(u.BaseURL)
		c.version = ""
		client := c.client
		c.goBackgroundLocked(func(ctx context.Context) { c.readVersion(ctx, client) })
	}
	wasLive := c.liveLocked()
	c.stream = StreamInfo{Status: StreamStatus(u.Status), NextAttempt: u.NextAttempt, Err: Human(u.Err)}
	switch StreamStatus(u.Status) {
	case StreamLive:
		c.notRunning = false
		c.tried = nil
		c.stream.Err = ""
		if errors.Is(u.Err, apiclient.ErrUnreadableProfile) {
			// Live, but what Pieces OS says of the user cannot be read: the
			// last profile stays, and the person learns why nothing changes.
			c.setErrorLocked(errProfile, Sentence(apiclient.ErrUnreadableProfile.Error()))
		} else {
			c.clearErrorLocked(errProfile)
		}
	case StreamNotRunning:
		c.notRunning = true
		c.tried = u.Tried
	}
	c.trackOutageLocked(wasLive)
	// The follower reads GET /user on every connect and reports that
	// profile (when it is news) in the very update that makes the stream
	// live: only then is it a snapshot of a fresh connection rather than a
	// live change.
	fresh := c.liveLocked() && !wasLive
	if u.HasProfile {
		c.profileSeq++
		c.onProfileLocked(u.Profile, fresh)
	}
	if fresh {
		// A first GET /user that could not be read shows nobody: a sign-out
		// frame on this connection is then no proof of a sign-out elsewhere.
		c.connShowedUser = c.user != nil && u.Err == nil
	}
	if c.liveLocked() {
		c.renewIfDueLocked()
	}
	c.commitLocked()
}

// liveLocked reports whether the stream is connected.
func (c *Core) liveLocked() bool { return c.stream.Status == StreamLive }

// goBackgroundLocked runs f in a goroutine counted by Run, with Run's
// context. It does nothing once Run's context has ended.
func (c *Core) goBackgroundLocked(f func(ctx context.Context)) {
	if c.runCtx == nil || c.runCtx.Err() != nil {
		return
	}
	ctx := c.runCtx
	c.work++
	c.wg.Go(func() {
		f(ctx)
		c.mu.Lock()
		c.work--
		c.mu.Unlock()
	})
}

// readVersion reads the version of the Pieces OS client talks to.
func (c *Core) readVersion(ctx context.Context, client PiecesOS) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	v, err := client.Version(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil && c.client == client {
		c.version = Clean(v) // shown as is in menus, windows and status
		c.commitLocked()
	}
}

// onProfileLocked applies what Pieces OS says about the signed-in user
// (nil: nobody). fresh is true for the snapshot of a new stream connection.
//
// The session rules: "signed out elsewhere" is concluded only from a
// sign-out frame on a connection that had shown the user, confirmed by
// GET /user; then the stored session is forgotten, so that it is not restored
// against the person's will. Nobody signed in on a fresh connection (or on a
// connection that never showed the user) means Pieces OS lost the session: it
// restarted, however quickly, or was updated. A stored session is then
// restored, and the person told ("signed you back in"), so a sign-out that
// happened while we were away can be repeated.
func (c *Core) onProfileLocked(p *apiclient.UserProfile, fresh bool) {
	hadUser := c.user != nil
	c.userKnown = true
	c.nobodyFrame = p == nil && !fresh
	if p != nil {
		c.connShowedUser = c.liveLocked()
		if c.ownerID != "" && p.ID != c.ownerID && (c.stored != nil || c.token != nil) {
			c.cfg.Logger.Info("another account signed in to Pieces OS; removing the stored session")
			c.forgetSessionLocked()
		}
		if c.signInNeeded != "" && (c.token != nil || !hadUser) {
			// A fresh session of ours replaced the expired one, or the
			// person signed in again another way (Pieces Desktop).
			c.signInNeeded = ""
		}
		c.restoreWanted = false
		// Pieces OS has a user again, however: a failed sign-in or restore
		// is no longer the news.
		c.clearErrorLocked(errRestore, errSignIn)
		c.user = p
		return
	}
	// Our own sign-out's frame needs nothing more: the action finishes the
	// bookkeeping, and no restore starts while it runs.
	switch {
	case hadUser && !c.expectSignOut && !fresh && c.connShowedUser:
		// Maybe signed out elsewhere: believe it only when GET /user agrees.
		c.confirmSignOutLocked()
		return
	case hadUser && !c.expectSignOut:
		c.cfg.Logger.Info("Pieces OS has nobody signed in after a reconnect; restoring the session")
		c.restoreAfterReconnect = c.stored != nil
	}
	c.user = nil
	c.maybeRestoreLocked()
}

// confirmSignOutLocked checks a sign-out frame with GET /user. When Pieces
// OS still has the user, the frame changes nothing; when it has nobody, the
// person signed out elsewhere and the stored session is forgotten. Newer
// news from the stream meanwhile wins over the answer.
func (c *Core) confirmSignOutLocked() {
	if c.confirmingSignOut || c.client == nil {
		return
	}
	c.confirmingSignOut = true
	client, seq := c.client, c.profileSeq
	c.goBackgroundLocked(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		r, err := client.UserSnapshot(ctx)
		cancel()
		c.mu.Lock()
		defer c.mu.Unlock()
		c.confirmingSignOut = false
		switch {
		case err != nil:
			// Pieces OS did not answer: reconnect; the fresh connection's
			// GET /user decides (nobody there restores the session).
			c.cfg.Logger.Info("could not confirm a sign-out frame; reconnecting", "err", err)
			wake(c.retry) // followLoop starts the follower again
		case c.profileSeq != seq || c.client != client:
			// The stream told something newer meanwhile: when that was
			// another sign-out frame, confirm it in turn.
			if c.nobodyFrame && c.user != nil && !c.expectSignOut {
				c.confirmSignOutLocked()
			}
		case r.User != nil:
			// Nothing changes, but the follower took the frame for news:
			// reconnect it, so that its view starts again from GET /user
			// and a later sign-out frame is news to it again.
			c.cfg.Logger.Info("a sign-out frame was contradicted by GET /user; nothing changes")
			wake(c.retry) // followLoop starts the follower again
		case c.user != nil && !c.expectSignOut:
			c.user = nil
			c.cfg.Logger.Info("signed out in Pieces OS from elsewhere; removing the stored session")
			c.forgetSessionLocked()
		}
		c.commitLocked()
	})
}

// wake signals the reader of ch, a channel of capacity 1, without waiting.
func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// trackOutageLocked turns a stream outage longer than outageGrace into a
// "stopped" event and the recovery after it into a "back" event.
func (c *Core) trackOutageLocked(wasLive bool) {
	switch {
	case c.liveLocked() && !wasLive:
		stopLocked(&c.outageTimer)
		if c.outageReported {
			c.outageReported = false
			c.emitLocked(Event{Kind: EventPiecesOSBack, Title: "Pieces OS is back", Body: "Pieces Tray is connected to Pieces OS again."})
		}
	case !c.liveLocked() && wasLive && c.outageTimer == nil:
		c.afterLocked(&c.outageTimer, outageGrace, func() {
			if c.liveLocked() {
				return
			}
			c.outageReported = true
			c.emitLocked(Event{Kind: EventPiecesOSStopped, Title: "Pieces OS stopped", Body: "Pieces Tray lost its connection to Pieces OS and keeps trying to reconnect."})
		})
	}
}

// afterLocked arms the timer in *slot, replacing the one there, to call f
// under mu after d, unless it was stopped or replaced meanwhile or Run has
// ended.
func (c *Core) afterLocked(slot *apiclient.Timer, d time.Duration, f func()) {
	stopLocked(slot)
	var t apiclient.Timer
	t = c.cfg.Clock.AfterFunc(d, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if *slot == t && c.runCtx != nil && c.runCtx.Err() == nil {
			*slot = nil
			f()
		}
	})
	*slot = t
}

// stopLocked stops the timer in *slot, if any.
func stopLocked(slot *apiclient.Timer) {
	if *slot != nil {
		(*slot).Stop()
		*slot = nil
	}
}
