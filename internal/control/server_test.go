package control

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"piecestray/internal/winetest"
)

func TestCallRoundTrip(t *testing.T) {
	_, path := serve(t, newFakeHandler())
	c := client(t, path)
	type pair struct {
		A string `json:"a"`
		B int    `json:"b"`
	}
	tests := []struct {
		action   string
		args     any
		want     any    // decoded result when no error
		wantCode string // RemoteError code, "" for success
		wantMsg  string
	}{
		{action: "echo", args: pair{"x", 2}, want: pair{"x", 2}},
		{action: "echo", args: map[string]string{"name": "ada\nlovelace"}, want: map[string]string{"name": "ada\nlovelace"}},
		{action: "nothing", want: map[string]string(nil)},
		{action: "fail", wantCode: "taken", wantMsg: "That name is taken."},
		{action: "wrapped", wantCode: "busy", wantMsg: "Busy."},
		{action: "plain", wantCode: CodeInternal, wantMsg: "boom"},
		{action: "invalid", wantCode: CodeInternal},
		{action: "nope", wantCode: "invalid"},
		{action: "with/slash and space", wantCode: "invalid", wantMsg: "no such action with/slash and space"},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), waitLong)
			defer cancel()
			var got any
			switch tt.want.(type) {
			case pair:
				got = new(pair)
			default:
				got = new(map[string]string)
			}
			err := c.Call(ctx, tt.action, tt.args, got)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("Call(%q) = %v; want nil", tt.action, err)
				}
				gotJSON, _ := json.Marshal(got)
				wantJSON, _ := json.Marshal(tt.want)
				if string(gotJSON) != string(wantJSON) {
					t.Errorf("Call(%q) result = %s; want %s", tt.action, gotJSON, wantJSON)
				}
				return
			}
			var re *RemoteError
			if !errors.As(err, &re) {
				t.Fatalf("Call(%q) = %v; want *RemoteError", tt.action, err)
			}
			if re.Code != tt.wantCode || (tt.wantMsg != "" && re.Message != tt.wantMsg) {
				t.Errorf("Call(%q) = {%q, %q}; want {%q, %q}", tt.action, re.Code, re.Message, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

// plainHTTP is an HTTP client of the socket that is not a Client: it sees
// statuses and sends what a Client would not.
func plainHTTP(path string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
		DisableKeepAlives: true,
	}}
}

func TestHTTPStatusesAndProblems(t *testing.T) {
	_, path := serve(t, newFakeHandler())
	hc := plainHTTP(path)
	exact := `"` + strings.Repeat("a", maxBody-2) + `"`
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantCode                 string // "" for success
	}{
		{"result", "POST", "/v1/call/echo", `{"a": 1}`, 200, ""},
		{"no arguments", "POST", "/v1/call/nothing", "", 200, ""},
		{"arguments of exactly the limit", "POST", "/v1/call/echo", exact, 200, ""},
		{"arguments over the limit", "POST", "/v1/call/echo", exact + " ", 413, CodeBadRequest},
		{"arguments not JSON", "POST", "/v1/call/echo", `{"a":`, 400, CodeBadRequest},
		{"action refused", "POST", "/v1/call/fail", "", 409, "taken"},
		{"bad input", "POST", "/v1/call/nope", "", 400, "invalid"},
		{"handler failed", "POST", "/v1/call/plain", "", 500, CodeInternal},
		{"newer protocol", "GET", "/v2/watch", "", 404, CodeBadRequest},
		{"wrong method", "GET", "/v1/call/echo", "", 404, CodeBadRequest},
		{"unknown window", "GET", "/v1/register?window=settings", "", 400, CodeBadRequest},
		{"window without token", "GET", "/v1/register?window=vanity", "", 403, CodeForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, "http://pieces-tray"+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("%s %s = %s %s; want %d", tt.method, tt.path, resp.Status, b, tt.wantStatus)
			}
			var re RemoteError
			json.Unmarshal(b, &re)
			if tt.wantCode == "" {
				if tt.body != "" && strings.TrimSpace(string(b)) != strings.TrimSpace(tt.body) {
					t.Errorf("%s %s answered %.80s; want the arguments echoed", tt.method, tt.path, b)
				}
				return
			}
			if re.Code != tt.wantCode || re.Message == "" || resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("%s %s answered %s %q; want a JSON problem with code %q", tt.method, tt.path, resp.Header.Get("Content-Type"), b, tt.wantCode)
			}
		})
	}
}

