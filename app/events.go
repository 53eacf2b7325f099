package app

// EventKind says what changed, for notifications. Events come from state
// transitions, never from raw frames: the first load produces none, and a
// burst of changes is coalesced.
type EventKind string

// The notification events of the core.
const (
	EventSignedIn        EventKind = "signed_in"
	EventSignedOut       EventKind = "signed_out"        // here, by the person
	EventSignedOutRemote EventKind = "signed_out_remote" // elsewhere (Pieces OS reported it)
	EventSignedBackIn    EventKind = "signed_back_in"    // Pieces OS had nobody after a reconnect; the session was restored
	EventProfileChanged  EventKind = "profile_changed"   // name, email, picture, vanity name or beta
	EventSessionExpired  EventKind = "session_expired"   // refresh token rejected: sign-in needed
	EventPiecesOSStopped EventKind = "pieces_os_stopped" // down for longer than a brief restart
	EventPiecesOSBack    EventKind = "pieces_os_back"    // answered again after being reported stopped
	EventNoKeyring       EventKind = "no_keyring"        // session kept in memory only
	EventNoTrayHost      EventKind = "no_tray_host"      // the desktop shows no tray icons (from the tray, not the core)
	EventStartAtLogin    EventKind = "start_at_login"    // start at login could not be changed (from the tray)
)

// Event is one notification-worthy change. Title and Body are ready to show
// and never contain a token. Events of the same Kind replace each other on
// screen (a notifier may use Kind to coalesce with replaces_id).
type Event struct {
	Kind  EventKind `json:"kind"`
	Title string    `json:"title"`
	Body  string    `json:"body"`
}
