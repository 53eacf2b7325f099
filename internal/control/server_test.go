package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCallRoundTrip(t *testing.T) {
	_, path := serve(t, newFakeHandler(), nil)
	c := dial(t, path)
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
	_, path := serve(t, h, nil)
	c := dial(t, path)
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
	cancelled := make(chan struct{})
	h := newFakeHandler()
	h.call = func(ctx context.Context, action string, args json.RawMessage) (json.RawMessage, error) {
		if action != "block" {
			return nil, nil
		}
		<-ctx.Done()
		close(cancelled)
		return nil, ctx.Err()
	}
	_, path := serve(t, h, nil)
	c := dial(t, path)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- c.Call(ctx, "block", nil, nil) }()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("Call after cancel = %v; want context.Canceled", err)
	}
	select {
	case <-cancelled:
	case <-time.After(waitLong):
		t.Fatal("the handler's ctx was not cancelled")
	}
	// The connection still works.
	if err := c.Call(context.Background(), "x", nil, nil); err != nil {
		t.Errorf("Call after a cancelled call = %v; want nil", err)
	}
}

func TestCallTooLargeFailsLocally(t *testing.T) {
	_, path := serve(t, newFakeHandler(), nil)
	c := dial(t, path)
	ctx := context.Background()
	big := strings.Repeat("x", MaxRequestSize)
	err := c.Call(ctx, "echo", big, nil)
	var re *RemoteError
	if err == nil || errors.As(err, &re) {
		t.Fatalf("Call(big) = %v; want a local error", err)
	}
	var got string
	if err := c.Call(ctx, "echo", "small", &got); err != nil || got != "small" {
		t.Errorf("Call(echo) after a refused big call = %q, %v; want %q, nil", got, err, "small")
	}
}

// seqState is a state JSON with sequence number n.
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
	_, path := serve(t, h, nil)
	c := dial(t, path)
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
	// The reader was not reading: it gets a few states, the last the newest.
	received := 0
	for {
		select {
		case st, ok := <-states:
			if !ok {
				t.Fatal("watch channel closed early")
			}
			received++
			if seqOf(t, st) == n {
				if received > n/2 {
					t.Errorf("received %d states for %d changes; want them coalesced", received, n)
				}
				return
			}
		case <-time.After(waitLong):
			t.Fatalf("never got state %d", n)
		}
	}
}

func TestWatchServerCoalesces(t *testing.T) {
	// A peer that does not read at all must not hold up the handler: the
	// server keeps only the newest state while its write is stuck.
	h := newFakeHandler()
	_, path := serve(t, h, nil)
	rc := dialRaw(t, path, true)
	rc.send(`{"v":1,"id":2,"op":"watch"}`)
	eventually(t, "the watch to start", func() bool { return h.watchers() == 1 })
	pad := strings.Repeat("p", 4096) // fill the socket buffers quickly
	const n = 3000
	for i := 1; i <= n; i++ {
		h.publish(json.RawMessage(fmt.Sprintf(`{"seq":%d,"pad":%q}`, i, pad)))
	}
	// The handler's queue drains although nobody reads the socket.
	eventually(t, "the server to take every state", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		for in := range h.subs {
			if len(in) > 0 {
				return false
			}
		}
		return true
	})
	received := 0
	for {
		m := rc.read()
		if m.Op != opState || m.ID != 2 {
			t.Fatalf("got %+v; want state for id 2", m)
		}
		received++
		if seqOf(t, m.State) == n {
			break
		}
	}
	if received >= n {
		t.Errorf("peer received %d states for %d changes; want them coalesced", received, n)
	}
}

func TestWatchEnds(t *testing.T) {
	h := newFakeHandler()
	_, path := serve(t, h, nil)
	c := dial(t, path)

	t.Run("ctx", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		states, err := c.Watch(ctx)
		if err != nil {
			t.Fatalf("Watch() = %v", err)
		}
		<-states
		cancel()
		for range states {
		}
		eventually(t, "the server to end the watch", func() bool { return h.watchers() == 0 })
	})
	t.Run("cancel on the wire", func(t *testing.T) {
		rc := dialRaw(t, path, true)
		rc.send(`{"v":1,"id":7,"op":"watch"}`)
		if m := rc.read(); m.Op != opState || m.ID != 7 {
			t.Fatalf("got %+v; want state for id 7", m)
		}
		rc.send(`{"v":1,"id":8,"op":"cancel","ref":7}`)
		if m := rc.read(); m.Op != opEnd || m.ID != 7 {
			t.Fatalf("got %+v; want end for id 7", m)
		}
	})
	t.Run("connection", func(t *testing.T) {
		c2 := dial(t, path)
		states, err := c2.Watch(context.Background())
		if err != nil {
			t.Fatalf("Watch() = %v", err)
		}
		<-states
		c2.Close()
		for range states {
		}
		eventually(t, "the server to end the watch", func() bool { return h.watchers() == 0 })
	})
}

