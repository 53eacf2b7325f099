package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"piecestray/app"
	"piecestray/internal/autostart"
	"piecestray/internal/control"
)

// Client is the windows' line to the agent.
type Client interface {
	// Watch returns the agent's current state at once and then every change
	// (coalesced) until ctx ends; the channel is closed when the agent goes
	// away or ctx ends.
	Watch(ctx context.Context) (<-chan app.State, error)
	// Do runs an action in the agent and returns its result. A failed action
	// returns an *app.ActionError whose Code tells which button helps.
	Do(ctx context.Context, action app.Action, args any) (app.Result, error)
}

// New builds the window called name (one of internal/control's: account,
// vanity, beta, signout or doctor). noTrayHost says that the agent opened it
// by itself because no tray host shows Pieces Tray's icon on this desktop
// (only the account window says it). The window is not shown yet, and its Show waits
// up to 150 ms for the agent's first state, so that the first frame shows
// the content; after that it shows "Connecting…" until the state arrives.
// The doctor window needs no state: its Show starts the checks of
// `pieces-tray doctor` in this process. It returns an error for an unknown
// name.
func New(name string, a fyne.App, c Client, noTrayHost bool) (fyne.Window, error) {
	switch name {
	case control.WindowAccount:
		return newAccount(a, c, options{noTrayHost: noTrayHost}).window(), nil
	case control.WindowVanity:
		return newVanity(a, c, options{}).window(), nil
	case control.WindowBeta:
		return newBeta(a, c, options{}).window(), nil
	case control.WindowSignOut:
		return newSignOut(a, c, options{}).window(), nil
	case control.WindowDoctor:
		return NewDoctor(a, runHere()), nil
	}
	return nil, fmt.Errorf("ui: there is no window called %q (choose account, vanity, beta, signout or doctor)", name)
}

// options are the seams tests use; the zero value is production behaviour
// (see withDefaults).
type options struct {
	do             func(f func())                                               // hands f to Fyne's main goroutine
	pictures       func(ctx context.Context, url string) (fyne.Resource, error) // safe for concurrent use
	firstStateWait time.Duration
	noTrayHost     bool // see New
	// startAtLogin is offered by the account window once, after the first
	// sign-in; nil when it cannot be had.
	startAtLogin StartAtLoginOffer
}

// StartAtLoginOffer is what the account window needs to offer starting
// Pieces Tray at login once (*autostart.Offer).
type StartAtLoginOffer interface {
	// ShouldOffer reports whether to offer it now: never offered, and off.
	ShouldOffer() bool
	// Answer turns it on (yes) or not, and remembers it was offered.
	Answer(yes bool) error
}

func (o options) withDefaults() options {
	if o.do == nil {
		o.do = fyne.Do
	}
	if o.pictures == nil {
		o.pictures = (&PictureCache{hc: http.DefaultClient, dir: DefaultPictureDir()}).Fetch
	}
	if o.firstStateWait <= 0 {
		o.firstStateWait = firstStateWait
	}
	if o.startAtLogin == nil {
		if offer, err := autostart.NewOffer(); err == nil {
			o.startAtLogin = offer
		}
	}
	return o
}

// firstStateWait is how long a window waits for the agent's first state
// before it is shown with the "Connecting…" notice. The agent usually
// answers within a few milliseconds, and the first frame then shows the
// window's content instead of a notice replaced a moment later.
const firstStateWait = 150 * time.Millisecond

// base is what every window shares: its Fyne window, its client, and the
// context that owns its goroutines. Fields other than ctx, wg and opts are
// touched on Fyne's main goroutine only.
type base struct {
	win    fyne.Window
	client Client
	opts   options

	ctx context.Context // ends when the window closes
	wg  sync.WaitGroup  // background goroutines of the window

	// state is the latest state from the agent; known is false until the
	// first one arrives. lost says why the agent cannot be followed any
	// more, once it cannot.
	state app.State
	known bool
	lost  error

	// ready is true once the window has something to show: the agent's
	// first state, the news that the agent is lost, or the "Connecting…"
	// notice after firstStateWait. readyCh is closed when it turns true.
	ready     bool
	readyCh   chan struct{}
	showAsked bool // Show was called before the window was ready

	body   *fyne.Container   // the window's content above the buttons
	scroll *container.Scroll // scrolls body
	closed bool              // the window has closed
	submit func()            // Enter outside a field; closes the window unless set
	escape func()            // Escape; closes the window unless set
}

func newBase(a fyne.App, c Client, title string, size fyne.Size, opts options) *base {
	ctx, stop := context.WithCancel(context.Background())
	b := &base{win: a.NewWindow(title), client: c, opts: opts.withDefaults(), ctx: ctx, readyCh: make(chan struct{})}
	b.win.Resize(size)
	b.win.SetOnClosed(func() {
		b.closed = true
		stop()
	})
	b.escape, b.submit = b.win.Close, b.win.Close
	b.win.Canvas().SetOnTypedKey(b.typedKey)
	return b
}

