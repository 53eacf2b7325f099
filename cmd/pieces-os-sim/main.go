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
	"time"

	"piecestray/internal/auth0sim"
	"piecestray/internal/piecesos"
)

// options are the command-line flags.
type options struct {
	addr       string
	auth0URL   string
	auth0Only  bool
	taken      string
	cloudDelay time.Duration
	version    string
	user       string
	verbose    bool
	callbacks  urlList
}

// urlList is a flag that may be given more than once.
type urlList []string

func (l *urlList) String() string { return strings.Join(*l, " ") }

func (l *urlList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "pieces-os-sim:", err)
		os.Exit(1)
	}
}

// parse reads the flags in args.
func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("pieces-os-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:39300", "address to listen on (127.0.0.1:0 for any free port)")
	fs.StringVar(&o.auth0URL, "auth0-url", "", "Auth0-compatible server that verifies access tokens (GET /userinfo); default: start one on a free loopback port")
	fs.StringVar(&o.taken, "taken", "", "comma-separated vanity names that are already taken (409)")
	fs.DurationVar(&o.cloudDelay, "cloud-ready-delay", 0, "how long after sign-in setting a vanity name answers 404")
	fs.StringVar(&o.version, "version", piecesos.DefaultVersion, "version served by /.well-known/version")
	fs.StringVar(&o.user, "user", "", "email of a user to sign in at start")
	fs.BoolVar(&o.verbose, "v", false, "log every request to stderr")
	fs.Var(&o.callbacks, "allow-callback", "a callback URL the started Auth0-compatible server allows besides its defaults (repeatable)")
	fs.BoolVar(&o.auth0Only, "auth0-only", false, "serve only the Auth0-compatible server (on a free loopback port), for simulators started with --auth0-url")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if o.auth0Only {
		var simOnly []string
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "addr", "auth0-url", "taken", "cloud-ready-delay", "version", "user":
				simOnly = append(simOnly, "--"+f.Name)
			}
		})
		if len(simOnly) > 0 {
			return o, fmt.Errorf("--auth0-only starts no Pieces OS simulator: %s do not apply", strings.Join(simOnly, ", "))
		}
	}
	if o.auth0URL != "" && len(o.callbacks) > 0 {
		return o, errors.New("--allow-callback sets up the Auth0-compatible server this command starts; with --auth0-url, allow the callback URLs on that server")
	}
	return o, nil
}

// run serves until ctx ends or SIGINT/SIGTERM arrives.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	var a0 *auth0sim.Server
	if o.auth0URL == "" {
		a0 = auth0sim.New(auth0sim.Config{Logger: logger})
		for _, u := range o.callbacks {
			if err := a0.AllowRedirectURI(u); err != nil {
				return fmt.Errorf("--allow-callback: %w", err)
			}
		}
		if err := a0.Start("127.0.0.1:0"); err != nil {
			return err
		}
		defer a0.Close()
		o.auth0URL = a0.URL()
		fmt.Fprintf(stdout, "auth0: %s\n", a0.URL())
		if o.auth0Only {
			<-ctx.Done()
			return nil
		}
	}
	cfg := piecesos.Config{
		Auth0URL:        o.auth0URL,
		CloudReadyDelay: o.cloudDelay,
		Version:         o.version,
		Logger:          logger,
	}
	for _, n := range strings.Split(o.taken, ",") {
		if n = strings.TrimSpace(n); n != "" {
			cfg.TakenVanity = append(cfg.TakenVanity, n)
		}
	}
	sim := piecesos.New(cfg)
	if o.user != "" {
		sim.SignInEmail(o.user, "")
	}
	if err := sim.Start(o.addr); err != nil {
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