func TestRaise(t *testing.T) {
	s, path := serve(t, newFakeHandler(), nil)
	a := dial(t, path)
	raised := make(chan struct{}, 10)
	if err := a.Register("vanity", func() { raised <- struct{}{} }); err != nil {
		t.Fatalf("Register(vanity) = %v", err)
	}
	if !s.Raise("vanity") {
		t.Fatal("Raise(vanity) = false; want true")
	}
	select {
	case <-raised:
	case <-time.After(waitLong):
		t.Fatal("onRaise was not called")
	}
	if s.Raise("beta") {
		t.Error("Raise(beta) = true; want false: nobody registered it")
	}

	b := dial(t, path)
	err := b.Register("vanity", func() {})
	var re *RemoteError
	if !errors.As(err, &re) || re.Code != CodeAlreadyRegistered {
		t.Errorf("second Register(vanity) = %v; want code %q", err, CodeAlreadyRegistered)
	}
	if err := a.Register("vanity", func() { raised <- struct{}{} }); err != nil {
		t.Errorf("Register(vanity) again on the same connection = %v; want nil", err)
	}

	a.Close()
	eventually(t, "the registration to end with the connection", func() bool { return !s.Raise("vanity") })
	if err := b.Register("vanity", nil); err != nil {
		t.Errorf("Register(vanity) after the holder left = %v; want nil", err)
	}
	if !s.Raise("vanity") {
		t.Error("Raise(vanity) = false; want true")
	}
}

func TestBadRequestsGetErrors(t *testing.T) {
	_, path := serve(t, newFakeHandler(), nil)
	rc := dialRaw(t, path, false)
	tests := []struct {
		name, line string
		wantID     uint64
		wantCode   string
	}{
		{"before hello", `{"v":1,"id":3,"op":"watch"}`, 3, CodeHelloRequired},
		{"not json", `hello?`, 0, CodeBadRequest},
		{"newer version", `{"v":2,"id":4,"op":"hello"}`, 4, CodeUnsupportedVersion},
		{"hello", `{"v":1,"id":1,"op":"hello"}`, 1, ""},
		{"truncated", `{"v":1,"id":5,"op":"call"`, 0, CodeBadRequest},
		{"array", `[1,2]`, 0, CodeBadRequest},
		{"null", `null`, 0, CodeBadRequest},
		{"no version", `{"id":6,"op":"watch"}`, 6, CodeBadRequest},
		{"no id", `{"v":1,"op":"watch"}`, 0, CodeBadRequest},
		{"negative id", `{"v":1,"id":-1,"op":"watch"}`, 0, CodeBadRequest},
		{"string id", `{"v":1,"id":"9","op":"watch"}`, 0, CodeBadRequest},
		{"wrong type", `{"v":1,"id":10,"op":"call","action":7}`, 10, CodeBadRequest},
		{"unknown op", `{"v":1,"id":11,"op":"explode"}`, 11, CodeUnknownOp},
		{"no op", `{"v":1,"id":12}`, 12, CodeBadRequest},
		{"call without action", `{"v":1,"id":13,"op":"call"}`, 13, CodeBadRequest},
		{"register without window", `{"v":1,"id":14,"op":"register"}`, 14, CodeBadRequest},
		{"register control chars", `{"v":1,"id":15,"op":"register","window":"a\u0000b"}`, 15, CodeBadRequest},
		{"cancel without ref", `{"v":1,"id":16,"op":"cancel"}`, 16, CodeBadRequest},
		{"trailing garbage", `{"v":1,"id":17,"op":"hello"} x`, 0, CodeBadRequest},
		{"call", `{"v":1,"id":18,"op":"call","action":"echo","args":[1]}`, 18, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc.send(tt.line)
			m := rc.read()
			if m.ID != tt.wantID {
				t.Errorf("reply to %s has id %d; want %d", tt.line, m.ID, tt.wantID)
			}
			if tt.wantCode == "" {
				if m.Op == opError {
					t.Errorf("reply to %s = error %+v; want success", tt.line, m.Error)
				}
				return
			}
			if m.Op != opError || m.Error == nil || m.Error.Code != tt.wantCode {
				t.Errorf("reply to %s = %+v; want error %q", tt.line, m, tt.wantCode)
			}
		})
	}
}

