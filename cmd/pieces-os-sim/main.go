// Command pieces-os-sim runs the Pieces OS simulator (internal/piecesos) on
// its own, for `make demo` (scripts/demo.sh), the tests that run the agent,
// scripts and generated SDK clients:
//
//	go run ./cmd/pieces-os-sim --addr 127.0.0.1:39300
//
// It prints "pieces-os: http://ADDR" once listening. Unless --auth0-url names
// one, it also starts an Auth0-compatible server (internal/auth0sim) on a
// free loopback port, and prints "auth0: http://ADDR" first: it verifies
// access tokens and serves the browser sign-in of POST /os/sign_in. That
// server allows, as exact callback URLs, the two Pieces documents (where the
// agent signs in by default), the simulator's own sign-in callback, and
// each --allow-callback URL:
//
//	go run ./cmd/pieces-os-sim --allow-callback http://127.0.0.1:39301/os/sign_in/callback
//
// With --auth0-url, the simulator's sign-in callback (logged at start,
// http://ADDR/os/sign_in/callback) must be allowed on that server instead,
// for example with --allow-callback on the command that started it.
// POST /os/sign_in opens the browser with the command in $BROWSER.
//
// With --auth0-only it serves only the Auth0-compatible server, on a free
// loopback port, and prints "auth0: http://ADDR": simulators started with
// --auth0-url pointing at it can then come and go (tests kill and restart
// Pieces OS) while the sign-in service, and the sessions it issued, stay.
//
// The test controls are served under /__sim/ on the same listener (see
// internal/piecesos/admin.go).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"piecestray/internal/auth0sim"
	"piecestray/internal/piecesos"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "pieces-os-sim:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends or SIGINT/SIGTERM arrives.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pieces-os-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:39300", "address to listen on (127.0.0.1:0 for any free port)")
	auth0URL := fs.String("auth0-url", "", "Auth0-compatible server that verifies access tokens (GET /userinfo); default: start one on a free loopback port")
	taken := fs.String("taken", "", "comma-separated vanity names that are already taken (409)")
	cloudDelay := fs.Duration("cloud-ready-delay", 0, "how long after sign-in setting a vanity name answers 404")
	version := fs.String("version", piecesos.DefaultVersion, "version served by /.well-known/version")
	user := fs.String("user", "", "email of a user to sign in at start")
	verbose := fs.Bool("v", false, "log every request to stderr")
	var callbacks []string
	fs.Func("allow-callback", "a callback URL the started Auth0-compatible server allows besides its defaults (repeatable)", func(v string) error {
		callbacks = append(callbacks, v)
		return nil
	})
	auth0Only := fs.Bool("auth0-only", false, "serve only the Auth0-compatible server (on a free loopback port), for simulators started with --auth0-url")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if *auth0Only {
		var simOnly []string
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "addr", "auth0-url", "taken", "cloud-ready-delay", "version", "user":
				simOnly = append(simOnly, "--"+f.Name)
			}
		})
		if len(simOnly) > 0 {
			return fmt.Errorf("--auth0-only starts no Pieces OS simulator: %s do not apply", strings.Join(simOnly, ", "))
		}
	}
	if *auth0URL != "" && len(callbacks) > 0 {
		return errors.New("--allow-callback sets up the Auth0-compatible server this command starts; with --auth0-url, allow the callback URLs on that server")
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	var a0 *auth0sim.Server
	if *auth0URL == "" {
		a0 = auth0sim.New(auth0sim.Config{Logger: logger})
		for _, u := range callbacks {
			if err := a0.AllowRedirectURI(u); err != nil {
				return fmt.Errorf("--allow-callback: %w", err)
			}
		}
		if err := a0.Start("127.0.0.1:0"); err != nil {
			return err
		}
		defer a0.Close()
		*auth0URL = a0.URL()
		fmt.Fprintf(stdout, "auth0: %s\n", a0.URL())
		if *auth0Only {
			<-ctx.Done()
			return nil
		}
	}
	cfg := piecesos.Config{
		Auth0URL:        *auth0URL,
		CloudReadyDelay: *cloudDelay,
		Version:         *version,
		Logger:          logger,
		TakenVanity:     strings.Split(*taken, ","), // compared trimmed, and the empty name is never valid
	}
	sim := piecesos.New(cfg)
	if *user != "" {
		sim.SignInEmail(*user, "")
	}
	if err := sim.Start(*addr); err != nil {
		return err
	}
	defer sim.Close()
	if a0 != nil {
		if err := a0.AllowRedirectURI(sim.SignInRedirectURI()); err != nil {
			return err
		}
	} else {
		logger.Info("pieces-os-sim: allow the sign-in callback on the Auth0-compatible server for POST /os/sign_in",
			"callback", sim.SignInRedirectURI())
	}
	fmt.Fprintf(stdout, "pieces-os: %s\n", sim.URL())
	<-ctx.Done()
	return nil
}
