package app

import (
	"fmt"
	"strings"
	"time"

	"piecestray/apiclient"
)

// Phase is where the session stands. Exactly one phase holds at a time; the
// other fields of State are facts orthogonal to it.
type Phase string

// The phases of a session.
const (
	// PhaseConnecting: the agent is looking for Pieces OS or reading the
	// first snapshot. It is the first published state.
	PhaseConnecting Phase = "connecting"
	// PhaseNotRunning: no Pieces OS answered; PiecesOS.Tried says where.
	PhaseNotRunning Phase = "not_running"
	// PhaseSignedOut: Pieces OS runs and nobody is signed in.
	PhaseSignedOut Phase = "signed_out"
	// PhaseSigningIn: a browser sign-in is under way; SignIn is set.
	PhaseSigningIn Phase = "signing_in"
	// PhaseSignedIn: User is set.
	PhaseSignedIn Phase = "signed_in"
	// PhaseSignInNeeded: a session existed but can no longer be used;
	// Reason says why (refresh token revoked, expired, ...).
	PhaseSignInNeeded Phase = "sign_in_needed"
)

// StreamStatus is the state of the /user/stream connection.
type StreamStatus string

// Values of StreamStatus.
const (
	StreamIdle       StreamStatus = "idle"        // not started
	StreamConnecting StreamStatus = "connecting"  // dialing
	StreamLive       StreamStatus = "live"        // connected and reading
	StreamRetrying   StreamStatus = "retrying"    // waiting until NextAttempt
	StreamNotRunning StreamStatus = "not_running" // discovery found no Pieces OS
)

// SignInMode says who runs the browser sign-in and keeps the session.
type SignInMode string

// Values of SignInMode.
const (
	// ModeAuth0: Pieces Tray runs the Auth0 browser sign-in, hands the token
	// to Pieces OS (POST /users/authenticate/from_token) and keeps the
	// refresh token in the OS keyring, renewing it itself. The default.
	ModeAuth0 SignInMode = "auth0"
	// ModePiecesOS: Pieces OS runs its own browser sign-in (POST /os/sign_in)
	// and keeps the session; Pieces Tray stores nothing and never renews.
	ModePiecesOS SignInMode = "pieces-os"
)

// ParseSignInMode reads a sign-in mode as a person writes it ("auth0" or
// "pieces-os"); "" is ModeAuth0.
func ParseSignInMode(s string) (SignInMode, error) {
	switch m := SignInMode(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return ModeAuth0, nil
	case ModeAuth0, ModePiecesOS:
		return m, nil
	}
	return "", fmt.Errorf("app: unknown sign-in mode %q: choose auth0 or pieces-os", s)
}

// StorageKind says where the session (refresh token) is kept.
type StorageKind string

// Values of StorageKind.
const (
	StorageNone    StorageKind = "none"    // no session stored
	StorageKeyring StorageKind = "keyring" // in the OS keyring
	StorageMemory  StorageKind = "memory"  // only in memory for this run; Storage.Why says why
	// StoragePiecesOS: Pieces OS keeps the session (ModePiecesOS); nothing
	// is stored here.
	StoragePiecesOS StorageKind = "pieces_os"
)

// PiecesOSInfo describes the Pieces OS the agent talks to.
type PiecesOSInfo struct {
	URL     string   `json:"url,omitempty"`     // base URL in use, empty when not found
	Version string   `json:"version,omitempty"` // from /.well-known/version when known
	Tried   []string `json:"tried,omitempty"`   // what discovery tried when not running
}

// SignInInfo describes a running browser sign-in.
type SignInInfo struct {
	// URL is the authorize URL the browser was sent to; empty when Pieces
	// OS runs the sign-in (ModePiecesOS) and opened the browser itself.
	URL       string    `json:"url"`
	StartedAt time.Time `json:"started_at"` // when the attempt started
	Deadline  time.Time `json:"deadline"`   // when it gives up
}

