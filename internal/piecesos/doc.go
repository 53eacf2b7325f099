// Package piecesos is a stand-in for the local Pieces OS service: an HTTP and
// WebSocket server that speaks the user API of the Pieces OS SDK (UserApi and
// UsersApi pages, OSApi's sign-in and sign-out, health and version) with the
// documented status codes, so that pieces-tray can be tested and
// demonstrated on a machine without Pieces OS.
//
// The simulator is strict: it rejects malformed bodies and bodies that lack
// required fields with 400, and it never sends a profile that misses a
// required field. POST /users/authenticate/from_token needs the access token
// both in its OAuthToken body and in "Authorization: Bearer" (the SDK's
// auth0 security scheme), and verifies it against an Auth0-compatible
// server's /userinfo, as the real service must do.
//
// POST /os/sign_in signs in the way every Pieces client does: the simulator
// opens a browser (Config.OpenBrowser, by default the command in $BROWSER)
// at the Auth0-compatible server's /authorize with PKCE S256 and its own
// callback, SignInRedirectURI, which that server must allow; it exchanges
// the code, reads /userinfo and answers the UserProfile when the person
// finishes (500 when the sign-in fails, 504 after Config.SignInTimeout).
// POST /os/sign_out signs out and answers the remaining Users.
//
// Tests drive it through the Go methods on Server (SetUser, FailNext,
// SetLatency, DropStreams, SendRaw, Stall, Stop, Restart), and tests of the
// standalone command cmd/pieces-os-sim through a small admin HTTP API under
// /__sim/ on the same listener.
package piecesos
