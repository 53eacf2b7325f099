// Package auth signs a person in to Pieces with Auth0's authorization code
// flow and PKCE (RFC 7636) through the system browser and a loopback
// redirect (RFC 8252), refreshes tokens with refresh-token rotation, and
// keeps the small part of a session needed to restore it in the operating
// system's keyring (there is no plain-text fallback).
//
// The package never logs tokens, authorization codes, state values or PKCE
// verifiers, and never writes them to disk outside the keyring. It imports
// no UI package and does not know the Pieces OS client: callers hand a
// [Token] to Pieces OS themselves, without its refresh token, so that
// pieces-tray stays the only refresher.
//
// [Signer.Login] runs one browser sign-in at a time and [Signer.Refresh]
// trades refresh tokens; the caller must be the one refresher and save
// every rotated refresh token before using the new access token (in
// pieces-tray, app.Core). [NewKeyringStore] keeps a [Session].
//
// Package auth/authtest has a fake Store and a fake keyring for tests.
package auth
