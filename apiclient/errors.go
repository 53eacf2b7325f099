package apiclient

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// ErrNotRunning is matched (errors.Is) by every *NotRunningError: discovery
// found no Pieces OS, or a request could not reach the one in use.
var ErrNotRunning = errors.New("Pieces OS is not running")

// maxErrorBody is how much of an error response body a *StatusError keeps.
const maxErrorBody = 512

// NotRunningError reports that Pieces OS could not be reached: discovery
// found nothing on the addresses in Tried, or a request to the base URL in
// Tried failed to connect (refused, reset, dial timeout). Err is the last
// underlying failure, when there is one.
type NotRunningError struct {
	Tried []string // base URLs that were tried, like "http://127.0.0.1:39300"
	Err   error
}

// Error says that Pieces OS is not running and where it was looked for.
func (e *NotRunningError) Error() string {
	msg := ErrNotRunning.Error()
	switch len(e.Tried) {
	case 0:
	case 1:
		msg += " at " + e.Tried[0]
	default:
		msg += " (tried " + describeTried(e.Tried) + ")"
	}
	if fl, ok := errors.AsType[*ForeignListenerError](e.Err); ok {
		msg += "; " + fl.Error()
	}
	return msg
}

// Is makes errors.Is(err, ErrNotRunning) true.
func (e *NotRunningError) Is(target error) bool { return target == ErrNotRunning }

// Unwrap returns the underlying failure.
func (e *NotRunningError) Unwrap() error { return e.Err }

// describeTried shortens a list of base URLs to "127.0.0.1:39300–39333 and
// 127.0.0.1:1000": consecutive ports on the same host become one range.
func describeTried(tried []string) string {
	var parts []string
	var host string
	var first, last int // ports of the last part; 0 when it is not host:port
	for _, t := range tried {
		h, p := splitBase(t)
		if p > 0 && last > 0 && h == host && p == last+1 {
			last = p
			parts[len(parts)-1] = h + ":" + strconv.Itoa(first) + "–" + strconv.Itoa(p)
			continue
		}
		host, first, last = h, p, p
		if p > 0 {
			t = h + ":" + strconv.Itoa(p)
		}
		parts = append(parts, t)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// splitBase returns the host and port of an http base URL without a path,
// or port 0 when it is not of that form.
func splitBase(base string) (host string, port int) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || (u.Path != "" && u.Path != "/") {
		return "", 0
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		return "", 0
	}
	return strings.TrimSuffix(u.Host, ":"+u.Port()), p
}

// StatusError is an HTTP answer from Pieces OS other than the documented
// success. Op is the SDK operation name (for example "user_update_vanity"),
// StatusCode the HTTP status and Body the start of the response body
// (at most 512 bytes, trimmed).
type StatusError struct {
	Op         string
	StatusCode int
	Body       string
}

// Operation names of the SDK, used as StatusError.Op.
const (
	OpUserSnapshot          = "user_snapshot"
	OpClearUser             = "clear_user"
	OpRefreshUser           = "refresh_user"
	OpSelectUser            = "select_user"
	OpUpdateUser            = "update_user"
	OpUserBetaStatus        = "user_beta_status"
	OpUserProviders         = "user_providers"
	OpUpdateVanity          = "user_update_vanity"
	OpAuthenticateFromToken = "authenticate_from_oauth_token"
	OpSignIntoOS            = "sign_into_os"
	OpSignOutOfOS           = "sign_out_of_os"
	OpDisconnectUser        = "users_disconnect_user"
	OpUsersSnapshot         = "users_snapshot"
	OpSpecificUserSnapshot  = "users_specific_user_snapshot"
	OpHealth                = "get_well_known_health"
	OpVersion               = "get_well_known_version"
)

// Error is a sentence a person understands, followed by the operation and
// status for whoever reads logs.
func (e *StatusError) Error() string {
	var op, body string
	if e.Op != "" {
		op = e.Op + ": "
	}
	if e.Body != "" && !e.documented() {
		body = ": " + e.Body
	}
	return fmt.Sprintf("apiclient: %s (%sHTTP %d%s)", e.Meaning(), op, e.StatusCode, body)
}

// Meaning is the documented meaning of the status for the operation, as a
// sentence fragment for people (no package prefix, no status code).
func (e *StatusError) Meaning() string {
	switch c := e.StatusCode; {
	case e.Op == OpHealth:
		return "Pieces OS is running but answered an error"
	case c == 400:
		return "Pieces OS rejected the request as malformed"
	case c == 401:
		return "Pieces OS did not accept the sign-in token"
	case c == 404 && e.Op == OpUpdateVanity:
		return "the DNS record for your personal cloud is not ready yet"
	case c == 404 && (e.Op == OpSpecificUserSnapshot || e.Op == OpDisconnectUser):
		return "Pieces OS does not know that user"
	case c == 404:
		return "Pieces OS does not offer this (it may be an older version)"
	case c == 409 && e.Op == OpUpdateVanity:
		return "that vanity name is already taken"
	case c == 409:
		return "the request conflicts with the state of Pieces OS"
	case c == 500 && e.Op == OpUpdateVanity:
		return "Pieces OS could not create the vanity name"
	case c == 500 && e.Op == OpSignIntoOS:
		return "Pieces OS could not sign you in"
	case c == 504 && e.Op == OpSignIntoOS:
		return "Pieces OS stopped waiting for the sign-in to finish in the browser"
	case c == 501:
		return "not available on a local Pieces OS"
	case c == 511 && e.Op == OpUserBetaStatus:
		return "you must be signed in to Pieces OS to change the beta status"
	case c == 511:
		return "you are not signed in to Pieces OS (or not connected to your personal cloud)"
	case c >= 500:
		return "Pieces OS had an internal error"
	}
	return "Pieces OS answered with an unexpected status"
}

// documented reports whether the meaning alone explains the status, so the
// body is left out of Error.
func (e *StatusError) documented() bool {
	switch e.StatusCode {
	case 409, 501, 511:
		return true
	case 404:
		return e.Op == OpUpdateVanity
	}
	return false
}

// shortBody trims b to at most maxErrorBody bytes on one line, dropping
// what is not valid UTF-8 (such as a character cut at the limit).
func shortBody(b []byte) string {
	if len(b) > maxErrorBody {
		b = b[:maxErrorBody]
	}
	return strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "")), " ")
}