func TestDuplicateIDAndBlankLines(t *testing.T) {
	_, path := serve(t, newFakeHandler(), nil)
	rc := dialRaw(t, path, true)
	rc.send("")
	rc.send("  \r")
	rc.send(`{"v":1,"id":2,"op":"call","action":"block"}`)
	rc.send(`{"v":1,"id":2,"op":"call","action":"echo"}`)
	if m := rc.read(); m.Op != opError || m.ID != 2 || m.Error.Code != CodeDuplicateID {
		t.Fatalf("reply to a duplicate id = %+v; want error %q", m, CodeDuplicateID)
	}
	rc.send(`{"v":1,"id":3,"op":"cancel","ref":2}`)
	if m := rc.read(); m.Op != opError || m.ID != 2 || m.Error.Code != "cancelled" {
		t.Fatalf("reply to the cancelled call = %+v; want error cancelled", m)
	}
}

func TestOversizedRequestClosesOnlyThatConnection(t *testing.T) {
	_, path := serve(t, newFakeHandler(), nil)
	other := dial(t, path)
	rc := dialRaw(t, path, true)

	// Exactly MaxRequestSize bytes is fine.
	prefix := `{"v":1,"id":2,"op":"call","action":"echo","args":"`
	fill := MaxRequestSize - len(prefix) - len(`"}`)
	rc.send(prefix + strings.Repeat("a", fill) + `"}`)
	if m := rc.read(); m.Op != opResult || m.ID != 2 {
		t.Fatalf("reply to a request of exactly %d bytes = %+v; want a result", MaxRequestSize, m.Op)
	}

	// One byte more is not.
	go rc.c.Write([]byte(prefix + strings.Repeat("a", fill+1) + `"}` + "\n"))
	m := rc.read()
	if m.Op != opError || m.Error.Code != CodeTooLarge {
		t.Fatalf("reply to an oversized request = %+v; want error %q", m, CodeTooLarge)
	}
	if _, err := rc.tryRead(); err == nil {
		t.Error("connection still open after an oversized request")
	}

	var got string
	if err := other.Call(context.Background(), "echo", "still here", &got); err != nil || got != "still here" {
		t.Errorf("Call on another connection = %q, %v; want %q, nil", got, err, "still here")
	}
}

func TestHelloDeadline(t *testing.T) {
	_, path := serve(t, newFakeHandler(), func(s *Server) { s.helloWait = 50 * time.Millisecond })
	rc := dialRaw(t, path, false)
	if m, err := rc.tryRead(); err == nil {
		t.Fatalf("silent connection got %+v; want it closed", m)
	}
	// A connection that said hello stays open while idle.
	c := dial(t, path)
	time.Sleep(200 * time.Millisecond) // longer than helloWait
	if err := c.Call(context.Background(), "echo", 1, nil); err != nil {
		t.Errorf("Call on an idle connection = %v; want nil", err)
	}
}

func TestServeStopsEverything(t *testing.T) {
	h := newFakeHandler()
	path := socketPath(t)
	s, err := Listen(path)
	if err != nil {
		t.Fatalf("Listen() = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, h) }()

	c := dial(t, path)
	states, err := c.Watch(context.Background())
	if err != nil {
		t.Fatalf("Watch() = %v", err)
	}
	<-states
	if err := c.Register("account", nil); err != nil {
		t.Fatalf("Register() = %v", err)
	}
	callErr := make(chan error, 1)
	go func() { callErr <- c.Call(context.Background(), "block", nil, nil) }()
	idle := dialRaw(t, path, false) // has not even said hello

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
	if _, err := idle.tryRead(); err == nil {
		t.Error("idle connection still open after Serve returned")
	}
	if s.Raise("account") {
		t.Error("Raise after Serve returned = true; want false")
	}
	if _, err := Dial(context.Background(), path); err == nil {
		t.Error("Dial after Serve returned succeeded; want an error")
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
