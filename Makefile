# pieces-tray — build, test and demo.
#
#   make demo   install what is missing, then run the tray against the Pieces OS
#               simulator and its Auth0 stand-in (cmd/pieces-os-sim, scripts/demo.sh);
#               make demo SIGN_IN=pieces-os lets Pieces OS run the sign-in
#   make test   install what is missing, then go vet and the race-enabled tests
#               inside a private desktop session (D-Bus, Xvfb, gnome-keyring)

GO       ?= go
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian/Ubuntu packages: cgo + GL/X11/Wayland headers for Fyne's windows (its
# GLFW driver builds the Wayland backend too), and the
# desktop pieces the tests use for real (session bus, Xvfb, Secret Service).
# Not dbus-x11: with it a process without a bus silently starts its own.
DEB_PKGS := ca-certificates git gcc libc6-dev pkg-config \
	libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev \
	libwayland-dev libxkbcommon-dev \
	xvfb dbus dbus-daemon gnome-keyring xdotool imagemagick xdg-utils chromium

.PHONY: all build deps demo soak test test-short vet bench fuzz screenshots clean

all: build

build:
	$(GO) build -o bin/pieces-tray .

deps:
	@if [ "$$(uname -s)" = Linux ] && command -v dpkg-query >/dev/null 2>&1; then \
	  missing=""; \
	  for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	  done; \
	  if [ -n "$$missing" ]; then \
	    echo "deps: installing$$missing"; \
	    $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "deps: Debian packages present"; fi; \
	elif [ "$$(uname -s)" = Linux ]; then \
	  echo "deps: not a Debian system; install a C compiler, the GL and X11 development headers,"; \
	  echo "      Xvfb, dbus and gnome-keyring with your package manager (see README)."; \
	else \
	  echo "deps: $$(uname -s): nothing to install beyond Go and a C compiler (see README)."; \
	fi
	$(GO) mod download
	@# The official Pieces TypeScript SDK, which checks the simulator's answers
	@# (internal/piecesos/sdk_test.go); kept in the gitignored .cache/npm.
	@if ! command -v npm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends nodejs npm; fi
	@if command -v npm >/dev/null 2>&1 && [ ! -d .cache/npm/node_modules/@pieces.app/pieces-os-client ]; then \
	  npm install --prefix .cache/npm --no-audit --no-fund --ignore-scripts --no-package-lock @pieces.app/pieces-os-client@4.1.0; fi

# Who runs the demo's browser sign-in: auth0 (Pieces Tray) or pieces-os.
SIGN_IN ?= auth0

demo: deps
	$(GO) build -o bin/pieces-tray .
	$(GO) build -o bin/pieces-os-sim ./cmd/pieces-os-sim
	SIGN_IN='$(SIGN_IN)' scripts/demo.sh

# The restart soak (issue 17): Pieces OS is killed and started again 500
# times under a signed-in agent, which must stay signed in and never lose
# its keyring item (TestRestartSoak; make test runs it with 50). About 50 min:
# the agent's reconnect backoff resets only after 5 s of a stable connection.
soak: deps
	SOAK_RESTARTS=500 scripts/desktop-session.sh $(GO) test -count=1 -timeout 120m -run '^TestRestartSoak$$' -v ./internal/desktoptest/

vet:
	$(GO) vet ./...

test: deps vet
	scripts/desktop-session.sh $(GO) test -race -count=1 ./...

# Quick loop without the desktop session (desktop tests skip, outside CI).
test-short:
	$(GO) test -race -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./apiclient/ ./auth/ ./app/
	bench/idle.sh

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecodeFrame -fuzztime 5m ./apiclient/
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime 2m ./internal/control/

# Re-capture the four windows as they really render (Xvfb, light theme) into
# docs/screenshots/.
screenshots: build
	PIECES_TRAY_SCREENSHOTS=$(CURDIR)/docs/screenshots scripts/desktop-session.sh $(GO) test -count=1 -run TestWindowsOnDesktop ./internal/windowcmd/

clean:
	rm -rf bin