func TestCallsRunConcurrently(t *testing.T) {
	release := make(chan struct{})
	h := newFakeHandler()
	h.call = func(ctx context.Context, action string, args json.RawMessage) (json.RawMessage, error) {
		if action == "slow" {
			select {
			case <-release:
			case <-ctx.Done():
			}
		}
		return json.RawMessage(strconv.Quote(action)), nil
	}
	_, path := serve(t, h)
	c := client(t, path)
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()

	slow := make(chan error, 1)
	go func() {
		var s string
		slow <- c.Call(ctx, "slow", nil, &s)
	}()
	// Many fast calls from many goroutines finish while the slow one waits.
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			action := fmt.Sprintf("fast%d", i)
			var got string
			if err := c.Call(ctx, action, nil, &got); err != nil {
				errs <- err
			} else if got != action {
				errs <- fmt.Errorf("Call(%q) = %q; want %q", action, got, action)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	close(release)
	if err := <-slow; err != nil {
		t.Errorf("Call(slow) = %v; want nil", err)
	}
}

func TestCallCancelReachesHandler(t *testing.T) {
	started, cancelled := make(chan struct{}), make(chan struct{})
	h := newFakeHandler()
	h.call = func(ctx context.Context, action string, args json.RawMessage) (json.RawMessage, error) {
		if action != "block" {
			return nil, nil
		}
		close(started)
		<-ctx.Done()
		close(cancelled)
		return nil, ctx.Err()
	}
	_, path := serve(t, h)
	c := client(t, path)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- c.Call(ctx, "block", nil, nil) }()
	select {
	case <-started:
	case <-time.After(waitLong):
		t.Fatal("the call did not reach the handler")
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("Call after cancel = %v; want context.Canceled", err)
	}
	select {
	case <-cancelled:
	case <-time.After(waitLong):
		t.Fatal("the handler's ctx was not cancelled")
	}
	if err := c.Call(context.Background(), "x", nil, nil); err != nil {
		t.Errorf("Call after a cancelled call = %v; want nil", err)
	}
}

func TestCallTooLargeFailsLocally(t *testing.T) {
	_, path := serve(t, newFakeHandler())
	c := client(t, path)
	ctx := context.Background()
	err := c.Call(ctx, "echo", strings.Repeat("x", maxBody), nil)
	var re *RemoteError
	if err == nil || errors.As(err, &re) {
		t.Fatalf("Call(big) = %v; want a local error", err)
	}
	var got string
	if err := c.Call(ctx, "echo", "small", &got); err != nil || got != "small" {
		t.Errorf("Call(echo) after a refused big call = %q, %v; want %q, nil", got, err, "small")
	}
}

