#!/usr/bin/env bash
# demo.sh runs Pieces Tray against the Pieces OS simulator and its Auth0
# stand-in (cmd/pieces-os-sim, a process of its own: the product carries
# neither) and opens the sign-in page. It is what `make demo` runs, after
# building bin/pieces-tray and bin/pieces-os-sim.
#
#   scripts/demo.sh [AGENT FLAGS...]     e.g. --debug
#   SIGN_IN=pieces-os scripts/demo.sh    Pieces OS runs the sign-in
#
# The demo's Pieces OS: the vanity names pieces, admin and demo are taken,
# and the personal cloud is "not ready yet" for 20 s after sign-in. Its
# sign-in page takes any email address. The session is kept in the keyring
# under pieces-tray-demo, apart from a real one. Quitting Pieces Tray (from
# its menu, or Ctrl-C here) stops the simulator.
set -euo pipefail
cd "$(dirname "$0")/.."

tray=bin/pieces-tray
sim=bin/pieces-os-sim
mode=${SIGN_IN:-auth0}
case "$mode" in
  auth0|pieces-os) ;;
  *) echo "demo: SIGN_IN=$mode: choose auth0 or pieces-os" >&2; exit 2 ;;
esac
for b in "$tray" "$sim"; do
  [ -x "$b" ] || { echo "demo: $b is missing; run make demo" >&2; exit 1; }
done

# The agent's control socket, where the agent itself puts it (on Linux:
# internal/control.DefaultSocketPath). It holds a lock on SOCKET.lock while it
# runs: a running Pieces Tray, the demo or a real one, shows its account
# window instead of a second demo starting beside it.
if [ -n "${PIECES_TRAY_SOCKET:-}" ]; then
  sock=$PIECES_TRAY_SOCKET
else
  case "${XDG_RUNTIME_DIR:-}" in
    /*) sock=$XDG_RUNTIME_DIR/pieces-tray/control.sock ;;
    *) sock=${TMPDIR:-/tmp}/pieces-tray-$(id -u)/control.sock ;;
  esac
fi
if [ -e "$sock.lock" ] && command -v flock >/dev/null 2>&1 && ! flock -n "$sock.lock" true; then
  "$tray" window account || true
  echo "demo: Pieces Tray is already running (the demo, or your own): its account window is open." >&2
  echo "      Quit it from its tray menu, then run make demo again." >&2
  exit 1
fi

state=${XDG_STATE_HOME:-$HOME/.local/state}/pieces-tray
mkdir -p "$state"
simlog=$state/demo-pieces-os-sim.log
work=$(mktemp -d "${TMPDIR:-/tmp}/pieces-tray-demo.XXXXXX")
sim_pid=""
agent_pid=""
cleanup() {
  if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then
    kill -TERM "$agent_pid" 2>/dev/null || true
    wait "$agent_pid" 2>/dev/null || true
  fi
  if [ -n "$sim_pid" ]; then
    kill -TERM "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Like Pieces OS, the simulator opens the browser itself for the pieces-os
# sign-in: with $BROWSER, else the desktop's opener.
if [ -z "${BROWSER:-}" ]; then
  for opener in xdg-open open; do
    command -v "$opener" >/dev/null 2>&1 && { export BROWSER=$opener; break; }
  done
fi
"$sim" --addr 127.0.0.1:0 --taken pieces,admin,demo --cloud-ready-delay 20s >"$work/urls" 2>"$simlog" &
sim_pid=$!
for _ in $(seq 1 300); do
  grep -q '^pieces-os: ' "$work/urls" && break
  kill -0 "$sim_pid" 2>/dev/null || break
  sleep 0.05
done
pieces_os=$(sed -n 's/^pieces-os: //p' "$work/urls")
auth0=$(sed -n 's/^auth0: //p' "$work/urls")
if [ -z "$pieces_os" ] || [ -z "$auth0" ]; then
  echo "demo: the Pieces OS simulator did not start:" >&2
  cat "$simlog" >&2
  exit 1
fi
echo "demo: Pieces OS simulator at $pieces_os (log: $simlog)"
echo "demo: Auth0 stand-in (any email signs in) at $auth0"

# The stand-in expects Pieces' own client id and audience, the agent's
# defaults; it allows the agent's default callback URLs.
"$tray" --pieces-os-url "$pieces_os" --auth0-domain "$auth0" --keyring-service pieces-tray-demo \
  --sign-in "$mode" "$@" &
agent_pid=$!
for _ in $(seq 1 600); do
  kill -0 "$agent_pid" 2>/dev/null || break
  [ -S "$sock" ] && break
  sleep 0.05
done
if kill -0 "$agent_pid" 2>/dev/null; then
  # Open the sign-in page, as a person's first click on "Sign in…" does.
  "$tray" sign-in --wait 30s || true
fi
if ! kill -0 "$agent_pid" 2>/dev/null; then
  # It ended at once: another Pieces Tray took the socket meanwhile (and
  # shows its account window), or the flags were wrong (it said so).
  code=0
  wait "$agent_pid" || code=$?
  agent_pid=""
  [ "$code" = 0 ] && echo "demo: another Pieces Tray is running; quit it from its tray menu, then run make demo again." >&2
  exit 1
fi
echo "demo: Pieces Tray runs; quit it from its tray menu (or press Ctrl-C) to end the demo."
code=0
wait "$agent_pid" || code=$?
agent_pid=""
exit "$code"
