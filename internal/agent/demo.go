package agent

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"piecestray/auth"
	"piecestray/internal/auth0sim"
	"piecestray/internal/piecesos"
)

// demo is the pair of in-process stand-ins `--demo` runs against: the Pieces
// OS simulator and the Auth0-compatible sign-in server, both on loopback.
type demo struct {
	a0       *auth0sim.Server
	sim      *piecesos.Server
	piecesOS string      // the simulator's base URL
	auth0    string      // the sign-in server's URL
	auth     auth.Config // sign-in settings pointing at it
}

// demoCloudDelay is how long the demo's personal cloud takes to be ready for a
// vanity name after sign-in, so the "not ready yet" path can be seen.
const demoCloudDelay = 20 * time.Second

func startDemo(o Options, logger *slog.Logger, browser auth.Browser) (*demo, error) {
	cfg := auth.DefaultConfig()
	a0 := auth0sim.New(auth0sim.Config{
		ClientID: cfg.ClientID,
		Audience: cfg.Audience,
		Logger:   logger.With("component", "auth0sim"),
	})
	if err := a0.Start("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("agent: start the demo sign-in server: %w", err)
	}
	sim := piecesos.New(piecesos.Config{
		Auth0URL:        a0.URL(),
		TakenVanity:     []string{"pieces", "admin", "demo"},
		CloudReadyDelay: demoCloudDelay,
		// Like Pieces OS, /os/sign_in opens the person's browser.
		OpenBrowser: func(_ context.Context, url string) error { return browser.Open(url) },
		Logger:      logger.With("component", "piecesos"),
	})
	if err := sim.Start("127.0.0.1:0"); err != nil {
		a0.Close()
		return nil, fmt.Errorf("agent: start the demo Pieces OS: %w", err)
	}
	if err := a0.AllowRedirectURI(sim.SignInRedirectURI()); err != nil {
		sim.Close()
		a0.Close()
		return nil, fmt.Errorf("agent: demo sign-in callback: %w", err)
	}
	cfg.Domain = a0.URL()
	cfg.RedirectURL = o.Auth.RedirectURL
	if cfg.RedirectURL != "" {
		// Like Auth0, the stand-in accepts only registered callback URLs:
		// Pieces' two documented ones, and the one the person chose.
		if err := a0.AllowRedirectURI(cfg.RedirectURL); err != nil {
			sim.Close()
			a0.Close()
			return nil, fmt.Errorf("agent: --redirect-url: %w", err)
		}
	}
	return &demo{a0: a0, sim: sim, piecesOS: sim.URL(), auth0: a0.URL(), auth: cfg}, nil
}

func (d *demo) close() {
	d.sim.Close()
	d.a0.Close()
}
