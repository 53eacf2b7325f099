// Package piecesos is a stand-in for the local Pieces OS service: an HTTP and
// WebSocket server that speaks the user API of the Pieces OS SDK (UserApi and
// UsersApi pages, health and version) with the documented status codes, so
// that pieces-tray can be tested and demonstrated on a machine without
// Pieces OS. See ../../../shared/pieces-os-reference.md.
//
// The simulator is strict: it rejects malformed bodies and bodies that lack
// required fields with 400, and it never sends a profile that misses a
// required field. Access tokens given to POST /users/authenticate/from_token
// are verified against an Auth0-compatible server's /userinfo, as the real
// service must do.
//
// Tests drive it through the Go methods on Server (SetUser, FailNext,
// SetLatency, DropStreams, SendRaw, Stall, Stop, Restart); the standalone
// command cmd/pieces-os-sim exposes the same controls as a small admin HTTP
// API under /__sim/ on the same listener.
package piecesos
