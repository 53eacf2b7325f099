// Package doctor answers "what is wrong?": it checks every link between a
// person and their Pieces account that Pieces Tray depends on, and reports
// one line per link, each with the one thing to do when it is broken. It has
// two front ends: `pieces-tray doctor [--json]` and the "Diagnose…" window
// of the tray menu (ui), which run the same Run in their own process.
//
// The links, in the order of the report (the ID* constants):
//
//   - Pieces OS: found (by the URL set, its port file, a scan of ports
//     39300–39333 or the legacy port 1000), run by this user (on Linux a
//     port held by another user's program is named, never used), its
//     version and health. When the URL set does not answer, a scan says
//     where Pieces OS answers instead.
//   - Its port file: a file naming a port where nothing answers is a
//     warning of its own.
//   - The user stream (/user/stream) goes live within 2 s.
//   - Who is signed in, per Pieces OS (GET /user), and whether the session
//     stored in the keyring is the same account. An expired session cannot
//     be told from the keyring (it holds a refresh token): the report says
//     whose session is stored.
//   - The sign-in mode, and what it needs. auth0: the domain resolves,
//     answers TLS with a certificate this computer trusts, and its OpenID
//     configuration names the expected issuer (https://DOMAIN/); the
//     redirect ports (3000, then 8080) are free, or held by the agent's
//     sign-in under way. pieces-os: Pieces OS offers /os/sign_in (asked
//     with HEAD, which starts no sign-in).
//   - The keyring (Secret Service, Keychain, Credential Manager) answers
//     within 3 s, is unlocked, and holds Pieces Tray's session or not.
//   - On Linux, the desktop: a tray host (org.kde.StatusNotifierWatcher has
//     an owner on the session bus), a notification server that answers
//     GetServerInformation, and the icon colours chosen.
//   - The agent runs (its control socket answers), is the version of this
//     program (GET /v1/info), and where it logs.
//   - The clock agrees with Pieces OS's Date header within 60 s (tokens
//     expire by the clock).
//
// A check that cannot apply, or whose link depends on a broken one, is
// skipped with the reason. Exit codes: 0 when no check failed (warnings
// allowed), 1 when one did, 2 when the checks could not all run.
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
//
// Every dependency is a field of Env, so tests run the checks against the
// Pieces OS simulator and fakes; DefaultEnv is this computer's.
package doctor
