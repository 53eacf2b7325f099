package piecesos

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"piecestray/apiclient"
)

// DefaultVersion is what GET /.well-known/version answers when
// Config.Version is empty.
const DefaultVersion = "12.3.0"

// adminPrefix is the path under which the test controls are served. No real
// Pieces OS client uses it.
const adminPrefix = "/__sim/"

// maxBodyBytes bounds every request body the simulator reads.
const maxBodyBytes = 1 << 20

// Config configures a simulated Pieces OS.
type Config struct {
	// Auth0URL is the Auth0-compatible server (issuer base URL) whose
	// GET /userinfo verifies the access tokens given to
	// POST /users/authenticate/from_token. Empty: from_token answers 503.
	Auth0URL string
	// TakenVanity lists vanity names that answer 409 (compared without
	// regard to case).
	TakenVanity []string
	// CloudReadyDelay is how long after sign-in POST /user/update/vanity
	// answers 404 (the DNS record of the personal cloud is not ready yet).
	CloudReadyDelay time.Duration
	// Version is served by GET /.well-known/version; default DefaultVersion.
	Version string
	// Logger receives request and control logs; default discards them.
	// Tokens are never logged.
	Logger *slog.Logger
	// OpenBrowser opens url in a browser for POST /os/sign_in, as Pieces OS
	// opens the system browser. It may return at once or when the browser
	// is done, and must return when ctx ends (the sign-in timed out, or
	// the server closed). Default: run the command in $BROWSER with url as
	// its one argument; an error when BROWSER is unset.
	OpenBrowser func(ctx context.Context, url string) error
	// SignInTimeout bounds how long POST /os/sign_in waits for the person
	// in the browser; default DefaultSignInTimeout.
	SignInTimeout time.Duration
}

// Server is a simulated Pieces OS. It is an http.Handler, and Start serves it
// on a listener of its own. All methods are safe for concurrent use.
type Server struct {
	cfg      Config
	log      *slog.Logger
	healthID string             // the uuid in the health answer, fixed per Server
	now      func() time.Time   // clock; tests in this package replace it before use
	mux      *http.ServeMux     // the Pieces OS API routes
	upgrader websocket.Upgrader // for /user/stream
	auth0    *http.Client       // talks to Config.Auth0URL

	mu       sync.Mutex               // guards the user state below; held while frames are queued so every stream sees changes in order
	users    []*apiclient.UserProfile // users known to this Pieces OS, in first sign-in order (owned copies)
	current  *apiclient.UserProfile   // the signed-in user (an element of users); nil when signed out
	signedIn time.Time                // when current signed in (vanity 404 until CloudReadyDelay after)
	frame    []byte                   // the frame of the current state, the last one queued to the streams but for SendRaw
	frameOK  bool                     // frame is what every stream last received (false after SendRaw)

	hub streams // the /user/stream connections

	latency    atomic.Int64 // time.Duration added before every API request
	ctlMu      sync.Mutex   // guards the failures below
	failN      int          // requests left to fail
	failStatus int          // status they fail with

	signInMu sync.Mutex     // guards signIn
	signIn   *signInAttempt // the last browser sign-in (running until its done closes); nil before the first

	life     sync.Mutex             // serialises Start, Stop, Restart and Close
	run      *run                   // the serving listener; nil when stopped
	closed   bool                   // Close was called
	addr     atomic.Pointer[string] // the address served (kept across Stop for Restart)
	bg       sync.WaitGroup         // browser sign-ins; added to with signInMu held while closing is not done
	closing  context.Context        // cancelled by Close (with signInMu held) to end bg goroutines
	closeAll context.CancelFunc
}

