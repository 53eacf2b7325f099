# pieces-tray — build, test and demo.
#
#   make demo   install what is missing, then run the tray against the built-in
#               Pieces OS simulator and Auth0-compatible sign-in server
#   make test   install what is missing, then go vet (also for macOS and
#               Windows), the race-enabled tests inside a private desktop
#               session (D-Bus, Xvfb, gnome-keyring), and the Windows lane:
#               the Windows test binaries and pieces-tray.exe under Wine

GO       ?= go
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian/Ubuntu packages: cgo + GL/X11/Wayland headers for Fyne's windows (its
# GLFW driver builds the Wayland backend too), and the
# desktop pieces the tests use for real (session bus, Xvfb, Secret Service),
# and for the Windows lane Wine (64-bit only: no i386 architecture needed)
# and the mingw-w64 cross compiler.
# Not dbus-x11: with it a process without a bus silently starts its own.
DEB_PKGS := ca-certificates git gcc libc6-dev pkg-config \
	libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev \
	libwayland-dev libxkbcommon-dev \
	xvfb dbus dbus-daemon gnome-keyring xdotool imagemagick xdg-utils chromium \
	wine wine64 gcc-mingw-w64-x86-64

# Packages that need cgo when built for macOS (Fyne's GL driver, systray's
# Cocoa code), so they cannot be vetted for it from here without a macOS
# SDK; and those that need it for Windows (Fyne's GL driver), which the
# Windows lane builds with mingw-w64 as part of pieces-tray.exe.
DARWIN_CGO_PKGS  := piecestray piecestray/internal/windowcmd piecestray/internal/agent piecestray/tray piecestray/ui
WINDOWS_CGO_PKGS := piecestray piecestray/internal/windowcmd

.PHONY: all build deps demo test test-short test-windows vet vet-cross bench fuzz screenshots clean

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

demo: deps
	$(GO) run . --demo

vet:
	$(GO) vet ./...

# go vet for macOS and Windows, of every package that builds there without cgo.
vet-cross:
	GOOS=darwin CGO_ENABLED=0 $(GO) vet $$($(GO) list ./... | grep -vxF $(addprefix -e ,$(DARWIN_CGO_PKGS)))
	GOOS=windows CGO_ENABLED=0 $(GO) vet $$($(GO) list ./... | grep -vxF $(addprefix -e ,$(WINDOWS_CGO_PKGS)))

test: deps vet vet-cross
	scripts/desktop-session.sh $(GO) test -race -count=1 ./...
	GO=$(GO) scripts/wine-test.sh

# The Windows lane alone (see scripts/wine-test.sh).
test-windows:
	GO=$(GO) scripts/wine-test.sh

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
