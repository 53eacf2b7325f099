package tray

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"fyne.io/systray"

	"piecestray/app"
	"piecestray/auth"
	"piecestray/internal/control"
)

// Core is what the tray needs of the session core (*app.Core satisfies it).
type Core interface {
	// Subscribe yields the current state at once, then every change, until
	// ctx ends.
	Subscribe(ctx context.Context) <-chan app.State
	// Do runs an action; failures are *app.ActionError.
	Do(ctx context.Context, action app.Action, args json.RawMessage) (app.Result, error)
}

// Autostart reads and sets whether Pieces Tray starts at login.
type Autostart interface {
	Enabled() bool
	SetEnabled(on bool) error
}

// EventNotifier shows an event to the person (a *Notifier).
type EventNotifier interface {
	Notify(ev app.Event)
}

// Windows opens the agent's windows (a *Launcher).
type Windows interface {
	control.WindowLauncher
	// ShowWindowBecause shows the window called name, which the agent opens
	// by itself for reason (ReasonNoTrayHost), so that it can say why.
	ShowWindowBecause(name, reason string) error
}

// DefaultHostGrace is how long the tray waits for a tray host
// (StatusNotifierWatcher) before saying there is none.
const DefaultHostGrace = 3 * time.Second

// Config wires the tray to the core and the desktop.
type Config struct {
	Core    Core    // required
	Windows Windows // opens Account…, Vanity name…, Beta program…, Sign out… and Diagnose…; required
	// Autostart reads and sets whether Pieces Tray starts at login
	// (internal/autostart); nil hides "Start at login".
	Autostart Autostart
	// Opener opens the personal cloud, and the sign-in link when it cannot
	// be copied; default NewOpener(Logger).
	Opener auth.Browser
	// Clipboard copies the sign-in link; default CopyText. When it
	// fails (no clipboard command), the link opens in the browser instead.
	Clipboard func(text string) error
	// Notifier tells the person when there is no tray host; optional.
	Notifier EventNotifier
	// Logger; default discards. What fyne.io/systray prints with the log
	// package goes there too while Run runs.
	Logger *slog.Logger
	// HostGrace is how long to wait for a tray host at start before saying
	// there is none and opening the account window; default
	// DefaultHostGrace.
	HostGrace time.Duration
}

// testHookFollow, when set by a test, runs before the goroutines that keep
// the menu up to date start.
var testHookFollow func()

// ErrNoCore is returned by Run when Config.Core or Config.Windows is nil.
var ErrNoCore = errors.New("tray: Config.Core and Config.Windows are required")

// Run shows the tray icon and its menu until the person chooses Quit or ctx
// ends, then returns once its goroutines have ended.
//
// fyne.io/systray allows one tray per process and must own the main thread
// on macOS: call Run once, from the main goroutine.
//
// The icons suit the panel: PIECES_TRAY_ICONS at once, then PanelIsLight's
// guess, which may run gsettings and so must not delay the icon.
//
// On Linux, Run also keeps the item registered with the desktop's
// StatusNotifierWatcher across restarts of the panel, and when no tray host
// appears within HostGrace it says so (log and notification) and opens the
// account window, so the person is not left with nothing.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Core == nil || cfg.Windows == nil {
		return ErrNoCore
	}
	cfg = cfg.withDefaults()
	defer routeLibraryLog(cfg.Logger)()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		mu      sync.Mutex // guards stopped; orders wg.Add before wg.Wait
		stopped bool
		wg      sync.WaitGroup
		follow  func() // set by build
	)
	// build makes the menu, icon and tooltip from the core's first state,
	// before the panel can ask for them (see runSystray); follow then starts
	// the goroutines that keep them up to date. Where systray calls them
	// from its own goroutine, Run waits for them, and they do nothing once
	// Run is ending.
	build := func() {
		mu.Lock()
		if stopped {
			mu.Unlock()
			return
		}
		wg.Add(1)
		mu.Unlock()
		defer wg.Done()
		panel := make(chan bool, 1) // the probe never waits for the loop
		r := &runner{cfg: cfg, quit: cancel, light: panelFromEnv(os.Getenv), panel: panel,
			startAtLogin: make(chan struct{}, 1)}
		a, states, s, m := r.begin(ctx, systrayShell{})
		follow = func() {
			if testHookFollow != nil {
				testHookFollow()
			}
			mu.Lock()
			defer mu.Unlock()
			if stopped {
				return
			}
			wg.Add(3)
			go func() { defer wg.Done(); panel <- PanelIsLight(os.Getenv) }()
			go func() { defer wg.Done(); r.loop(ctx, a, states, s, m) }()
			go func() { defer wg.Done(); keepRegistered(ctx, cfg.Logger, cfg.HostGrace, r.noHost) }()
		}
	}
	systray.SetTitle(Title) // before the item is exported: the title is also its Id
	runSystray(ctx, build, func() {
		if follow != nil { // nil: build did nothing
			follow()
		}
	})

	mu.Lock()
	stopped = true
	mu.Unlock()
	cancel()
	wg.Wait()
	return nil
}

