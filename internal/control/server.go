package control

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"piecestray/app"
)

// Limits and timeouts of the server (see the package doc).
const (
	maxBody        = 64 << 10         // bytes of a call's arguments
	maxHeader      = 16 << 10         // bytes of a request's headers
	maxWatches     = 4                // watches per peer process
	requestWait    = 10 * time.Second // for a request to arrive after connecting
	writeWait      = 10 * time.Second // per streamed line
	maxWindowInMsg = 40               // bytes of an unknown window name quoted back
)

// WindowTokenEnv is the environment variable in which the agent hands a
// window process its registration token, and TokenHeader the request header
// that carries it.
const (
	WindowTokenEnv = "PIECES_TRAY_WINDOW_TOKEN"
	TokenHeader    = "Pieces-Tray-Window-Token"
)

// Events the server sends to a registered window.
const (
	EventRaise = "raise" // come forward
	EventClose = "close" // the agent quits: close the window
)

// Codes of the problems the server itself answers; a failed action carries
// its app.ErrorCode instead.
const (
	CodeBadRequest        = "bad_request"        // malformed, too large or unknown request
	CodeForbidden         = "forbidden"          // registration without the window's token
	CodeAlreadyRegistered = "already_registered" // another process shows that window
	CodeTooMany           = "too_many"           // over a connection or watch limit
	CodeInternal          = "internal"           // the handler failed otherwise
)

// RemoteError is a failure reported by the other end of the socket: a code
// for programs and a message for people.
type RemoteError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error returns the message.
func (e *RemoteError) Error() string { return e.Message }

// Handler is what the agent serves (CoreHandler in the agent). Both methods
// are called concurrently.
type Handler interface {
	// Watch returns the current state, one line of JSON, at once, then
	// each change, keeping only the newest for a slow reader; the channel
	// is closed when ctx ends.
	Watch(ctx context.Context) <-chan json.RawMessage
	// Call runs action with its arguments (nil when the request had none)
	// and returns its result JSON. The error may be a *RemoteError, whose
	// code and message reach the client; other errors travel with the code
	// "internal". Call must return soon after ctx ends.
	Call(ctx context.Context, action string, args json.RawMessage) (json.RawMessage, error)
}

// Info is what GET /v1/info answers: which agent serves the socket.
type Info struct {
	Version string `json:"version"`  // the agent's version
	LogFile string `json:"log_file"` // where it logs; "" when to stderr
}

// Describer is a Handler that says which agent it is: the server answers
// GET /v1/info with AgentInfo, and a Handler without it with 404, as an
// agent from before GET /v1/info does.
type Describer interface {
	AgentInfo() Info
}

// Server is the agent's end of the socket, made by Listen. Its methods are
// safe for concurrent use.
type Server struct {
	ln   *listener
	lock io.Closer

	handlers sync.WaitGroup // running HTTP handlers

	mu       sync.Mutex // guards the fields below; orders handlers.Add before Wait
	serving  bool
	shut     bool               // Close was called
	stopping bool               // Serve is returning: no new handlers
	cancel   context.CancelFunc // stops Serve, once it runs
	watches  map[int]int        // peer pid → its running watches

	regMu   sync.Mutex           // guards the fields below
	windows map[string]*register // the held GET /v1/register of each window
	tokens  map[string]string    // window → the token its next process may register with
}

// register is a window process's held GET /v1/register. Its own lock
// orders the writes to it and its end, so that a window that stops reading
// holds up nobody but itself.
type register struct {
	mu    sync.Mutex
	w     http.ResponseWriter
	ended bool // the handler returned: w is not ours any more
}

func newServer(ln *listener, lock io.Closer) *Server {
	return &Server{
		ln:      ln,
		lock:    lock,
		windows: make(map[string]*register),
		tokens:  make(map[string]string),
		watches: make(map[int]int),
	}
}