// StreamInfo describes the live connection to /user/stream.
type StreamInfo struct {
	Status      StreamStatus `json:"status"`
	NextAttempt time.Time    `json:"next_attempt,omitempty"` // when Status is retrying
	Err         string       `json:"error,omitempty"`        // last failure, in words
}

// StorageInfo says where the session is kept, and why when it is not in the
// keyring.
type StorageInfo struct {
	Kind StorageKind `json:"kind"`
	Why  string      `json:"why,omitempty"`
	// Expires is when the current access token expires (Pieces Tray renews
	// it before then); zero when Pieces Tray holds none.
	Expires time.Time `json:"expires,omitzero"`
}

// State is the one value the tray and the windows render. It is immutable
// once published: publishers build a new value for every change.
type State struct {
	Seq      uint64                 `json:"seq"` // increases with every publication
	Phase    Phase                  `json:"phase"`
	Mode     SignInMode             `json:"sign_in_mode"` // who runs the sign-in
	PiecesOS PiecesOSInfo           `json:"pieces_os"`
	User     *apiclient.UserProfile `json:"user,omitempty"`    // set when signed in
	SignIn   *SignInInfo            `json:"sign_in,omitempty"` // set while signing in
	Reason   string                 `json:"reason,omitempty"`  // why sign-in is needed, or why not running
	Stream   StreamInfo             `json:"stream"`
	Storage  StorageInfo            `json:"storage"`
	// LastError is the last failure in words a person understands, cleared
	// by the next success.
	LastError string `json:"last_error,omitempty"`
	// Busy names the action in progress (an Action value), empty when idle.
	Busy Action `json:"busy,omitempty"`
}

// Action names something a person can ask the agent to do. Actions travel
// over the control socket by these names.
type Action string

// The actions of the agent.
const (
	ActionSignIn       Action = "sign_in"        // start (or bring forward) a browser sign-in
	ActionCancelSignIn Action = "cancel_sign_in" // cancel the running sign-in
	ActionSignOut      Action = "sign_out"       // sign out here and remove the stored session
	ActionSetVanity    Action = "set_vanity"     // args: VanityArgs
	ActionSetBeta      Action = "set_beta"       // args: BetaArgs
	ActionRefresh      Action = "refresh"        // GET /user/refresh
	ActionRetry        Action = "retry"          // look for Pieces OS again now
	ActionShowWindow   Action = "show_window"    // args: WindowArgs; handled by the agent's window launcher
)

// VanityArgs are the arguments of ActionSetVanity.
type VanityArgs struct {
	Name string `json:"name"`
}

// BetaArgs are the arguments of ActionSetBeta.
type BetaArgs struct {
	OptIn bool `json:"opt_in"`
}

// WindowArgs are the arguments of ActionShowWindow.
type WindowArgs struct {
	Name string `json:"name"` // account, vanity, beta, signout or doctor
}

// ErrorCode classifies a failed action so that a window can offer the one
// button that helps.
type ErrorCode string

// Values of ErrorCode.
const (
	CodeInvalid       ErrorCode = "invalid"         // bad input, e.g. not a DNS label
	CodeTaken         ErrorCode = "taken"           // 409: vanity name taken
	CodeCloudNotReady ErrorCode = "cloud_not_ready" // 404: DNS record not ready yet
	CodeNotSignedIn   ErrorCode = "not_signed_in"   // 511
	CodeServer        ErrorCode = "server"          // 500 and other server failures
	CodeNotRunning    ErrorCode = "not_running"     // Pieces OS unreachable
	CodeCancelled     ErrorCode = "cancelled"       // the person cancelled
	CodeBusy          ErrorCode = "busy"            // another action of the kind runs
	CodeInternal      ErrorCode = "internal"        // anything else
)

// ActionError is the failure of an action: a code for programs and a
// sentence for people.
type ActionError struct {
	Code    ErrorCode `json:"code"`
	Message string    `json:"message"`
}

func (e *ActionError) Error() string { return e.Message }

// SignedIn reports whether s has a signed-in user.
func (s State) SignedIn() bool { return s.Phase == PhaseSignedIn && s.User != nil }
