package piecesos

import (
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

	admin("GET", "signout", "", 405)
	admin("GET", "nothing", "", 404)
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
