// Package doctor answers "what is wrong?": it checks every link between a
// person and their Pieces account that Pieces Tray depends on, and reports
// one line per link, each with the one thing to do when it is broken. It has
// two front ends: `pieces-tray doctor [--json]` and the "Diagnose…" window
// of the tray menu (ui), which run the same Run in their own process.
//
// The links, in the order of the report, are those of the ID* constants:
// Pieces OS and its port file, the user stream, who is signed in, the
// sign-in mode and what it needs, the keyring, on Linux the desktop, the
// agent and the clock. A check that cannot apply, or whose link depends on
// a broken one, is skipped with the reason. Exit codes: 0 when no check
// failed (warnings allowed), 1 when one did, 2 when the checks could not
// all run.
//
// # What the report never shows
//
// Reports are made to be shared. Nothing in them is a token, an
// authorization code or a full email address: addresses show their first
// character and domain (a***@example.com), and every line passes through a
// last filter that masks addresses, JSON Web Tokens and secret OAuth
// parameters wherever they come from. Text from outside (profile fields,
// the notification server's name, an issuer) is cleaned with app.Clean, and
// paths under the home directory start with ~.
package doctor
