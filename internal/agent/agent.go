// Package agent wires the long-lived tray agent: the control socket (which
// also makes the agent single-instance), the session core, the tray, the
// notifier and the window launcher.
//
// It is wiring only: each part lives in its own package and is tested there.
package agent

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"piecestray/apiclient"
	"piecestray/app"
	"piecestray/auth"
	"piecestray/internal/autostart"
	"piecestray/internal/control"
	"piecestray/internal/logfile"
	"piecestray/tray"
)

// Keyring names: the session is the secret of the item (service, user).
// Options.KeyringService can name another service, so that the demo and
// tests keep their sessions apart from a real one.
const (
	defaultKeyringService = "pieces-tray"
	keyringUser           = "session"
)

// trimDelay is how long after start the agent gives back the pages only
// start-up needed (see trimStartupPages): by then the tray is registered and
// the session restored.
const trimDelay = 10 * time.Second

// Options configure Run. RegisterFlags fills them from flags and the
// environment.
type Options struct {
	Version       string
	PiecesOSURL   string         // explicit Pieces OS base URL; "" discovers
	SignIn        app.SignInMode // who runs the sign-in: app.ModeAuth0 (default) or app.ModePiecesOS
	Auth          auth.Config    // sign-in settings for app.ModeAuth0
	Notifications bool           // show desktop notifications
	SocketPath    string         // control socket; "" uses control.DefaultSocketPath
	LogFile       string         // "" uses logfile.DefaultPath; "-" logs to stderr
	Debug         bool           // log at debug level
	// KeyringService is the keyring service the session is kept under;
	// "" is defaultKeyringService. The demo and tests set their own.
	KeyringService string
}

// RegisterFlags defines the agent's flags on fs, with defaults from the
// environment (getenv), and writes the parsed values into o.
func RegisterFlags(fs *flag.FlagSet, o *Options, getenv func(string) string) {
	cfg := auth.DefaultConfig().WithEnv(getenv)
	o.Auth = cfg
	o.SignIn = app.SignInMode(getenv("PIECES_TRAY_SIGN_IN")) // checked by Run
	fs.Func("sign-in", "who runs the browser sign-in: auth0 (Pieces Tray, session in the keyring) or pieces-os (Pieces OS, which keeps the session) (default auth0; PIECES_TRAY_SIGN_IN)", func(s string) error {
		m, err := app.ParseSignInMode(s)
		o.SignIn = m
		return err
	})
	fs.StringVar(&o.PiecesOSURL, "pieces-os-url", getenv("PIECES_OS_URL"), "Pieces OS base URL, e.g. http://127.0.0.1:39300 (default: discovered)")
	fs.StringVar(&o.Auth.Domain, "auth0-domain", cfg.Domain, "Auth0 domain or issuer URL")
	fs.StringVar(&o.Auth.ClientID, "auth0-client-id", cfg.ClientID, "Auth0 client id")
	fs.StringVar(&o.Auth.Audience, "auth0-audience", cfg.Audience, "Auth0 audience")
	fs.Func("auth0-scopes", "scopes, separated by spaces or commas (default \""+strings.Join(cfg.Scopes, " ")+"\")", func(s string) error {
		o.Auth.Scopes = auth.ParseScopes(s)
		return nil
	})
	fs.StringVar(&o.Auth.RedirectURL, "redirect-url", cfg.RedirectURL, "redirect URI registered with Auth0 (default "+auth.DefaultRedirectURL+", or "+auth.FallbackRedirectURL+" when port 3000 is taken)")
	fs.BoolVar(&o.Notifications, "notifications", !isOff(getenv("PIECES_TRAY_NOTIFICATIONS")), "show desktop notifications (PIECES_TRAY_NOTIFICATIONS=off turns them off)")
	fs.StringVar(&o.SocketPath, "socket", getenv("PIECES_TRAY_SOCKET"), "control socket path (default: per-user runtime directory)")
	fs.StringVar(&o.LogFile, "log-file", getenv("PIECES_TRAY_LOG"), "log file, or - for stderr (default: the user's state directory)")
	fs.BoolVar(&o.Debug, "debug", false, "log at debug level (tokens are never logged)")
	fs.StringVar(&o.KeyringService, "keyring-service", cmp.Or(getenv("PIECES_TRAY_KEYRING_SERVICE"), defaultKeyringService), "keyring service the session is kept under; for the demo and tests, to keep theirs apart from a real one (PIECES_TRAY_KEYRING_SERVICE)")
}

func isOff(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "0", "off", "false", "no":
		return true
	}
	return false
}

