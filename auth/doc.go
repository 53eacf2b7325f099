// Package auth signs a person in to Pieces with Auth0's authorization code
// flow and PKCE (RFC 7636) through the system browser and a loopback
// redirect (RFC 8252), refreshes tokens with refresh-token rotation, and
// keeps the small part of a session needed to restore it in the operating
// system's keyring.
//
// The package never logs tokens, authorization codes, state values or PKCE
// verifiers, and never writes them to disk outside the keyring. It imports
// no UI package and does not know the Pieces OS client: callers hand a
// [Token] to Pieces OS themselves, without its refresh token, so that
// pieces-tray stays the only refresher.
//
// The pieces:
//   - [Config] names the identity provider ([DefaultConfig] holds Pieces'
//     public values, [Config.WithEnv] applies PIECES_AUTH0_* overrides).
//   - [Signer] runs one browser sign-in at a time ([Signer.Login]) and trades
//     refresh tokens ([Signer.Refresh]). The caller must be the one
//     refresher and save every rotated refresh token before using the new
//     access token (in pieces-tray, app.Core).
//   - [Store] keeps a [Session]; [NewKeyringStore] is the go-keyring store that
//     runs every keyring call off the caller's goroutine with a timeout and
//     tells "not found", "locked", "no Secret Service" and "timed out" apart.
//     There is no plain-text fallback.
//
// Auth0 matches redirect URIs exactly, port included, so Login uses one of
// Pieces' documented redirect URIs: [DefaultRedirectURL]
// (http://localhost:3000/pkce/response/code), or [FallbackRedirectURL]
// (http://localhost:8080/authentication/response) when another program has
// port 3000; with both taken it fails with [ErrRedirectPortsInUse].
// [Config.RedirectURL] chooses another. A localhost redirect is served on
// 127.0.0.1 and ::1. Login asks for response_mode=form_post, so the result
// comes back as a cross-site form POST that the state parameter guards;
// a GET with the result in the query is accepted alike.
//
// Package auth/authtest has a fake Store and a fake keyring for tests.
package auth