// Serve serves h until ctx ends. It then closes the listener (removing the
// socket file) and every connection, cancels the contexts of running calls,
// watches and registrations, waits for their handlers to return, releases
// the lock and returns nil; it returns an error only when it cannot go on
// serving. Serve may be called once; a caller that changes its mind after
// Listen calls Close instead.
func (s *Server) Serve(ctx context.Context, h Handler) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	switch {
	case s.shut:
		s.mu.Unlock()
		return errors.New("control: Serve after Close")
	case s.serving:
		s.mu.Unlock()
		return errors.New("control: Serve called twice")
	}
	s.serving = true
	s.cancel = cancel
	s.mu.Unlock()

	hs := &http.Server{
		Handler:           s.routes(h),
		ReadHeaderTimeout: requestWait,
		ReadTimeout:       requestWait, // headers and body; streams are not read after
		IdleTimeout:       requestWait,
		MaxHeaderBytes:    maxHeader,
		ErrorLog:          log.New(io.Discard, "", 0),
		// Request contexts end with ctx: watches and registrations return.
		BaseContext: func(net.Listener) context.Context { return ctx },
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, c)
		},
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(s.ln) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-served:
		err = fmt.Errorf("control: serve: %w", err)
	}
	cancel()
	s.mu.Lock()
	s.stopping = true // no handler starts after this
	s.mu.Unlock()
	hs.Close() // the listener (removing the socket file) and every connection
	s.handlers.Wait()
	if err == nil {
		<-served
	}
	s.lock.Close()
	return err
}

// Close releases the Server. Before Serve it removes the socket file and
// releases the lock at once, and a later Serve fails; while Serve runs it
// stops it as if its ctx had ended (Serve returns once all is released). It
// may be called more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.shut {
		s.mu.Unlock()
		return nil
	}
	s.shut = true
	serving, cancel := s.serving, s.cancel
	s.mu.Unlock()
	if serving {
		cancel()
		return nil
	}
	err := s.ln.Close()
	if lerr := s.lock.Close(); err == nil {
		err = lerr
	}
	if err != nil {
		return fmt.Errorf("control: close: %w", err)
	}
	return nil
}

// WindowToken returns a new token with which one process may register as
// window, replacing any earlier token for that name. The agent hands it to
// the window process it starts (WindowTokenEnv).
func (s *Server) WindowToken(window string) string {
	t := rand.Text()
	s.regMu.Lock()
	s.tokens[window] = t
	s.regMu.Unlock()
	return t
}

// Raise tells the process registered as window to come forward. It reports
// whether such a process exists and the event was sent.
func (s *Server) Raise(window string) bool { return s.send(window, EventRaise) }

// CloseWindow tells the process registered as window to close. It reports
// whether such a process exists and the event was sent.
func (s *Server) CloseWindow(window string) bool { return s.send(window, EventClose) }

// send writes one event line to the process registered as window; false
// when there is none or the line could not be written.
func (s *Server) send(window, event string) bool {
	s.regMu.Lock()
	reg := s.windows[window]
	s.regMu.Unlock()
	if reg == nil {
		return false
	}
	reg.mu.Lock()
	defer reg.mu.Unlock()
	if reg.ended {
		return false
	}
	rc := http.NewResponseController(reg.w)
	rc.SetWriteDeadline(time.Now().Add(writeWait))
	_, err := io.WriteString(reg.w, `{"event":"`+event+`"}`+"\n")
	return err == nil && rc.Flush() == nil
}

// connKey is the context key of the *conn a request came on.
type connKey struct{}