func (cfg Config) withDefaults() Config {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Opener == nil {
		cfg.Opener = NewOpener(cfg.Logger)
	}
	if cfg.Clipboard == nil {
		cfg.Clipboard = CopyText
	}
	if cfg.HostGrace <= 0 {
		cfg.HostGrace = DefaultHostGrace
	}
	return cfg
}

// runner follows the core's state into the menu and answers clicks.
type runner struct {
	cfg  Config
	quit func() // ends the tray (Run's cancel)
	// light selects icons for light panels (dark glyphs) until panel
	// answers; the default suits the dark panels most desktops have.
	light bool
	// panel delivers PanelIsLight's answer once; nil when there is none.
	panel <-chan bool
	// startAtLogin is told when the start-at-login setting changed (capacity
	// 1), so that the menu shows it.
	startAtLogin chan struct{}

	wg sync.WaitGroup // counts click handlers
}

// windowOf maps the items that open a window to the window's name.
var windowOf = map[ItemID]string{Account: control.WindowAccount, Vanity: control.WindowVanity, Beta: control.WindowBeta,
	SignOut: control.WindowSignOut, Diagnose: control.WindowDoctor}

// actionOf maps the items that run a core action to the action.
var actionOf = map[ItemID]app.Action{SignIn: app.ActionSignIn, CancelSignIn: app.ActionCancelSignIn, Retry: app.ActionRetry}

// firstStateWait bounds how long the menu waits for the core's first state
// before showing "Connecting to Pieces OS…" (a variable for tests).
var firstStateWait = time.Second

// begin subscribes to the core and builds the menu from its first state
// (the core publishes it at once), so that a panel asking for the menu right
// after registration sees it whole. It returns what loop needs.
func (r *runner) begin(ctx context.Context, sh shell) (*applier, <-chan app.State, app.State, Menu) {
	states := r.cfg.Core.Subscribe(ctx)
	s := app.State{Phase: app.PhaseConnecting}
	select {
	case st, ok := <-states:
		if ok {
			s = st
		}
	case <-time.After(firstStateWait):
	case <-ctx.Done():
	}
	a := newApplier(sh, !r.light)
	m := r.model(s)
	a.apply(m)
	return a, states, s, m
}

// loop applies every later state until ctx ends or the core's channel
// closes, and handles clicks. Clicks return at once: the work runs in a
// goroutine, and the menu follows the state the core publishes.
func (r *runner) loop(ctx context.Context, a *applier, states <-chan app.State, s app.State, m Menu) {
	defer r.wg.Wait()
	// Every item's clicks are fanned into one channel (as tailscale's tray
	// does), read by the one select below. The forwarders end with ctx, or
	// when systray closes an item's channel on shutdown.
	clicked := make(chan ItemID)
	var fan sync.WaitGroup
	defer fan.Wait()
	for id, ch := range a.clicks {
		fan.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case _, ok := <-ch:
					if !ok {
						return
					}
					select {
					case clicked <- ItemID(id):
					case <-ctx.Done():
						return
					}
				}
			}
		})
	}
	tick := after(m.Refresh) // the countdown in a label; nil: none shown
	panel := r.panel
	for {
		select {
		case <-ctx.Done():
			return
		case st, ok := <-states:
			if !ok {
				return
			}
			s = st
		case <-tick: // a countdown moved on
		case light := <-panel:
			panel = nil // asked once
			a.setDark(!light)
			continue
		case id := <-clicked:
			r.click(ctx, id, m)
			continue
		case <-r.startAtLogin: // the setting changed: show it
		}
		m = r.model(s)
		a.apply(m)
		tick = after(m.Refresh)
	}
}

// after delivers the time after d, or never when d is zero.
func after(d time.Duration) <-chan time.Time {
	if d <= 0 {
		return nil
	}
	return time.After(d)
}

