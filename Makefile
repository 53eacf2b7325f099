# pieces-tray — build, test and demo.
#
#   make demo   install what is missing, then run the tray against the Pieces OS
#               simulator and its Auth0 stand-in (cmd/pieces-os-sim, scripts/demo.sh);
#               make demo SIGN_IN=pieces-os lets Pieces OS run the sign-in
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
	xvfb dbus dbus-daemon gnome-keyring xdotool imagemagick xdg-utils chromium libglib2.0-bin \
	wine wine64 gcc-mingw-w64-x86-64

# Packages that need cgo when built for macOS (Fyne's GL driver, systray's
# Cocoa code), so they cannot be vetted for it from here without a macOS
# SDK; and those that need it for Windows (Fyne's GL driver), which the
# Windows lane builds with mingw-w64 as part of pieces-tray.exe.
DARWIN_CGO_PKGS  := piecestray piecestray/bench/idle piecestray/internal/windowcmd piecestray/internal/agent piecestray/internal/doctor piecestray/tray piecestray/ui
WINDOWS_CGO_PKGS := piecestray piecestray/internal/windowcmd

.PHONY: all build deps demo soak test test-short test-windows vet vet-cross bench fuzz screenshots clean

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
# its keyring item (TestRestartSoak; make test runs it with 50).
soak: deps
	SOAK_RESTARTS=500 scripts/desktop-session.sh $(GO) test -count=1 -timeout 120m -run '^TestRestartSoak$$' -v ./internal/desktoptest/

vet:
	$(GO) vet ./...

# go vet for macOS and Windows, of every package that builds there without cgo.
vet-cross:
	GOOS=darwin CGO_ENABLED=0 $(GO) vet $$($(GO) list ./... | grep -vxF $(addprefix -e ,$(DARWIN_CGO_PKGS)))
	GOOS=windows CGO_ENABLED=0 $(GO) vet $$($(GO) list ./... | grep -vxF $(addprefix -e ,$(WINDOWS_CGO_PKGS)))

test: deps vet vet-cross
	scripts/desktop-session.sh $(GO) test -race -count=1 -timeout 30m ./...
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

# Re-capture the four windows as they really render (Xvfb, light theme) into
# docs/screenshots/.
screenshots: build
	PIECES_TRAY_SCREENSHOTS=$(CURDIR)/docs/screenshots scripts/desktop-session.sh $(GO) test -count=1 -run TestWindowsOnDesktop ./internal/windowcmd/

clean:
	rm -rf bin

# --- Install, packages -------------------------------------------------------
# make install               per user: ~/.local/bin, ~/.local/share
# make install PREFIX=/usr/local   system-wide (as root)
PREFIX   ?= $(HOME)/.local
BINDIR   ?= $(PREFIX)/bin
DATADIR  ?= $(PREFIX)/share
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0-dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)

.PHONY: install install-files uninstall dist

install:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/pieces-tray .
	install -Dm755 bin/pieces-tray $(DESTDIR)$(BINDIR)/pieces-tray
	$(MAKE) --no-print-directory install-files
	-command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q $(DESTDIR)$(DATADIR)/applications
	@echo "Installed $(BINDIR)/pieces-tray. Start it from your applications menu; choose \"Start at login\" in its menu to have it start with your session."

uninstall:
	-$(DESTDIR)$(BINDIR)/pieces-tray autostart off
	rm -f $(DESTDIR)$(BINDIR)/pieces-tray \
	  $(DESTDIR)$(DATADIR)/applications/app.pieces.tray.desktop \
	  $(DESTDIR)$(DATADIR)/icons/hicolor/256x256/apps/app.pieces.tray.png

# make dist: release archives in dist/, versioned from git describe:
# Linux amd64 (tar.xz: the binary, the .desktop entry and the icon, laid out
# for a PREFIX) and a Windows amd64 .exe cross-compiled with mingw-w64 (cgo,
# for Fyne's windows), linked as a GUI program so that no console window
# opens with it (the subcommands attach to the terminal they run from).
dist:
	rm -rf dist && mkdir -p dist/stage/pieces-tray-$(VERSION)-linux-amd64
	CGO_ENABLED=1 GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/stage/pieces-tray-$(VERSION)-linux-amd64/bin/pieces-tray .
	$(MAKE) --no-print-directory install-files DESTDIR=$(CURDIR)/dist/stage/pieces-tray-$(VERSION)-linux-amd64 PREFIX= BINDIR=/bin DATADIR=/share EXEC=pieces-tray
	tar -C dist/stage -cJf dist/pieces-tray-$(VERSION)-linux-amd64.tar.xz pieces-tray-$(VERSION)-linux-amd64
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc $(GO) build -trimpath -ldflags '$(LDFLAGS) -H windowsgui' -o dist/pieces-tray-$(VERSION)-windows-amd64.exe .
	rm -rf dist/stage
	@ls -l dist

# The data files of an installation (used by dist for the archive's tree).
install-files:
	install -Dm644 assets/icon.png $(DESTDIR)$(DATADIR)/icons/hicolor/256x256/apps/app.pieces.tray.png
	install -d $(DESTDIR)$(DATADIR)/applications
	sed 's|@EXEC@|$(or $(EXEC),$(BINDIR)/pieces-tray)|' packaging/linux/app.pieces.tray.desktop.in > $(DESTDIR)$(DATADIR)/applications/app.pieces.tray.desktop
