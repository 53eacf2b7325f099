package doctor

import (
	"cmp"
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"piecestray/apiclient"
	"piecestray/app"
	"piecestray/auth"
	"piecestray/internal/control"
)

// VersionEnv names the environment variable in which main hands this
// program's version to the doctor window (which runs in a window process
// that main starts like any other).
const VersionEnv = "PIECES_TRAY_VERSION"

// The waits of the checks.
const (
	streamWait  = 2 * time.Second         // for the user stream to go live
	keyringWait = auth.KeyringReadTimeout // for the keyring, as long as the agent gives it
	netWait     = 5 * time.Second         // for each question to Pieces OS, the agent and the Auth0 domain
	maxSkew     = 60 * time.Second        // the clock difference from which the clock check warns
)

// Env is everything Run uses from the outside. DefaultEnv fills it for this
// computer; tests inject their own.
type Env struct {
	// Version is this program's version; "" skips the comparison with the
	// agent's.
	Version string
	// Discovery finds Pieces OS; its URL is --pieces-os-url or
	// PIECES_OS_URL when set.
	Discovery apiclient.Discovery
	// SignIn is the sign-in mode as the person set it (--sign-in or
	// PIECES_TRAY_SIGN_IN); "" is auth0.
	SignIn string
	// Auth is the Auth0 configuration of the sign-in.
	Auth auth.Config
	// RedirectURLs are the loopback addresses the Auth0 sign-in may listen
	// on, tried in order; default Auth.RedirectURL when set, else
	// auth.DefaultRedirectURL and auth.FallbackRedirectURL.
	RedirectURLs []string
	// TLSConfig verifies the Auth0 domain's certificate; nil uses the
	// system's roots.
	TLSConfig *tls.Config
	// Store is the keyring store of the session; nil skips the keyring.
	Store auth.Store
	// KeyringName names the keyring for people ("Secret Service").
	KeyringName string
	// Desktop is the desktop's session bus; nil skips the desktop checks
	// (not Linux).
	Desktop Desktop
	// Getenv reads PIECES_TRAY_ICONS and, through tray.PanelIsLight, the
	// desktop.
	Getenv func(string) string
	// SocketPath is the agent's control socket; "" skips the agent.
	SocketPath string
	// How long the user stream may take to go live, and the keyring to
	// answer; zero is 2 s and auth.KeyringReadTimeout.
	StreamWait, KeyringWait time.Duration
}

// DefaultEnv is the Env of this computer, configured like the agent by the
// environment (read with getenv): PIECES_OS_URL, PIECES_TRAY_SIGN_IN, the
// PIECES_AUTH0_* variables, PIECES_TRAY_SOCKET and VersionEnv. Callers with
// flags (`pieces-tray doctor`) set the fields the flags name afterwards.
func DefaultEnv(getenv func(string) string) Env {
	env := Env{
		Version:   getenv(VersionEnv),
		Discovery: apiclient.Discovery{URL: getenv("PIECES_OS_URL")},
		SignIn:    getenv("PIECES_TRAY_SIGN_IN"),
		Auth:      auth.DefaultConfig().WithEnv(getenv),
		// The keyring item of the session, as the agent (internal/agent) stores it.
		Store:       auth.NewKeyringStore(cmp.Or(getenv("PIECES_TRAY_KEYRING_SERVICE"), "pieces-tray"), "session"),
		KeyringName: cmp.Or(map[string]string{"darwin": "Keychain", "windows": "Credential Manager"}[runtime.GOOS], "Secret Service"),
		Getenv:      getenv,
		SocketPath:  getenv("PIECES_TRAY_SOCKET"),
	}
	if runtime.GOOS == "linux" {
		env.Desktop = SessionBus{}
	}
	if env.SocketPath == "" {
		env.SocketPath, _ = control.DefaultSocketPath() // "" skips the agent
	}
	return env
}

// Run checks every link between the person and their Pieces account and
// returns one Check per link, in the order of the ID* constants. The
// independent parts (Pieces OS, the keyring, the Auth0 domain, the desktop,
// the agent) are checked at the same time, each within its wait, so Run
// takes a few seconds at most. Run starts nothing that outlives it; when ctx
// ends it returns early with the report Incomplete.
func Run(ctx context.Context, env Env) Report {
	env.StreamWait = cmp.Or(env.StreamWait, streamWait)
	env.KeyringWait = cmp.Or(env.KeyringWait, keyringWait)
	if env.RedirectURLs == nil {
		env.RedirectURLs = []string{auth.DefaultRedirectURL, auth.FallbackRedirectURL}
		if env.Auth.RedirectURL != "" {
			env.RedirectURLs = []string{env.Auth.RedirectURL}
		}
	}
	mode, modeErr := app.ParseSignInMode(env.SignIn)
	if modeErr != nil {
		mode = app.ModeAuth0 // the agent would refuse to start; check the default
	}
	var (
		wg    sync.WaitGroup
		pos   piecesOSFacts
		kr    keyringFacts
		idp   []Check // the Auth0 checks
		desk  []Check // the desktop checks
		agent agentFacts
	)
	wg.Go(func() { pos = probePiecesOS(ctx, env, mode) })
	wg.Go(func() { kr = loadSession(ctx, env, mode) })
	wg.Go(func() { idp = checkAuth0(ctx, env, mode) })
	wg.Go(func() { desk = checkDesktop(ctx, env) })
	wg.Go(func() { agent = probeAgent(ctx, env) })
	wg.Wait()

	checks := slices.Concat(
		[]Check{pos.check(), pos.portFileCheck(), pos.streamCheck(env), accountCheck(pos, kr, mode), signInModeCheck(env, mode, modeErr, agent)},
		idp,
		[]Check{redirectCheck(env, mode, agent), pos.osSignInCheck(mode), kr.check(env, mode)},
		desk,
		[]Check{agent.check(env), pos.clockCheck()},
	)
	if len(checks) != len(order) { // each check takes its ID and title from its place
		panic(fmt.Sprintf("doctor: %d checks for %d places", len(checks), len(order)))
	}
	r := Report{Version: env.Version, Incomplete: ctx.Err() != nil}
	for i, c := range checks {
		c.ID, c.Title = order[i].id, order[i].title
		c.Found, c.Fix = scrub(c.Found), scrub(c.Fix)
		r.Checks = append(r.Checks, c)
	}
	return r
}

// shortPath shows a path under the home directory as ~/…, so that a
// shared report names no user.
func shortPath(path string) string {
	home, err := os.UserHomeDir()
	if rel, relErr := filepath.Rel(home, path); err == nil && path != "" && relErr == nil && filepath.IsLocal(rel) {
		return filepath.Join("~", rel)
	}
	return path
}

// because is err as a clause after a colon: its sentence for people (see
// app.Human), without the full stop, and in lower case unless it starts with
// a name ("Pieces OS").
func because(err error) string {
	s := strings.TrimSuffix(app.Human(err), ".")
	r := []rune(s)
	if len(r) > 1 && unicode.IsUpper(r[0]) && unicode.IsLower(r[1]) {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}
