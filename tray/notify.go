package tray

import (
	"cmp"
	"log/slog"
	"sync"
	"time"

	"piecestray/app"
)

// notifyTimeout is how long a notification stays on screen unless the
// server decides otherwise. Finite: a sign-in from an hour ago is not news.
const notifyTimeout = 8 * time.Second

// notifyCallTimeout bounds one delivery to the notification server.
const notifyCallTimeout = 3 * time.Second

// NotifierConfig configures a Notifier.
type NotifierConfig struct {
	// Disabled turns notifications off (the person's setting).
	Disabled bool
	// Logger reports delivery failures; default discards.
	Logger *slog.Logger
}

// Notifier shows the core's events as desktop notifications from Title: on
// Linux over D-Bus (org.freedesktop.Notifications), where events of the
// same kind replace each other on screen (replaces_id); on macOS and Windows
// through github.com/gen2brain/beeep. Titles and bodies come from app.Event
// as they are; they never carry a token.
//
// Notify is safe for concurrent use and delivers in call order; it blocks
// for at most a few seconds while the server answers. Close releases the
// connection.
type Notifier struct {
	disabled bool
	log      *slog.Logger

	mu sync.Mutex // guards the platform state and serializes deliveries
	platformNotifier
}

// NewNotifier returns a Notifier. It connects to the notification server on
// the first notification.
func NewNotifier(cfg NotifierConfig) *Notifier {
	return &Notifier{disabled: cfg.Disabled, log: cmp.Or(cfg.Logger, slog.New(slog.DiscardHandler))}
}

// Notify shows ev, unless notifications are off. Failures are logged, not
// returned: a missing notification server must not stop the agent.
func (n *Notifier) Notify(ev app.Event) {
	if n.disabled {
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
