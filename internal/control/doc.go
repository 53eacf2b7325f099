// Package control is the local control socket between the long-lived tray
// agent and the short-lived processes of the same binary that talk to it:
// window processes (`pieces-tray window NAME`), `pieces-tray status` and a
// second launch of `pieces-tray`. Server is the agent's end, Client the
// others'.
//
// # Transport and safety
//
// The agent listens on a Unix domain socket (AF_UNIX, also on Windows) at
// DefaultSocketPath: $XDG_RUNTIME_DIR/pieces-tray/control.sock on Linux and
// the BSDs, falling back to os.TempDir()/pieces-tray-UID/control.sock;
// os.UserCacheDir()/pieces-tray/control.sock on macOS; and
// %LOCALAPPDATA%\pieces-tray\control.sock on Windows. The directory must be
// a real directory owned by the current user with mode 0700: one that is ours
// and made for the socket (just created, or named pieces-tray*) but too open
// is tightened; any other too open directory (say the home directory, for
// --socket ~/x.sock), one owned by someone else, a symbolic link or a shared
// (sticky) directory is refused. The socket file is 0600. On Linux the
// agent also reads each peer's uid (SO_PEERCRED) and drops connections from
// other users without a word.
//
// Listen makes the agent single-instance. It holds an exclusive lock
// (flock on Unix, a non-shared open on Windows) on the file PATH.lock for the
// life of the Server; the lock file itself is never removed. When another
// process holds the lock, Listen returns ErrAlreadyRunning. When it holds the
// lock and finds a socket file that a live agent answers, it also returns
// ErrAlreadyRunning; a socket file nobody listens on (left by a crash) is
// removed and replaced.
//
// # Protocol
//
// HTTP/1.1 on the socket, one request per connection. Paths carry the
// protocol's major version, 1; an agent that does not know a path answers
// 404 and says to restart Pieces Tray. A failure is a JSON problem body,
// {"code":"taken","message":"..."} with a fitting status, which Client
// returns as a *RemoteError: a code for programs (an app.ErrorCode for
// actions, a Code* constant of this package otherwise) and a sentence.
//
//	GET /v1/watch
//	    200 and newline-delimited JSON states: the current state at once,
//	    then each change. A reader slower than the changes gets only the
//	    newest.
//	POST /v1/call/{action}
//	    The body is the action's JSON arguments (may be empty). 200 with
//	    the JSON result (may be empty), or a problem.
//	GET /v1/info
//	    200 and {"version":"0.4.0","log_file":"/home/…/pieces-tray.log"}:
//	    which agent this is (log_file is "" when it logs to stderr).
//	    `pieces-tray doctor` compares the version with its own.
//	GET /v1/register?window=NAME  (header Pieces-Tray-Window-Token: TOKEN)
//	    Held open: the caller shows window NAME until the request ends.
//	    200, then newline-delimited events {"event":"raise"} (Server.Raise)
//	    and {"event":"close"} (Server.CloseWindow). TOKEN is the one-time
//	    token the agent gave the window process it started
//	    (Server.WindowToken, in the environment as PIECES_TRAY_WINDOW_TOKEN):
//	    without it 403 "forbidden", so that no other process can take a
//	    window's name and keep the real window from opening. A name held by
//	    another registration: 409 "already_registered".
//
// # Limits
//
// Only the user's own processes reach the socket, but a buggy one must not
// exhaust the agent:
//
//   - at most 32 open connections; a 33rd gets 503 "too_many" and is
//     closed (each watch and registration holds one; a window holds two);
//   - at most 4 watches per peer process, where the system names it
//     (Linux, SO_PEERCRED); a 5th gets 429 "too_many". Elsewhere a
//     connection holds one watch and the connection cap bounds them;
//   - one registration per window name, each with a token that works once;
//   - request bodies of at most 64 KiB (413 "bad_request"), headers of at
//     most 16 KiB, and a request must arrive within 10 s of connecting;
//   - a watch or registration whose reader takes no line for 10 s ends.
package control