// Run runs the agent until ctx ends or the person chooses Quit. When another
// agent already runs, it asks that one to show the account window and
// returns nil.
func Run(ctx context.Context, o Options) error {
	mode, err := app.ParseSignInMode(string(o.SignIn))
	if err != nil {
		return fmt.Errorf("agent: PIECES_TRAY_SIGN_IN: %w", err)
	}
	logger, logPath, closeLog, err := openLog(o)
	if err != nil {
		return err
	}
	defer closeLog()

	path := o.SocketPath
	if path == "" {
		if path, err = control.DefaultSocketPath(); err != nil {
			return fmt.Errorf("agent: %w", err)
		}
	}
	srv, err := control.Listen(path)
	if errors.Is(err, control.ErrAlreadyRunning) {
		logger.Info("another agent is running; asking it to show the account window")
		return showAccount(ctx, path)
	}
	if err != nil {
		return fmt.Errorf("agent: control socket: %w", err)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var wg sync.WaitGroup
	defer wg.Wait()

	// Opened browsers are the person's: quitting the agent does not wait
	// for them. Its windows close with it (see the end of Run).
	opener := tray.NewOpener(logger)

	notifier := tray.NewNotifier(tray.NotifierConfig{Disabled: !o.Notifications, Logger: logger})
	defer notifier.Close()
	exe, err := os.Executable()
	if err != nil {
		srv.Close()
		return fmt.Errorf("agent: find own executable: %w", err)
	}
	// Window processes find this agent's socket, and the doctor window its
	// settings, through the environment they inherit (flags may differ from
	// it: the demo and tests set their own).
	for k, v := range map[string]string{
		"PIECES_TRAY_SOCKET":          path,
		"PIECES_OS_URL":               o.PiecesOSURL,
		"PIECES_TRAY_SIGN_IN":         string(mode),
		"PIECES_AUTH0_DOMAIN":         o.Auth.Domain,
		"PIECES_AUTH0_CLIENT_ID":      o.Auth.ClientID,
		"PIECES_AUTH0_REDIRECT_URL":   o.Auth.RedirectURL,
		"PIECES_TRAY_KEYRING_SERVICE": cmp.Or(o.KeyringService, defaultKeyringService),
	} {
		os.Setenv(k, v)
	}
	launcher := tray.NewLauncher(exe, srv, logger)

	service := cmp.Or(o.KeyringService, defaultKeyringService)
	store := auth.NewKeyringStore(service, keyringUser)
	// Beside the keyring item it speaks of: a removed session that the
	// keyring would not delete yet is deleted at the next start.
	var signedOutMark string
	if dir, err := os.UserConfigDir(); err == nil {
		signedOutMark = filepath.Join(dir, "pieces-tray", service+".signed-out")
	}
	httpClient := &http.Client{Timeout: 30 * time.Second}
	core := app.New(app.Config{
		Mode: mode,
		PiecesOS: func(base string) app.PiecesOS {
			return apiclient.New(base, apiclient.WithHTTPClient(httpClient))
		},
		Follower: apiclient.NewFollower(apiclient.FollowerConfig{
			Discovery: apiclient.Discovery{URL: o.PiecesOSURL},
			Logger:    logger,
		}),
		Signer:        auth.NewSigner(o.Auth, opener, auth.WithLogger(logger.With("component", "auth"))),
		Store:         store,
		SignedOutMark: signedOutMark,
		Browser:       opener,
		Logger:        logger,
		OnEvent:       notifier.Notify,
		Issuer:        o.Auth.Domain,
		ClientID:      o.Auth.ClientID,
	})

	wg.Go(func() {
		h := &control.CoreHandler{Core: core, Windows: launcher, Info: control.Info{Version: o.Version, LogFile: logPath}}
		if err := srv.Serve(ctx, h); err != nil && ctx.Err() == nil {
			logger.Error("control socket stopped", "err", err)
		}
	})
	wg.Go(func() { core.Run(ctx) })
	wg.Go(func() {
		select {
		case <-ctx.Done():
		case <-time.After(trimDelay):
			logger.Debug("trimmed start-up pages", "mappings", trimStartupPages())
		}
	})

	logger.Info("agent started", "version", o.Version)
	err = tray.Run(ctx, tray.Config{
		Core:      core,
		Windows:   launcher,
		Opener:    opener,
		Notifier:  notifier,
		Logger:    logger,
		Autostart: newStartAtLogin(logger),
	})
	// Close the windows while the control socket still serves them, so that
	// none shows "Pieces Tray is not running" on its way out.
	launcher.CloseWindows(windowCloseGrace)
	cancel()
	return err
}

// windowCloseGrace is how long a quitting agent waits for its windows to
// close before it ends them.
const windowCloseGrace = 3 * time.Second

// showAccount asks the running agent to show its account window.
func showAccount(ctx context.Context, path string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c := control.NewClient(path)
	defer c.Close()
	if err := c.Call(ctx, string(app.ActionShowWindow), app.WindowArgs{Name: control.WindowAccount}, nil); err != nil {
		return fmt.Errorf("agent: ask the running Pieces Tray to show its window: %w", err)
	}
	return nil
}

// openLog sets up slog on the rotated log file (or stderr), and returns the
// file's path ("" for stderr).
func openLog(o Options) (*slog.Logger, string, func(), error) {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if o.Debug {
		opts.Level = slog.LevelDebug
	}
	if o.LogFile == "-" {
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), "", func() {}, nil
	}
	path, err := o.LogFile, error(nil)
	if path == "" {
		if path, err = logfile.DefaultPath(os.Getenv); err != nil {
			return nil, "", nil, fmt.Errorf("agent: log file: %w", err)
		}
	}
	f, err := logfile.Open(path, 0, 0)
	if err != nil {
		return nil, "", nil, fmt.Errorf("agent: %w", err)
	}
	return slog.New(slog.NewTextHandler(f, opts)), path, func() { f.Close() }, nil
}

// newStartAtLogin returns the tray's start-at-login setting, or nil (no
// menu item) when the home directory is unknown.
func newStartAtLogin(logger *slog.Logger) tray.Autostart {
	env, err := autostart.SystemEnv()
	if err != nil {
		logger.Warn("start at login is not offered", "err", err)
		return nil
	}
	return env
}
