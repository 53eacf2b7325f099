// Command pieces-os-sim runs the Pieces OS simulator (internal/piecesos) on
// its own, for the demo mode, scripts and generated SDK clients:
//
//	go run ./cmd/pieces-os-sim --addr 127.0.0.1:39300
//
// It prints "pieces-os: http://ADDR" once listening. Unless --auth0-url names
// one, it also starts an Auth0-compatible server (internal/auth0sim) on a
// free loopback port to verify access tokens, and prints "auth0: http://ADDR"
// first. The test controls are served under /__sim/ on the same listener
// (see internal/piecesos/admin.go).
package main

import (
	"context"
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
	taken      string
	cloudDelay time.Duration
	version    string
	user       string
	verbose    bool
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
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
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

	if o.auth0URL == "" {
		a := auth0sim.New(auth0sim.Config{Logger: logger})
		if err := a.Start("127.0.0.1:0"); err != nil {
			return err
		}
		defer a.Close()
		o.auth0URL = a.URL()
		fmt.Fprintf(stdout, "auth0: %s\n", a.URL())
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
	fmt.Fprintf(stdout, "pieces-os: %s\n", sim.URL())
	<-ctx.Done()
	return nil
}