// routes is the HTTP handler of the socket.
func (s *Server) routes(h Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/watch", func(w http.ResponseWriter, r *http.Request) { s.watch(w, r, h) })
	mux.HandleFunc("POST /v1/call/{action}", func(w http.ResponseWriter, r *http.Request) { call(w, r, h) })
	mux.HandleFunc("GET /v1/register", s.register)
	if d, ok := h.(Describer); ok {
		mux.HandleFunc("GET /v1/info", func(w http.ResponseWriter, r *http.Request) {
			b, _ := json.Marshal(d.AgentInfo()) // strings only: cannot fail
			w.Header().Set("Content-Type", "application/json")
			w.Write(b)
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fail(w, http.StatusNotFound, CodeBadRequest, "this Pieces Tray agent does not know %s %s: restart Pieces Tray so that all its parts are the same version",
			r.Method, truncate(r.URL.Path, 60))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		if s.stopping {
			s.mu.Unlock()
			fail(w, http.StatusServiceUnavailable, CodeInternal, "the Pieces Tray agent is quitting")
			return
		}
		s.handlers.Add(1)
		s.mu.Unlock()
		defer s.handlers.Done()
		if c, _ := r.Context().Value(connKey{}).(*conn); c == nil || c.l == nil {
			w.Header().Set("Connection", "close")
			fail(w, http.StatusServiceUnavailable, CodeTooMany, "the Pieces Tray agent has too many clients (%d); close some of its windows and try again", maxConns)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// watch streams h's states.
func (s *Server) watch(w http.ResponseWriter, r *http.Request, h Handler) {
	pid := r.Context().Value(connKey{}).(*conn).pid
	if !s.countWatch(pid, 1) {
		fail(w, http.StatusTooManyRequests, CodeTooMany, "this process already watches the Pieces Tray agent %d times", maxWatches)
		return
	}
	defer s.countWatch(pid, -1)
	ctx := r.Context()
	states := h.Watch(ctx)
	w.Header().Set("Content-Type", "application/x-ndjson")
	rc := http.NewResponseController(w)
	for {
		select {
		case <-ctx.Done():
			return
		case st, ok := <-states:
			if !ok {
				return
			}
			rc.SetWriteDeadline(time.Now().Add(writeWait))
			if _, err := fmt.Fprintf(w, "%s\n", st); err != nil || rc.Flush() != nil { // one JSON line
				return
			}
		}
	}
}

// countWatch adds d to the watches of peer pid (0: unknown, not counted);
// false, changing nothing, when pid would have more than maxWatches.
func (s *Server) countWatch(pid, d int) bool {
	if pid == 0 {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.watches[pid] + d
	switch {
	case n > maxWatches:
		return false
	case n == 0:
		delete(s.watches, pid)
	default:
		s.watches[pid] = n
	}
	return true
}

// call runs one action of h.
func call(w http.ResponseWriter, r *http.Request, h Handler) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		fail(w, http.StatusRequestEntityTooLarge, CodeBadRequest, "the arguments are larger than %d bytes", maxBody)
		return
	case err != nil:
		fail(w, http.StatusBadRequest, CodeBadRequest, "could not read the arguments: %v", err)
		return
	}
	var args json.RawMessage
	if len(bytes.TrimSpace(body)) > 0 {
		if !json.Valid(body) {
			fail(w, http.StatusBadRequest, CodeBadRequest, "the arguments are not JSON")
			return
		}
		args = body
	}
	res, err := h.Call(r.Context(), r.PathValue("action"), args)
	if err != nil {
		re := &RemoteError{Code: CodeInternal, Message: err.Error()}
		errors.As(err, &re)
		fail(w, actionStatus(app.ErrorCode(re.Code)), re.Code, "%s", re.Message)
		return
	}
	if len(res) > 0 && !json.Valid(res) {
		fail(w, http.StatusInternalServerError, CodeInternal, "the agent produced an invalid result")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(res)
}

// register makes the caller the process of a window until the request ends.
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	window := r.URL.Query().Get("window")
	if !ValidWindow(window) {
		fail(w, http.StatusBadRequest, CodeBadRequest, "there is no window called %q", truncate(window, maxWindowInMsg))
		return
	}
	reg := s.claim(w, window, r.Header.Get(TokenHeader))
	if reg == nil {
		return
	}
	<-r.Context().Done()
	s.regMu.Lock()
	delete(s.windows, window) // ours: claim lets nobody else take the name
	s.regMu.Unlock()
	reg.mu.Lock() // a send under way ends first
	reg.ended = true
	reg.mu.Unlock()
}

// claim registers w as window, answering 200, when token is the one
// WindowToken gave out for it (it is then used up) and no other
// registration holds the name; otherwise it answers the problem and returns
// nil.
func (s *Server) claim(w http.ResponseWriter, window, token string) *register {
	s.regMu.Lock()
	defer s.regMu.Unlock()
	want, ok := s.tokens[window]
	switch {
	case !ok || subtle.ConstantTimeCompare([]byte(token), []byte(want)) != 1:
		fail(w, http.StatusForbidden, CodeForbidden, "only the %s window that the Pieces Tray agent started may register as %q", window, window)
		return nil
	case s.windows[window] != nil:
		fail(w, http.StatusConflict, CodeAlreadyRegistered, "window %q is already open", window)
		return nil
	}
	delete(s.tokens, window)
	w.Header().Set("Content-Type", "application/x-ndjson")
	http.NewResponseController(w).Flush() // the 200: registered
	reg := &register{w: w}
	s.windows[window] = reg
	return reg
}

// fail answers a JSON problem.
func fail(w http.ResponseWriter, status int, code, format string, args ...any) {
	b, _ := json.Marshal(RemoteError{Code: code, Message: fmt.Sprintf(format, args...)})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// actionStatus is the HTTP status of a failed action. Clients read the
// code; the status is for people with curl.
func actionStatus(code app.ErrorCode) int {
	switch code {
	case app.CodeInvalid:
		return http.StatusBadRequest
	case app.CodeTaken, app.CodeCloudNotReady, app.CodeNotSignedIn, app.CodeBusy, app.CodeCancelled:
		return http.StatusConflict // a sound request the state refused
	case app.CodeServer:
		return http.StatusBadGateway
	case app.CodeNotRunning:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// truncate shortens s to at most n bytes for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