func seqState(n int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"seq":%d}`, n))
}

func seqOf(t *testing.T, st json.RawMessage) int {
	t.Helper()
	var v struct{ Seq int }
	if err := json.Unmarshal(st, &v); err != nil {
		t.Fatalf("state %q: %v", st, err)
	}
	return v.Seq
}

func TestWatchSlowReaderGetsNewest(t *testing.T) {
	h := newFakeHandler()
	_, path := serve(t, h)
	c := client(t, path)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	states, err := c.Watch(ctx)
	if err != nil {
		t.Fatalf("Watch() = %v", err)
	}
	if got := seqOf(t, <-states); got != 0 {
		t.Fatalf("first state seq = %d; want 0 (the current state)", got)
	}
	const n = 2000
	for i := 1; i <= n; i++ {
		h.publish(seqState(i))
	}
	// The reader was not reading: it gets a few states, in order, the last
	// the newest.
	received, last := 0, 0
	for last != n {
		select {
		case st, ok := <-states:
			if !ok {
				t.Fatal("watch channel closed early")
			}
			received++
			seq := seqOf(t, st)
			if seq <= last {
				t.Fatalf("state %d after %d", seq, last)
			}
			last = seq
		case <-time.After(waitLong):
			t.Fatalf("never got state %d; last %d", n, last)
		}
	}
	if received > n/2 {
		t.Errorf("received %d states for %d changes; want them coalesced", received, n)
	}
}

func TestWatchEnds(t *testing.T) {
	h := newFakeHandler()
	_, path := serve(t, h)

	drain := func(t *testing.T, states <-chan json.RawMessage) {
		t.Helper()
		timeout := time.After(waitLong)
		for {
			select {
			case _, ok := <-states:
				if !ok {
					return
				}
			case <-timeout:
				t.Fatal("watch channel not closed")
			}
		}
	}
	t.Run("ctx", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		states, err := client(t, path).Watch(ctx)
		if err != nil {
			t.Fatalf("Watch() = %v", err)
		}
		<-states
		cancel()
		drain(t, states)
		eventually(t, "the server to end the watch", func() bool { return h.watchers() == 0 })
	})
	t.Run("client closed", func(t *testing.T) {
		c := NewClient(path)
		states, err := c.Watch(context.Background())
		if err != nil {
			t.Fatalf("Watch() = %v", err)
		}
		<-states
		c.Close()
		drain(t, states)
		eventually(t, "the server to end the watch", func() bool { return h.watchers() == 0 })
		if _, err := c.Watch(context.Background()); err == nil {
			t.Error("Watch after Close = nil error; want one")
		}
	})
	t.Run("handler ends it", func(t *testing.T) {
		_, path := serve(t, handlerFuncs{Handler: newFakeHandler(), watch: func(ctx context.Context) <-chan json.RawMessage {
			ch := make(chan json.RawMessage, 1)
			ch <- seqState(1)
			close(ch)
			return ch
		}})
		states, err := client(t, path).Watch(context.Background())
		if err != nil {
			t.Fatalf("Watch() = %v", err)
		}
		if got := seqOf(t, <-states); got != 1 {
			t.Errorf("state %d; want 1", got)
		}
		drain(t, states)
	})
}

// handlerFuncs overrides Watch of a Handler.
type handlerFuncs struct {
	Handler
	watch func(ctx context.Context) <-chan json.RawMessage
}

func (h handlerFuncs) Watch(ctx context.Context) <-chan json.RawMessage { return h.watch(ctx) }

// events collects a registration's events.
type events chan string

func (e events) on(ev string) { e <- ev }

func (e events) want(t *testing.T, ev string) {
	t.Helper()
	select {
	case got := <-e:
		if got != ev {
			t.Errorf("event %q; want %q", got, ev)
		}
	case <-time.After(waitLong):
		t.Fatalf("no %q event", ev)
	}
}

func TestRegisterRaiseClose(t *testing.T) {
	s, path := serve(t, newFakeHandler())
	if s.Raise("vanity") {
		t.Error("Raise(vanity) before anyone registered = true; want false")
	}
	token := s.WindowToken("vanity")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := client(t, path)
	ev := make(events, 10)
	if err := c.Register(ctx, "vanity", token, ev.on); err != nil {
		t.Fatalf("Register(vanity) = %v", err)
	}
	if !s.Raise("vanity") {
		t.Fatal("Raise(vanity) = false; want true")
	}
	ev.want(t, EventRaise)
	if !s.CloseWindow("vanity") {
		t.Fatal("CloseWindow(vanity) = false; want true")
	}
	ev.want(t, EventClose)
	if s.Raise("beta") || s.CloseWindow("beta") {
		t.Error("Raise or CloseWindow(beta) = true; want false: nobody registered it")
	}

	// The registration ends with the request; the token worked once.
	cancel()
	eventually(t, "the registration to end with its request", func() bool { return !s.Raise("vanity") })
	err := c.Register(context.Background(), "vanity", token, ev.on)
	wantRemote(t, "Register(vanity) with a used token", err, CodeForbidden)
	if err := c.Register(context.Background(), "vanity", s.WindowToken("vanity"), ev.on); err != nil {
		t.Errorf("Register(vanity) with a new token = %v; want nil", err)
	}
	if !s.Raise("vanity") {
		t.Error("Raise(vanity) after registering again = false; want true")
	}
	c.Close()
	eventually(t, "the registration to end with the Client", func() bool { return !s.Raise("vanity") })
}

// A window whose registration is stuck in a write (it stopped reading)
// holds up nobody else: another window is raised and new windows get their
// tokens at once.
func TestStuckWindowBlocksOnlyItself(t *testing.T) {
	s, path := serve(t, newFakeHandler())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := client(t, path)
	for _, w := range []string{"account", "vanity"} {
		if err := c.Register(ctx, w, s.WindowToken(w), func(string) {}); err != nil {
			t.Fatalf("Register(%s) = %v", w, err)
		}
	}
	s.regMu.Lock()
	stuck := s.windows["account"]
	s.regMu.Unlock()
	stuck.mu.Lock() // as a write to the account window that does not return
	defer stuck.mu.Unlock()
	done := make(chan bool, 1)
	go func() {
		s.WindowToken("beta")
		done <- s.Raise("vanity")
	}()
	select {
	case ok := <-done:
		if !ok {
			t.Error("Raise(vanity) = false; want true")
		}
	case <-time.After(waitLong):
		t.Fatal("Raise(vanity) waited for the stuck account window")
	}
}

func TestRegisterNeedsToken(t *testing.T) {
	s, path := serve(t, newFakeHandler())
	token := s.WindowToken("account")
	squatter := client(t, path)
	ctx := context.Background()
	wantRemote(t, "Register(account) without a token", squatter.Register(ctx, "account", "", func(string) {}), CodeForbidden)
	wantRemote(t, "Register(account) with another token", squatter.Register(ctx, "account", token+"x", func(string) {}), CodeForbidden)
	wantRemote(t, "Register(account) with the vanity window's token", squatter.Register(ctx, "account", s.WindowToken("vanity"), func(string) {}), CodeForbidden)
	if s.Raise("account") {
		t.Fatal("Raise(account) = true after refused registrations; want false, so that the launcher opens the window")
	}
	// The real window still registers.
	ev := make(events, 1)
	if err := client(t, path).Register(ctx, "account", token, ev.on); err != nil {
		t.Fatalf("Register(account) with its token = %v; want nil", err)
	}
	if !s.Raise("account") {
		t.Fatal("Raise(account) = false; want true")
	}
	ev.want(t, EventRaise)
}

func TestRegisterOnePerWindow(t *testing.T) {
	s, path := serve(t, newFakeHandler())
	first, second := s.WindowToken("beta"), ""
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := client(t, path)
	if err := a.Register(ctx, "beta", first, func(string) {}); err != nil {
		t.Fatalf("Register(beta) = %v", err)
	}
	second = s.WindowToken("beta")
	b := client(t, path)
	wantRemote(t, "second Register(beta)", b.Register(context.Background(), "beta", second, func(string) {}), CodeAlreadyRegistered)
	cancel()
	eventually(t, "the first registration to end", func() bool { return !s.Raise("beta") })
	if err := b.Register(context.Background(), "beta", second, func(string) {}); err != nil {
		t.Errorf("Register(beta) after the holder left = %v; want nil", err)
	}
}

// rawRequest sends a call on c, a connection made without a Client, and
// returns the status and body of the answer.
func rawRequest(t *testing.T, c net.Conn, r *bufio.Reader, body string) (int, string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(waitLong))
	req, err := http.NewRequest("POST", "http://pieces-tray/v1/call/echo", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := req.Write(c); err != nil {
		t.Fatalf("write request: %v", err)
	}
	resp, err := http.ReadResponse(r, req)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestConnectionLimit(t *testing.T) {
	_, path := serve(t, newFakeHandler())
	type held struct {
		c net.Conn
		r *bufio.Reader
	}
	var conns []held
	for range maxConns {
		c, err := net.DialTimeout("unix", path, waitLong)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		conns = append(conns, held{c, bufio.NewReader(c)})
	}
	// Hold them all at once: the first request on each is answered, and
	// the connections stay open (keep-alive).
	for i, h := range conns {
		if code, body := rawRequest(t, h.c, h.r, strconv.Itoa(i)); code != 200 || body != strconv.Itoa(i) {
			t.Fatalf("connection %d: %d %q; want 200 %d", i, code, body, i)
		}
	}
	err := client(t, path).Call(context.Background(), "echo", 1, nil)
	wantRemote(t, "the 33rd connection's call", err, CodeTooMany)
	if err == nil || !strings.Contains(err.Error(), "too many clients") {
		t.Errorf("the 33rd connection's error = %v; want it to say the agent has too many clients", err)
	}
	// The first 32 still work.
	for i, h := range conns {
		if code, _ := rawRequest(t, h.c, h.r, "1"); code != 200 {
			t.Fatalf("connection %d after the 33rd was refused: status %d; want 200", i, code)
		}
	}
	// One leaves: a new client gets its place.
	conns[0].c.Close()
	eventually(t, "a freed place to be taken", func() bool {
		return client(t, path).Call(context.Background(), "echo", 1, nil) == nil
	})
}

func TestWatchLimitPerProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("watches are counted per process where SO_PEERCRED names it")
	}
	h := newFakeHandler()
	_, path := serve(t, h)
	c := client(t, path)
	var cancels []context.CancelFunc
	for i := range maxWatches {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cancels = append(cancels, cancel)
		if _, err := c.Watch(ctx); err != nil {
			t.Fatalf("watch %d: %v", i+1, err)
		}
	}
	_, err := client(t, path).Watch(context.Background()) // another Client of the same process
	wantRemote(t, "a 5th watch", err, CodeTooMany)
	if err := c.Call(context.Background(), "echo", 1, nil); err != nil {
		t.Errorf("a call beside %d watches = %v; want nil", maxWatches, err)
	}
	cancels[0]()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	eventually(t, "a new watch once one ended", func() bool {
		_, err := c.Watch(ctx)
		return err == nil
	})
	if n := h.watchers(); n != maxWatches {
		t.Errorf("%d watches running; want %d", n, maxWatches)
	}
}

func TestServeStopsEverything(t *testing.T) {
	winetest.NeedUnixSockets(t)
	h := newFakeHandler()
	path := winetest.SocketPath(t, "c.sock")
	s, err := Listen(path)
	if err != nil {
		t.Fatalf("Listen() = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, h) }()

	idle, err := net.Dial("unix", path) // never sends a request
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	c := client(t, path)
	states, err := c.Watch(context.Background()) // accepted after idle
	if err != nil {
		t.Fatalf("Watch() = %v", err)
	}
	<-states
	if err := c.Register(context.Background(), "account", s.WindowToken("account"), func(string) {}); err != nil {
		t.Fatalf("Register() = %v", err)
	}
	callErr := make(chan error, 1)
	go func() { callErr <- c.Call(context.Background(), "block", nil, nil) }()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve() = %v; want nil", err)
		}
	case <-time.After(waitLong):
		t.Fatal("Serve did not return after cancel")
	}
	for range states {
	}
	if err := <-callErr; err == nil {
		t.Error("Call during shutdown = nil; want an error")
	}
	idle.SetReadDeadline(time.Now().Add(waitLong))
	if n, err := idle.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("read on an idle connection after Serve returned = %d, %v; want it closed", n, err)
	}
	if s.Raise("account") {
		t.Error("Raise after Serve returned = true; want false")
	}
	if err := c.Call(context.Background(), "echo", 1, nil); err == nil {
		t.Error("Call after Serve returned succeeded; want an error")
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("socket file after Serve returned: %v; want it removed", err)
	}
	// The lock is released: a new agent can start.
	s2, err := Listen(path)
	if err != nil {
		t.Fatalf("Listen after Serve returned = %v; want nil", err)
	}
	stopped, stop := context.WithCancel(context.Background())
	stop()
	if err := s2.Serve(stopped, h); err != nil {
		t.Errorf("Serve(cancelled ctx) = %v; want nil", err)
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("socket file after Serve(cancelled ctx): %v; want it removed", err)
	}
	if err := s.Serve(context.Background(), h); err == nil {
		t.Error("second Serve = nil; want an error")
	}
}
