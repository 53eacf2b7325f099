package tray

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"piecestray/app"
)

// AppName is the application name notifications carry.
const AppName = "Pieces Tray"

// DefaultNotifyTimeout is how long a notification stays on screen unless the
// server decides otherwise. Finite: a sign-in from an hour ago is not news.
const DefaultNotifyTimeout = 8 * time.Second

// notifyCallTimeout bounds one delivery to the notification server.
const notifyCallTimeout = 3 * time.Second

// NotifierConfig configures a Notifier.
type NotifierConfig struct {
	// AppName is shown by the notification server; default AppName.
	AppName string
	// Disabled turns notifications off (the person's setting); SetEnabled
	// changes it later.
	Disabled bool
	// Timeout is how long a notification stays; default DefaultNotifyTimeout.
	Timeout time.Duration
	// Logger reports delivery failures; default discards.
	Logger *slog.Logger
}

// Notifier shows the core's events as desktop notifications: on Linux over
// D-Bus (org.freedesktop.Notifications), where events of the same kind
// replace each other on screen (replaces_id); on macOS and Windows through
// github.com/gen2brain/beeep. Titles and bodies come from app.Event as they
// are; they never carry a token.
//
// Notify is safe for concurrent use and delivers in call order; it blocks
// for at most a few seconds while the server answers. Close releases the
// connection.
type Notifier struct {
	cfg     NotifierConfig
	log     *slog.Logger
	enabled atomic.Bool

	mu sync.Mutex // guards the platform state and serializes deliveries
	platformNotifier
}

// NewNotifier returns a Notifier. It connects to the notification server on
// the first notification.
func NewNotifier(cfg NotifierConfig) *Notifier {
	if cfg.AppName == "" {
		cfg.AppName = AppName
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultNotifyTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	n := &Notifier{cfg: cfg, log: cfg.Logger}
	n.enabled.Store(!cfg.Disabled)
	return n
}

// SetEnabled turns notifications on or off.
func (n *Notifier) SetEnabled(on bool) { n.enabled.Store(on) }

// Enabled reports whether notifications are on.
func (n *Notifier) Enabled() bool { return n.enabled.Load() }

// Notify shows ev, unless notifications are off. Failures are logged, not
// returned: a missing notification server must not stop the agent.
func (n *Notifier) Notify(ev app.Event) {
	if !n.Enabled() {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.send(ev); err != nil {
		n.log.Warn("could not show a notification", "kind", ev.Kind, "err", err)
	}
}

// Close releases the connection to the notification server.
func (n *Notifier) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.close()
}
