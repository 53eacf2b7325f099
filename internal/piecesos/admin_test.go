package piecesos

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"piecestray/internal/auth0sim"
)

func TestAdminAPI(t *testing.T) {
	s := startSim(t, Config{Version: "12.9.9"})
	c := newClient(t)
	admin := func(method, path, body string, want int) *adminState {
		t.Helper()
		r := call(t, c, method, s.URL()+"/__sim/"+path, body)
		if r.status != want {
			t.Fatalf("%s /__sim/%s %s = %d %q; want %d", method, path, body, r.status, r.body, want)
		}
		if want >= 300 {
			return nil
		}
		return decodeAs[adminState](t, r)
	}

	st := admin("GET", "state", "", 200)
	if st.User != nil || st.URL != s.URL() || st.Version != "12.9.9" {
		t.Fatalf("state = %+v", st)
	}

	w := dialStream(t, s.URL())
	w.next(t)

	st = admin("POST", "user", `{"email":"Ada@Example.com","name":"Ada"}`, 200)
	wantID := userIDForSubject(auth0sim.Subject("ada@example.com"))
	if st.User == nil || st.User.ID != wantID || st.User.Name != "Ada" || st.User.Email != "Ada@Example.com" {
		t.Fatalf("admin user = %s; want id %s", mustJSON(t, st.User), wantID)
	}
	if p := w.nextProfile(t); p.ID != wantID {
		t.Fatalf("stream after admin user = %s", p.ID)
	}
	if st.Streams != 1 {
		t.Errorf("streams = %d; want 1", st.Streams)
	}

	p := testProfile("bob@example.com")
	st = admin("POST", "user", `{"profile":`+mustJSON(t, p)+`}`, 200)
	if st.User.ID != p.ID || len(st.Users) != 2 {
		t.Fatalf("admin profile = %+v", st)
	}
	w.nextProfile(t)
	admin("POST", "user", `{"profile":{"id":"x"}}`, 400)
	admin("POST", "user", `{"profile":{"id":"x","aesthetics":{"theme":{"dark":1},"font":{"size":1}}}}`, 400)
	admin("POST", "user", `{}`, 400)
	admin("POST", "user", `{`, 400)

	st = admin("POST", "signout", "", 200)
	if st.User != nil {
		t.Fatal("signed in after signout")
	}
	if f := w.next(t); f != "" {
		t.Fatalf("frame after signout = %q", f)
	}

	st = admin("POST", "fail", `{"count":2,"status":503}`, 200)
	if st.FailCount != 2 || st.FailWith != 503 {
		t.Fatalf("fail state = %+v", st)
	}
	if r := call(t, c, "GET", s.URL()+"/user", ""); r.status != 503 {
		t.Fatalf("after admin fail = %d", r.status)
	}
	admin("POST", "fail", `{"count":0,"status":500}`, 200)
	admin("POST", "fail", `{"status":42}`, 400)
	st = admin("POST", "fail", `{"status":500}`, 200) // count defaults to 1
	if st.FailCount != 1 {
		t.Fatalf("fail default count = %d; want 1", st.FailCount)
	}
	admin("POST", "fail", `{"count":0,"status":500}`, 200)

	if st = admin("POST", "latency", `{"ms":5}`, 200); st.LatencyMS != 5 {
		t.Fatalf("latency = %d", st.LatencyMS)
	}
	admin("POST", "latency", `{"ms":0}`, 200)
	admin("POST", "latency", `{"ms":"x"}`, 400)

	admin("POST", "raw", "not json", 200)
	if f := w.next(t); f != "not json" {
		t.Fatalf("raw frame = %q", f)
	}
	if st = admin("POST", "stall", "", 200); !st.Stalled {
		t.Fatal("stall with no body did not stall")
	}
	if st = admin("POST", "stall", `{"on":false}`, 200); st.Stalled {
		t.Fatal("still stalled")
	}
	admin("POST", "drop", "", 200)
	w.ended(t)

	admin("GET", "drop", "", 405)
	admin("GET", "nothing", "", 404)
}

func TestAdminRestart(t *testing.T) {
	s := startSim(t, Config{})
	c := newClient(t)
	addr := s.Addr()
	s.SignInEmail("ada@example.com", "")
	w := dialStream(t, s.URL())
	w.nextProfile(t)

	r := call(t, c, "POST", s.URL()+"/__sim/restart", "")
	if r.status != http.StatusAccepted {
		t.Fatalf("restart = %d %q; want 202", r.status, r.body)
	}
	w.ended(t)
	waitFor(t, "the simulator to answer again", func() bool {
		resp, err := c.Get(s.URL() + "/.well-known/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	if s.Addr() != addr {
		t.Fatalf("address changed: %s → %s", addr, s.Addr())
	}
	w2 := dialStream(t, s.URL())
	if p := w2.nextProfile(t); p.Email != "ada@example.com" {
		t.Fatalf("state lost over restart: %s", p.Email)
	}

	// With a down time.
	r = call(t, c, "POST", s.URL()+"/__sim/restart", `{"down_ms":30}`)
	if r.status != http.StatusAccepted {
		t.Fatalf("restart = %d", r.status)
	}
	w2.ended(t)
	waitFor(t, "the simulator to come back", func() bool {
		resp, err := c.Get(s.URL() + "/.well-known/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return true
	})
	call(t, c, "POST", s.URL()+"/__sim/restart", `{"down`)
}

func TestAdminRestartCancelledByClose(t *testing.T) {
	s := New(Config{})
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	c := newClient(t)
	if r := call(t, c, "POST", s.URL()+"/__sim/restart", `{"down_ms":3600000}`); r.status != http.StatusAccepted {
		t.Fatalf("restart = %d", r.status)
	}
	if err := s.Close(); err != nil { // must not wait an hour
		t.Fatalf("Close: %v", err)
	}
}

func TestAdminRestartNeedsStart(t *testing.T) {
	s := New(Config{})
	defer s.Close()
	ts := httptest.NewServer(s)
	defer ts.Close()
	c := newClient(t)
	if r := call(t, c, "POST", ts.URL+"/__sim/restart", ""); r.status != http.StatusConflict {
		t.Fatalf("restart without Start = %d; want 409", r.status)
	}
}

func TestLifecycle(t *testing.T) {
	s := New(Config{})
	if s.URL() != "" || s.Addr() != "" {
		t.Fatalf("URL before Start = %q", s.URL())
	}
	if err := s.Restart(); err == nil {
		t.Error("Restart before Start succeeded")
	}
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Errorf("URL = %q", s.URL())
	}
	if err := s.Start("127.0.0.1:0"); err == nil {
		t.Error("second Start succeeded")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Start("127.0.0.1:0"); err != ErrClosed {
		t.Errorf("Start after Close = %v; want ErrClosed", err)
	}
	if err := s.Restart(); err != ErrClosed {
		t.Errorf("Restart after Close = %v; want ErrClosed", err)
	}
	if err := New(Config{}).Start("256.0.0.1:0"); err == nil {
		t.Error("Start on a bad address succeeded")
	}
}