// model is the menu for s, with the start-at-login setting, which is not
// part of the session's state.
func (r *runner) model(s app.State) Menu {
	m := Model(s, time.Now())
	if sal := r.cfg.Autostart; sal != nil {
		m.Items[StartAtLogin].Visible = true
		m.Items[StartAtLogin].Checked = sal.Enabled()
	}
	return m
}

// click starts what the item does, in a goroutine.
func (r *runner) click(ctx context.Context, id ItemID, m Menu) {
	it := m.Items[id]
	if !it.Enabled || !it.Visible {
		return // a click that raced with a state change
	}
	log := r.cfg.Logger.With("item", it.Label)
	if id == OpenCloud {
		log = r.cfg.Logger.With("item", "Open personal cloud") // not the person's address
	}
	log.Debug("menu click")
	// do runs f in a goroutine and logs its failure as what.
	do := func(what string, f func() error) {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			if err := f(); err != nil && ctx.Err() == nil {
				log.Warn(what, "err", err)
			}
		}()
	}
	if a, ok := actionOf[id]; ok {
		do("menu action failed", func() error { _, err := r.cfg.Core.Do(ctx, a, nil); return err })
	}
	if name, ok := windowOf[id]; ok {
		do("could not open a window", func() error { return r.cfg.Windows.ShowWindow(name) })
	}
	switch id {
	case CopyLink:
		do("could not open the sign-in link", func() error {
			err := r.cfg.Clipboard(m.SignInURL)
			if err == nil {
				return nil
			}
			log.Warn("could not copy the sign-in link; opening it instead", "err", err)
			return r.cfg.Opener.Open(m.SignInURL)
		})
	case OpenCloud:
		do("could not open the personal cloud", func() error { return r.cfg.Opener.Open(m.CloudURL) })
	case StartAtLogin:
		do("could not change start at login", func() error {
			defer func() {
				select {
				case r.startAtLogin <- struct{}{}: // show the setting as it is now
				default:
				}
			}()
			err := r.cfg.Autostart.SetEnabled(!it.Checked)
			if err != nil && r.cfg.Notifier != nil {
				r.cfg.Notifier.Notify(app.Event{Kind: app.EventStartAtLogin, Title: "Start at login was not changed", Body: app.Human(err)})
			}
			return err
		})
	case Quit:
		r.quit()
	}
}

// getATray says how to get a tray host.
const getATray = "On GNOME, install the AppIndicator and KStatusNotifierItem Support extension; " +
	"on other desktops add a system tray or status-notifier area to the panel."

// noHost tells the person that no tray host shows the icon, and opens the
// account window instead, telling it why.
func (r *runner) noHost() {
	fmt.Fprintln(os.Stderr, "pieces-tray: No tray is running on this desktop, so Pieces Tray opens its account window instead. "+getATray)
	r.cfg.Logger.Warn("no system tray host (StatusNotifierWatcher) is running: the tray icon is not visible; opening the account window instead")
	if r.cfg.Notifier != nil {
		r.cfg.Notifier.Notify(app.Event{Kind: app.EventNoTrayHost, Title: "Pieces Tray has no tray icon",
			Body: "No tray is running on this desktop, so the account window opens instead. " + getATray})
	}
	if err := r.cfg.Windows.ShowWindowBecause(control.WindowAccount, ReasonNoTrayHost); err != nil {
		r.cfg.Logger.Warn("could not open the account window", "err", err)
	}
}

// routeLibraryLog sends what the standard log package prints (fyne.io/systray
// prints its errors there, to stderr by default) to logger, until the
// function it returns restores the log package. Its "failed to register"
// means no tray host yet, which is routine at login: Run says so in its own
// words if none appears (noHost).
func routeLibraryLog(logger *slog.Logger) (restore func()) {
	w, flags, prefix := log.Writer(), log.Flags(), log.Prefix()
	log.SetOutput(libraryLog{logger})
	log.SetFlags(0)
	log.SetPrefix("")
	return func() {
		log.SetOutput(w)
		log.SetFlags(flags)
		log.SetPrefix(prefix)
	}
}

// libraryLog is an io.Writer that logs every line written to it.
type libraryLog struct{ log *slog.Logger }

func (l libraryLog) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	level := slog.LevelWarn
	if strings.Contains(msg, "failed to register") {
		level = slog.LevelInfo
	}
	l.log.Log(context.Background(), level, "tray library", "said", msg)
	return len(p), nil
}
