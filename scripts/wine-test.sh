#!/usr/bin/env bash
# wine-test.sh is the Windows lane of `make test`: it runs the Windows test
# binaries of every package that needs no display and no D-Bus under Wine,
# and the real Windows pieces-tray.exe (cross-compiled with mingw-w64, cgo
# and Fyne) against the Linux Pieces OS simulator on loopback:
#
#   scripts/wine-test.sh            (make test-windows)
#
# Wine runs in a private prefix kept in ${XDG_CACHE_HOME:-~/.cache}/pieces-tray/wine
# (PIECES_TRAY_WINEPREFIX overrides it; about 700 MB), created headless on
# first use (no display needed). Wine 8 lacks ProcessPrng, which every
# Go 1.24+ program needs at start, so the lane builds a stand-in
# bcryptprimitives.dll (scripts/wine/bcryptprimitives.c) into that prefix.
#
# What Wine 8 cannot do that Windows 10 can (AF_UNIX sockets; removing a
# directory tree the way Go 1.25+ does) is handled by the tests themselves
# (internal/winetest). Without wine or mingw-w64 the lane is skipped with a
# reason, or fails under CI=true. WINE_TEST_JOBS (default 2) test binaries
# run at once, each for at most WINE_TEST_TIMEOUT seconds (default 300).
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
jobs=${WINE_TEST_JOBS:-2}
limit=${WINE_TEST_TIMEOUT:-300}

# Packages left out, and why:
#   piecestray, internal/windowcmd  import Fyne's GL driver, so they need cgo:
#                                   the pieces-tray.exe build below covers them
#   internal/desktoptest            needs D-Bus, Xvfb and gnome-keyring
skip_pkgs="piecestray piecestray/internal/windowcmd piecestray/internal/desktoptest"

say() { printf 'wine-test: %s\n' "$*"; }
die() { printf 'wine-test: %s\n' "$*" >&2; exit 1; }
unavailable() {
  if [ "${CI:-}" = true ]; then die "$1 (CI=true: the Windows lane must run)"; fi
  say "skipped: $1"
  exit 0
}

[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || unavailable "runs on Linux x86-64 only"
command -v wine >/dev/null 2>&1 && command -v wineserver >/dev/null 2>&1 ||
  unavailable "wine is missing; run 'make deps' (Debian: wine wine64)"
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 ||
  unavailable "x86_64-w64-mingw32-gcc is missing; run 'make deps' (Debian: gcc-mingw-w64-x86-64)"

cache=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/pieces-tray/wine
export WINEPREFIX=${PIECES_TRAY_WINEPREFIX:-$cache/prefix}
export WINEDEBUG=-all WINEARCH=win64
# Fyne, the agent and the tests must not find a display or session bus of
# the host through Wine.
unset DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS

work=$(mktemp -d "${TMPDIR:-/tmp}/pt-wine.XXXXXX")
bg_pids=()
cleanup() {
  for pid in "${bg_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start=$SECONDS
elapsed() { echo "$((SECONDS - start))s"; }

# prepare_prefix creates the prefix once (under a lock, so that concurrent
# lanes do not both create it) and installs the stand-in DLL when it changed.
prepare_prefix() {
  mkdir -p "$cache" "$(dirname "$WINEPREFIX")"
  exec 9>"$WINEPREFIX.lock"
  flock 9
  if [ ! -f "$WINEPREFIX/.pieces-tray-ready" ]; then
    rm -rf "$WINEPREFIX"
    # mscoree, mshtml: no offer to download Mono or Gecko.
    WINEDLLOVERRIDES="mscoree,mshtml=" timeout -k 10 300 wine wineboot.exe --init >"$work/wineboot.log" 2>&1 ||
      { cat "$work/wineboot.log" >&2; return 1; }
    timeout 120 wineserver -w
    touch "$WINEPREFIX/.pieces-tray-ready"
  fi
  local dll=$work/bcryptprimitives.dll
  x86_64-w64-mingw32-gcc -shared -O2 -s -o "$dll" scripts/wine/bcryptprimitives.c -ladvapi32
  local dest=$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll
  cmp -s "$dll" "$dest" || cp "$dll" "$dest"
  exec 9>&-
}

# 1. In the background: the real pieces-tray.exe (cgo, Fyne; ~5 minutes cold
#    on two cores, then cached by Go), and the prefix.
(
  t0=$SECONDS rc=0
  CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc GOOS=windows GOARCH=amd64 \
    nice -n 10 "$GO" build -ldflags=-H=windowsgui -o "$work/pieces-tray.exe" . >"$work/tray-build.log" 2>&1 || rc=$?
  echo "$rc $((SECONDS - t0))" >"$work/tray-build.rc"
) &
tray_pid=$!
bg_pids+=("$tray_pid")
prepare_prefix >"$work/prefix.log" 2>&1 &
prefix_pid=$!
bg_pids+=("$prefix_pid")

# 2. The Windows test binaries, and the Linux simulator for step 4.
mapfile -t pkgs < <(GOOS=windows CGO_ENABLED=0 "$GO" list -e -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}} {{.Dir}}{{end}}' ./... | grep .)
list=$work/packages
: >"$list"
for line in "${pkgs[@]}"; do
  pkg=${line%% *}
  case " $skip_pkgs " in *" $pkg "*) continue ;; esac
  echo "$line" >>"$list"