func hasStatus(err error, code int) bool {
	se, ok := errors.AsType[*StatusError](err)
	return ok && se.StatusCode == code
}

// IsNotSignedIn reports a 511: nobody is signed in to Pieces OS, or the user
// is not connected to the personal cloud.
func IsNotSignedIn(err error) bool { return hasStatus(err, 511) }

// IsVanityTaken reports a 409: the vanity name is already taken.
func IsVanityTaken(err error) bool { return hasStatus(err, 409) }

// IsCloudNotReady reports a 404 from user_update_vanity: the DNS record of
// the personal cloud does not exist yet.
func IsCloudNotReady(err error) bool {
	se, ok := errors.AsType[*StatusError](err)
	return ok && se.StatusCode == 404 && se.Op == OpUpdateVanity
}

// IsNotFound reports any 404.
func IsNotFound(err error) bool { return hasStatus(err, 404) }

// IsNotImplemented reports a 501, which a local Pieces OS answers for
// cloud-only operations such as user_providers.
func IsNotImplemented(err error) bool { return hasStatus(err, 501) }

// IsServerError reports a 500 or another 5xx except 501 and 511.
func IsServerError(err error) bool {
	se, ok := errors.AsType[*StatusError](err)
	return ok && se.StatusCode >= 500 && se.StatusCode != 501 && se.StatusCode != 511
}

// IsUnauthorized reports a 401: Pieces OS rejected the access token.
func IsUnauthorized(err error) bool { return hasStatus(err, 401) }

// IsGatewayTimeout reports a 504: Pieces OS gave up waiting, as
// sign_into_os does when the person never finishes in the browser.
func IsGatewayTimeout(err error) bool { return hasStatus(err, 504) }

// IsBadRequest reports a 400: Pieces OS rejected the request body.
func IsBadRequest(err error) bool { return hasStatus(err, 400) }

// errorf builds an error with the package prefix.
func errorf(format string, args ...any) error {
	return fmt.Errorf("apiclient: "+format, args...)
}