// window is the fyne.Window the builders return: its Show waits until the
// window is ready (see firstStateWait).
type window struct {
	fyne.Window
	b *base
}

// window returns the fyne.Window that the builders hand out.
func (b *base) window() fyne.Window { return window{Window: b.win, b: b} }

// Show shows the window now if it is ready, else when it becomes ready: at
// the agent's first state, or after firstStateWait with the notice it has.
func (w window) Show() {
	b := w.b
	if b.ready {
		b.win.Show()
		return
	}
	if b.showAsked {
		return
	}
	b.showAsked = true
	b.spawn(func(ctx context.Context) {
		select {
		case <-ctx.Done():
		case <-b.readyCh:
		case <-time.After(b.opts.firstStateWait):
			b.ui(b.markReady)
		}
	})
}

// markReady records that the window has something to show, and shows it if
// Show was called meanwhile.
func (b *base) markReady() {
	if b.ready {
		return
	}
	b.ready = true
	close(b.readyCh)
	if b.showAsked {
		b.relayout() // before the first frame
		b.win.Show()
	}
}

// typedKey handles keys that no focused widget took.
func (b *base) typedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyEscape:
		b.escape()
	case fyne.KeyReturn, fyne.KeyEnter:
		b.submit()
	}
}

// escapeKey is what Escape does in a focused widget: the window's escape.
func (b *base) escapeKey() { b.escape() }

// setContent lays the window out: body, scrolled, above a row of buttons.
func (b *base) setContent(body, buttons *fyne.Container) {
	b.body = body
	b.scroll = container.NewVScroll(body)
	b.win.SetContent(container.NewBorder(nil, buttons, nil, nil, b.scroll))
}

// relayout lays the body out again after parts of it were shown or hidden.
func (b *base) relayout() {
	b.scroll.Refresh()
	b.body.Refresh()
}

// ui runs f on Fyne's main goroutine unless the window has closed
// meanwhile. Only background goroutines call it.
func (b *base) ui(f func()) {
	b.opts.do(func() {
		if b.ctx.Err() != nil {
			return
		}
		f()
		b.relayout()
	})
}

// spawn runs fn in a goroutine owned by the window.
func (b *base) spawn(fn func(ctx context.Context)) {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		fn(b.ctx)
	}()
}

// follow starts following the agent's state: apply runs on the main
// goroutine with every state, and with the last one again (b.lost set) when
// the agent cannot be followed any more.
func (b *base) follow(apply func(app.State)) {
	update := func(s app.State, lost error) {
		b.ui(func() {
			if lost == nil {
				b.state, b.known = s, true
			}
			b.lost = lost
			apply(b.state)
			b.markReady()
		})
	}
	b.spawn(func(ctx context.Context) {
		states, err := b.client.Watch(ctx)
		if err != nil {
			update(app.State{}, err)
			return
		}
		for {
			select {
			case <-ctx.Done():
				return
			case s, open := <-states:
				if !open {
					if ctx.Err() == nil {
						update(app.State{}, errLost)
					}
					return
				}
				update(s, nil)
			}
		}
	})
}

// errLost reports that the agent stopped sending its state.
var errLost = errors.New("the connection to Pieces Tray was lost")

// do runs an action in the background and hands its outcome to done on the
// main goroutine.
func (b *base) do(action app.Action, args any, done func(app.Result, error)) {
	b.spawn(func(ctx context.Context) {
		res, err := b.client.Do(ctx, action, args)
		if ctx.Err() != nil {
			return
		}
		b.ui(func() { done(res, err) })
	})
}

// run runs action for the button btn, disabled meanwhile, and shows in l
// what it answered: its message, or its error in red.
func (b *base) run(btn *keyButton, action app.Action, l *widget.Label) {
	btn.Disable()
	b.do(action, nil, func(res app.Result, err error) {
		btn.Enable()
		if err != nil {
			showLine(l, actionError(err, "").Message, widget.DangerImportance)
		} else {
			showLine(l, res.Message, widget.MediumImportance)
		}
	})
}

// actionError returns err as an *app.ActionError. The agent's errors say
// what failed; others (the agent could not be asked) are internal failures
// whose message starts with failed, when it is not empty.
func actionError(err error, failed string) *app.ActionError {
	var ae *app.ActionError
	if errors.As(err, &ae) {
		return ae
	}
	msg := app.Human(err)
	if failed != "" {
		msg = failed + ": " + msg
	}
	return &app.ActionError{Code: app.CodeInternal, Message: msg}
}
