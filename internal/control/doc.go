// Package control is the local control socket between the long-lived tray
// agent and the short-lived processes that talk to it: window processes
// (`pieces-tray window NAME`), `pieces-tray status` and a second launch of
// `pieces-tray`.
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
// other users.
//
// Listen makes the agent single-instance. It holds an exclusive lock
// (flock on Unix, a non-shared open on Windows) on the file PATH.lock for the
// life of the Server; the lock file itself is never removed. When another
// process holds the lock, Listen returns ErrAlreadyRunning. When it holds the
// lock and finds a socket file that a live agent answers, it also returns
// ErrAlreadyRunning; a socket file nobody listens on (left by a crash) is
// removed and replaced.
//
// # Wire protocol, version 1
//
// Each message is one JSON object on one line (terminated by "\n") and
// carries "v": the protocol's major version, 1. Within a major version
// unknown fields are ignored and new fields may be added; anything else is a
// new major version. Requests are at most 64 KiB (MaxRequestSize) per line.
//
// Requests (client to server) carry "id", a positive integer chosen by the
// client and unique among its requests in flight; every reply carries the id
// of the request it answers. Several requests may be in flight on one
// connection: calls run concurrently and replies may come in any order.
//
//	{"v":1,"id":1,"op":"hello"}
//	    First request, within 10 s of connecting (the only read deadline; an
//	    idle connection after hello stays open). Reply {"v":1,"id":1,"op":"hello"}.
//	    A request with a newer "v" gets error "unsupported_version".
//	{"v":1,"id":2,"op":"watch"}
//	    Replies {"v":1,"id":2,"op":"state","state":{...}}: the current state
//	    at once, then each change. A reader slower than the changes gets
//	    only the newest state. {"v":1,"id":2,"op":"end"} when the watch ends.
//	{"v":1,"id":3,"op":"call","action":"set_vanity","args":{"name":"ada"}}
//	    Reply {"v":1,"id":3,"op":"result","result":{...}} or
//	    {"v":1,"id":3,"op":"error","error":{"code":"taken","message":"..."}}.
//	{"v":1,"id":4,"op":"register","window":"vanity"}
//	    This connection is the process showing window "vanity". Reply
//	    {"v":1,"id":4,"op":"ok"}, or error "already_registered" when another
//	    connection holds that name. The registration ends with the connection.
//	{"v":1,"id":5,"op":"cancel","ref":2}
//	    Cancel request 2 (a watch: it ends with "end"; a call: its context is
//	    cancelled and it still gets its reply). No reply of its own.
//
// Server-initiated messages have no id:
//
//	{"v":1,"op":"raise","window":"vanity"}
//	    Bring window "vanity" forward (Server.Raise).
//
// Malformed requests get {"v":1,"id":N,"op":"error","error":{...}} with N
// the request's id when it could be read, else 0, and the codes
// "bad_request", "unknown_op", "unsupported_version", "hello_required",
// "duplicate_id", "busy" or "too_large". An oversized line gets "too_large"
// and the connection is closed; all other errors leave it open.
package control