// New returns a simulated Pieces OS. Nobody is signed in. It starts no
// goroutine: call Start to serve on a listener, or use it as an
// http.Handler.
func New(cfg Config) *Server {
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.OpenBrowser == nil {
		cfg.OpenBrowser = openWithBrowserEnv
	}
	if cfg.SignInTimeout <= 0 {
		cfg.SignInTimeout = DefaultSignInTimeout
	}
	cfg.Auth0URL = strings.TrimRight(cfg.Auth0URL, "/")
	cfg.TakenVanity = slices.Clone(cfg.TakenVanity)
	tr := &http.Transport{
		Proxy:               nil, // the Auth0 server is reached directly
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
	}
	s := &Server{
		cfg:      cfg,
		log:      cfg.Logger,
		healthID: newUUID(),
		now:      time.Now,
		mux:      http.NewServeMux(),
		auth0:    &http.Client{Transport: tr, Timeout: auth0Timeout},
		frame:    []byte{}, // signed out: what a new stream gets first
		frameOK:  true,
	}
	s.closing, s.closeAll = context.WithCancel(context.Background())
	s.hub.conns = make(map[*streamConn]struct{})
	s.upgrader = websocket.Upgrader{
		// Bounds the write of the upgrade answer, made with s.mu held.
		HandshakeTimeout: writeWait,
		// Pieces OS accepts connections from browser extensions and
		// editors alike; the Origin header is not checked.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	s.routes()
	return s
}

// routes registers the Pieces OS API and the admin API (admin.go). ServeMux
// answers 405 (with Allow) for a known path with another method, and 404
// for unknown paths.
func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /user", s.handleUserSnapshot)
	m.HandleFunc("POST /user/clear", s.handleClearUser)
	m.HandleFunc("GET /user/refresh", s.handleRefreshUser)
	m.HandleFunc("GET /user/providers", s.handleUserProviders)
	m.HandleFunc("POST /user/select", s.handleSelectUser)
	m.HandleFunc("POST /user/update", s.handleUpdateUser)
	m.HandleFunc("POST /user/beta/status", s.handleBetaStatus)
	m.HandleFunc("POST /user/update/vanity", s.handleUpdateVanity)
	m.HandleFunc("GET /user/stream", s.handleStream)
	m.HandleFunc("POST /users/authenticate/from_token", s.handleFromToken)
	m.HandleFunc("POST /users/{user}/disconnect", s.handleDisconnect)
	m.HandleFunc("GET /users", s.handleUsersSnapshot)
	m.HandleFunc("GET /users/{user}", s.handleSpecificUser)
	m.HandleFunc("POST /os/sign_in", s.handleSignIn)
	m.HandleFunc("GET "+signInCallbackPath, s.handleSignInCallback)
	m.HandleFunc("POST /os/sign_out", s.handleSignOut)
	m.HandleFunc("GET /.well-known/health", s.handleHealth) // GET patterns also answer HEAD
	m.HandleFunc("GET /.well-known/version", s.handleVersion)
	m.HandleFunc("GET "+adminPrefix+"state", s.adminState)
	m.HandleFunc("POST "+adminPrefix+"user", s.adminUser)
	m.HandleFunc("POST "+adminPrefix+"signout", s.adminSignOut)
}

// ServeHTTP serves the Pieces OS API, and the admin API under /__sim/.
// Latency and injected failures (SetLatency, FailNext) apply to the API
// only, not to the browser's return from the sign-in server.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPrefix) || r.URL.Path == signInCallbackPath {
		s.mux.ServeHTTP(w, r)
		return
	}
	s.log.Debug("piecesos: request", "method", r.Method, "path", r.URL.Path)
	if d := time.Duration(s.latency.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	s.ctlMu.Lock()
	status, fail := s.failStatus, s.failN > 0
	s.failN = max(s.failN-1, 0)
	s.ctlMu.Unlock()
	if fail {
		writeText(w, status, fmt.Sprintf("simulated failure: %d %s", status, http.StatusText(status)))
		return
	}
	s.mux.ServeHTTP(w, r)
}

// FailNext makes the next n API requests (stream upgrades and health
// included, the admin API excluded) fail with status and a short text body.
// n <= 0 cancels pending failures.
func (s *Server) FailNext(n int, status int) {
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	s.failN, s.failStatus = max(n, 0), status
}

// SetLatency adds d before every API request is handled (0 removes it).
func (s *Server) SetLatency(d time.Duration) {
	s.latency.Store(int64(max(d, 0)))
}

// newUUID returns a random (version 4) uuid.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
