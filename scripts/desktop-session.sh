#!/usr/bin/env bash
# desktop-session.sh runs a command inside a private desktop: its own D-Bus
# session bus, an Xvfb display, and an unlocked gnome-keyring Secret Service.
# Tests that need the desktop (keyring, tray, notifications, windows) run
# under it; it is what `make test` and CI use.
#
#   scripts/desktop-session.sh go test ./...
#
# Inside, PIECES_TRAY_DESKTOP=1 is set so such tests know the desktop is real.
set -euo pipefail

if [ -z "${PIECES_TRAY_DESKTOP_INNER:-}" ]; then
  for tool in dbus-run-session Xvfb gnome-keyring-daemon; do
    command -v "$tool" >/dev/null 2>&1 || { echo "desktop-session: $tool is missing; run 'make deps'" >&2; exit 127; }
  done
  export PIECES_TRAY_DESKTOP_INNER=1
  exec dbus-run-session -- "$0" "$@"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pt-desktop.XXXXXX")
xvfb_pid=""
keyring_pid=""
cleanup() {
  [ -n "$keyring_pid" ] && kill "$keyring_pid" 2>/dev/null || true
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Xvfb picks a free display and writes its number to fd 3. -noreset: by
# default an X server resets when its last client leaves, and a window
# process connecting during the reset fails ("Can't open display"); tests
# open and close one window after another, so without it they flake.
Xvfb -displayfd 3 -noreset -screen 0 1280x800x24 -nolisten tcp 3>"$work/display" >/dev/null 2>&1 &
xvfb_pid=$!
for _ in $(seq 1 100); do [ -s "$work/display" ] && break; sleep 0.05; done
[ -s "$work/display" ] || { echo "desktop-session: Xvfb did not start" >&2; exit 1; }
export DISPLAY=":$(head -n1 "$work/display")"

# An unlocked login keyring with a throwaway password, in a throwaway home.
mkdir -p "$work/data"
eval "$(printf 'pieces-tray-test' | XDG_DATA_HOME="$work/data" gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
keyring_pid=${GNOME_KEYRING_PID:-}
# Wait until the Secret Service has an owner, or D-Bus activation would start a second daemon.
for _ in $(seq 1 100); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
       org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
    break
  fi
  sleep 0.05
done

export PIECES_TRAY_DESKTOP=1
export LANG=${LANG:-C.UTF-8}
"$@"