done
mkdir -p "$work/bin" "$work/logs"
# shellcheck disable=SC2046 # one import path per word
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 "$GO" test -c -o "$work/bin/" $(cut -d' ' -f1 "$list") >"$work/build.log" 2>&1 ||
  { cat "$work/build.log" >&2; die "building the Windows test binaries failed"; }
"$GO" build -o "$work/pieces-os-sim" ./cmd/pieces-os-sim
say "test binaries built ($(wc -l <"$list") packages, $(elapsed))"

wait "$prefix_pid" || { cat "$work/prefix.log" >&2; die "preparing the Wine prefix $WINEPREFIX failed"; }
say "Wine prefix ready: $WINEPREFIX ($(elapsed))"

# 3. Run them, $jobs at a time, each in its package directory (for testdata).
run_one() { # import-path dir
  local pkg=$1 dir=$2 name=${1##*/} t0=$SECONDS rc=0
  (cd "$dir" && timeout -k 10 "$limit" wine "$work/bin/$name.test.exe" -test.v -test.timeout "$((limit - 20))s") \
    >"$work/logs/$name.log" 2>&1 || rc=$?
  echo "$rc $((SECONDS - t0))" >"$work/logs/$name.rc"
}
export -f run_one
export work limit
xargs -P "$jobs" -L 1 bash -c 'run_one "$@"' _ <"$list"

failed=0
while read -r pkg _; do
  name=${pkg##*/}
  read -r rc secs <"$work/logs/$name.rc"
  skips=$(grep -c -- '--- SKIP' "$work/logs/$name.log" || true)
  if [ "$rc" = 0 ]; then
    printf 'ok   %-40s %3ss  (%s skipped)\n' "$pkg" "$secs" "$skips"
    # Why, once per reason: the last line a test logged before it skipped.
    awk '/^=== (RUN|NAME|CONT) / { cur = $3; next }
      /^ *--- SKIP: / { print (($3 in why) ? why[$3] : "(no reason given)"); next }
      /^ *--- / { next }
      /\.go:[0-9]+: / { line = $0; sub(/^ *[^ ]*\.go:[0-9]+: /, "", line); why[cur] = line }' "$work/logs/$name.log" |
      sort | uniq -c | sort -rn | awk '{ n = $1; sub(/^ *[0-9]+ /, ""); printf "       %3d skipped: %s\n", n, $0 }'
  else
    failed=1
    [ "$rc" = 124 ] && note="timed out after ${limit}s" || note="exit $rc"
    printf 'FAIL %-40s %3ss  (%s)\n' "$pkg" "$secs" "$note"
    grep -v -e '^=== \(RUN\|PAUSE\|CONT\|NAME\)' -e '^ *--- PASS' "$work/logs/$name.log" | sed 's/^/    /'
  fi
done <"$list"
say "Windows tests done ($(elapsed))"

# 4. pieces-tray.exe: a GUI program; --version, and status against the
#    simulator: exit 2 with nothing listening, 1 signed out, 0 signed in.
wait "$tray_pid" || true
read -r rc secs <"$work/tray-build.rc"
if [ "$rc" != 0 ]; then
  cat "$work/tray-build.log" >&2
  die "cross-compiling pieces-tray.exe failed"
fi
say "pieces-tray.exe built in ${secs}s, ready after $(elapsed)"

start_sim() { # name [flags…]: start a simulator; its URL goes to sim_url
  local name=$1
  shift
  "$work/pieces-os-sim" --addr 127.0.0.1:0 "$@" >"$work/$name.out" 2>"$work/$name.err" &
  bg_pids+=("$!")
  for _ in $(seq 1 300); do
    grep -q '^pieces-os: ' "$work/$name.out" && break
    sleep 0.1
  done
  sim_url=$(sed -n 's/^pieces-os: //p' "$work/$name.out")
  [ -n "$sim_url" ] || { cat "$work/$name.err" >&2; die "the simulator did not start"; }
}
start_sim signed-out
signed_out=$sim_url
start_sim signed-in --user ada@example.com
signed_in=$sim_url

expect() { # code what args…
  local want=$1 what=$2 rc=0
  shift 2
  timeout -k 10 60 wine "$work/pieces-tray.exe" "$@" >"$work/exe.out" 2>"$work/exe.err" || rc=$?
  if [ "$rc" = "$want" ]; then
    printf 'ok   pieces-tray.exe %-52s exit %s\n' "$*" "$rc"
  else
    failed=1
    printf 'FAIL pieces-tray.exe %s: exit %s; want %s (%s)\n' "$*" "$rc" "$want" "$what"
    sed 's/^/    /' "$work/exe.out" "$work/exe.err"
  fi
  sed 's/^/    | /' "$work/exe.out" "$work/exe.err" | head -n 8
}
# A GUI program, as make dist links it: no console window when it starts at
# login, nor for the windows it opens; its output still reaches a pipe. Its
# resources (rsrc_windows_amd64.syso): an icon group (type 14) and a
# manifest (type 24).
x86_64-w64-mingw32-objdump -p "$work/pieces-tray.exe" >"$work/pe.txt"
pe_has() { # what pattern
  if grep -E "$2" "$work/pe.txt" >/dev/null; then
    printf 'ok   pieces-tray.exe has %s\n' "$1"
  else
    failed=1
    printf 'FAIL pieces-tray.exe lacks %s\n' "$1"
  fi
}
pe_has "the Windows GUI subsystem (-H windowsgui)" '^Subsystem.*\(Windows GUI\)'
pe_has "an icon" '^0[0-9a-f]{2}   Entry: ID: 0x00000e,'
pe_has "a manifest" '^0[0-9a-f]{2}   Entry: ID: 0x000018,'
expect 0 "prints the version" --version
grep -q '^pieces-tray ' "$work/exe.out" || { failed=1; printf 'FAIL pieces-tray.exe --version printed nothing to its pipe\n'; }
expect 2 "Pieces OS not running" status --pieces-os-url http://127.0.0.1:1
expect 1 "signed out" status --pieces-os-url "$signed_out"
expect 0 "signed in" status --pieces-os-url "$signed_in"

if [ "$failed" != 0 ]; then die "FAILED ($(elapsed))"; fi
say "PASS ($(elapsed))"
