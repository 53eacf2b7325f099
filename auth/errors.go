package auth

import "errors"

// Errors of the session store. Each message says what the person can do.
var (
	// ErrNotFound means no session is stored: the person has to sign in.
	ErrNotFound = errors.New("auth: no saved session was found in the keyring; sign in to continue")
	// ErrLocked means the keyring is locked and could not be unlocked
	// without a prompt.
	ErrLocked = errors.New("auth: the keyring is locked: unlock it (log in to your desktop session) and choose Retry")
	// ErrNoSecretService means there is no keyring service to talk to (on
	// Linux: no D-Bus session bus, or nothing owns org.freedesktop.secrets).
	ErrNoSecretService = errors.New("auth: no Secret Service is running: install gnome-keyring or KeePassXC (with Secret Service integration on), log in again and choose Retry")
	// ErrTimeout means the keyring did not answer in time. The outcome is
	// unknown: a timed-out read is not "nothing stored".
	ErrTimeout = errors.New("auth: the keyring did not answer in time: if your desktop asks to unlock the keyring, unlock it and choose Retry")
	// ErrTooLarge means the keyring refused the item for its size.
	ErrTooLarge = errors.New("auth: the session is too large for the keyring")
)

// Errors of sign-in and refresh.
var (
	// ErrSignInNeeded means the identity provider rejected the refresh token
	// (invalid_grant: expired, revoked or reused): only a new sign-in helps.
	ErrSignInNeeded = errors.New("auth: your Pieces session has expired or was revoked: sign in again")
	// ErrUnavailable means the identity provider could not be reached or
	// answered with a server error. The session is still good; try again
	// later.
	ErrUnavailable = errors.New("auth: the Pieces sign-in service cannot be reached right now; try again in a moment")
	// ErrCancelled means the person cancelled the sign-in, in the browser
	// (access_denied) or by cancelling the context.
	ErrCancelled = errors.New("auth: sign-in was cancelled")
	// ErrInProgress means a sign-in is already running; it has to finish or
	// be cancelled before another starts.
	ErrInProgress = errors.New("auth: a sign-in is already in progress: finish it in the browser or cancel it")
	// ErrRedirectPortsInUse means other programs hold the ports of both of
	// Pieces' redirect URIs (3000 and 8080), so the browser could not come
	// back. Login's error names the ports; it also wraps the listen error,
	// which neterr.IsAddrInUse recognises on every system.
	ErrRedirectPortsInUse = errors.New("auth: the ports Pieces' sign-in sends you back to are in use by other programs. Close one of them, or set --redirect-url (PIECES_AUTH0_REDIRECT_URL)")
)

// kindError is an error whose message is a sentence for people (its own
// message, or its kind's) with an optional short detail, and which unwraps
// to both its kind (a sentinel above) and its cause.
type kindError struct {
	kind   error
	msg    string // replaces kind's message when set
	detail string // appended in parentheses when set
	cause  error
}

func (e *kindError) Error() string {
	msg := e.msg
	if msg == "" {
		msg = e.kind.Error()
	}
	if e.detail != "" {
		msg += " (" + e.detail + ")"
	}
	return msg
}

func (e *kindError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}
