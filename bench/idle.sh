#!/usr/bin/env bash
# idle.sh measures the tray agent's start-up and idle cost (issue 6):
# exec → tray registered, CPU over 60 s idle signed in with a live stream,
# and RSS, with no X display (only a private session bus).
#
#   bench/idle.sh [-idle 60s] [-runs 5]
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/pieces-tray .
go build -o bin/pieces-os-sim ./cmd/pieces-os-sim
go build -o bin/scripted-browser ./cmd/scripted-browser
exec scripts/desktop-session.sh go run ./bench/idle "$@"
