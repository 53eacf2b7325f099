package piecesos

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"piecestray/apiclient"
	"piecestray/internal/auth0sim"
)

func TestUserSnapshot(t *testing.T) {
	s := startSim(t, Config{})
	c := newClient(t)

	r := call(t, c, "GET", s.URL()+"/user", "")
	if r.status != http.StatusOK || strings.TrimSpace(r.body) != "{}" {
		t.Fatalf("GET /user signed out = %d %q; want 200 {}", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q; want application/json", ct)
	}

	p := testProfile("ada@example.com")
	s.SetUser(p)
	r = call(t, c, "GET", s.URL()+"/user", "")
	got := decodeAs[apiclient.ReturnedUserProfile](t, r)
	if r.status != http.StatusOK || got.User == nil || !jsonEqual(t, got.User, p) {
		t.Fatalf("GET /user = %d %s; want 200 with %s", r.status, r.body, mustJSON(t, p))
	}
	if err := got.Validate(); err != nil {
		t.Errorf("GET /user answer invalid: %v", err)
	}
}

func TestClearUser(t *testing.T) {
	s := startSim(t, Config{})
	c := newClient(t)
	s.SetUser(testProfile("ada@example.com"))
	r := call(t, c, "POST", s.URL()+"/user/clear", "")
	if r.status != http.StatusNoContent || r.body != "" {
		t.Fatalf("POST /user/clear = %d %q; want 204 and no body", r.status, r.body)
	}
	if u := s.User(); u != nil {
		t.Errorf("User() after clear = %v; want nil", u.ID)
	}
	if n := len(s.Users()); n != 1 {
		t.Errorf("len(Users()) after clear = %d; want 1 (clear signs out, the user stays known)", n)
	}
}

func TestRefreshUser(t *testing.T) {
	s := startSim(t, Config{})
	c := newClient(t)
	r := call(t, c, "GET", s.URL()+"/user/refresh", "")
	if r.status != http.StatusNetworkAuthenticationRequired || !strings.Contains(r.body, "signed in") {
		t.Fatalf("GET /user/refresh signed out = %d %q; want 511 with a text body", r.status, r.body)
	}
	p := testProfile("ada@example.com")
	s.SetUser(p)
	r = call(t, c, "GET", s.URL()+"/user/refresh", "")
	if got := decodeAs[apiclient.UserProfile](t, r); r.status != http.StatusOK || got.ID != p.ID {
		t.Fatalf("GET /user/refresh = %d %s; want 200 with user %s", r.status, r.body, p.ID)
	}
}

func TestUserProviders(t *testing.T) {
	s := startSim(t, Config{})
	c := newClient(t)
	s.SetUser(testProfile("ada@example.com"))
	r := call(t, c, "GET", s.URL()+"/user/providers", "")
	if r.status != http.StatusNotImplemented {
		t.Fatalf("GET /user/providers = %d %q; want 501", r.status, r.body)
	}
}

func TestSelectUser(t *testing.T) {
	s := startSim(t, Config{})
	c := newClient(t)
	known := s.SignInEmail("ada@example.com", "Ada")
	s.SetUser(nil)

	tests := []struct {
		name   string
		body   string
		status int
		wantID string
	}{
		{"known by user_id", `{"user_id":"` + auth0sim.Subject("ada@example.com") + `"}`, 200, known.ID},
		{"known by email", `{"email":"ADA@example.com"}`, 200, known.ID},
		{"new user", `{"user_id":"github|42","email":"bob@example.com","name":"Bob","picture":"https://example.com/b.png"}`, 200, userIDForSubject("github|42")},
		{"nothing to select", `{}`, 400, ""},
		{"unknown email only", `{"email":"nobody@example.com"}`, 400, ""},
		{"malformed", `{"user_id":`, 400, ""},
		{"not an object", `["a"]`, 400, ""},
		{"empty body", ``, 400, ""},
		{"metadata without global_id", `{"user_id":"x|1","user_metadata":{"vanityname":"x"}}`, 400, ""},
		{"identities not a list", `{"user_id":"x|1","identities":{}}`, 400, ""},
		{"wrong type", `{"user_id":7}`, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, c, "POST", s.URL()+"/user/select", tt.body)
			if r.status != tt.status {
				t.Fatalf("POST /user/select %s = %d %q; want %d", tt.body, r.status, r.body, tt.status)
			}
			if tt.status != 200 {
				return
			}
			p, err := apiclient.DecodeProfile([]byte(r.body))
			if err != nil {
				t.Fatalf("answer %q: %v", r.body, err)
			}
			if p.ID != tt.wantID {
				t.Errorf("selected id = %q; want %q", p.ID, tt.wantID)
			}
			if u := s.User(); u == nil || u.ID != tt.wantID {
				t.Errorf("User() after select = %v; want %s", u, tt.wantID)
			}
		})
	}
}

func TestUpdateUser(t *testing.T) {
	clock := newFakeClock()
	s := New(Config{})
	s.now = clock.Now
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	c := newClient(t)
	p := testProfile("ada@example.com")
	s.SetUser(p)

	changed := *p
	changed.Name = "Countess"
	changed.Aesthetics = &apiclient.Aesthetics{Theme: &apiclient.Theme{Dark: true}, Font: &apiclient.Font{Size: 14}}
	clock.Advance(time.Minute)
	r := call(t, c, "POST", s.URL()+"/user/update", mustJSON(t, &changed))
	got := decodeAs[apiclient.UserProfile](t, r)
	if r.status != 200 || got.Name != "Countess" || !got.Aesthetics.Theme.Dark {
		t.Fatalf("POST /user/update = %d %s; want 200 with the change", r.status, r.body)
	}
	if got.Updated == nil || !got.Updated.Value.Equal(clock.Now()) {
		t.Errorf("updated = %v; want %v", got.Updated, clock.Now())
	}
	if u := s.User(); u.Name != "Countess" {
		t.Errorf("User().Name = %q; want Countess", u.Name)
	}

	unknown := *p
	unknown.ID = "00000000-0000-0000-0000-000000000000"
	bad := []struct {
		name   string
		body   string
		status int
		want   string
	}{
		{"unknown id", mustJSON(t, &unknown), 404, "no user"},
		{"empty body", "", 400, "empty"},
		{"malformed", `{"id":"x",`, 400, "malformed"},
		{"two values", `{"id":"x"} {}`, 400, "malformed"},
		{"no id", `{"aesthetics":{"theme":{"dark":true},"font":{"size":1}}}`, 400, "id"},
		{"empty id", `{"id":" ","aesthetics":{"theme":{"dark":true},"font":{"size":1}}}`, 400, "id"},
		{"no aesthetics", `{"id":"` + p.ID + `"}`, 400, "aesthetics"},
		{"null aesthetics", `{"id":"` + p.ID + `","aesthetics":null}`, 400, "aesthetics"},
		{"no dark", `{"id":"` + p.ID + `","aesthetics":{"theme":{},"font":{"size":1}}}`, 400, "aesthetics.theme.dark"},
		{"no font size", `{"id":"` + p.ID + `","aesthetics":{"theme":{"dark":true},"font":{}}}`, 400, "aesthetics.font.size"},
		{"allocation without urls", `{"id":"` + p.ID + `","aesthetics":{"theme":{"dark":true},"font":{"size":1}},"allocation":{"id":"a","project":"p","user":"u","status":{"cloud":"RUNNING"}}}`, 400, "allocation.urls"},
		{"auth0 without global_id", `{"id":"` + p.ID + `","aesthetics":{"theme":{"dark":true},"font":{"size":1}},"auth0":{}}`, 400, "auth0.global_id"},
		{"provider without dates", `{"id":"` + p.ID + `","aesthetics":{"theme":{"dark":true},"font":{"size":1}},"providers":{"iterable":[{"type":"github","user_id":"1"}]}}`, 400, "providers.iterable[0].created"},
		{"schema without semantic", `{"id":"` + p.ID + `","aesthetics":{"theme":{"dark":true},"font":{"size":1}},"schema":{"migration":0}}`, 400, "schema.semantic"},
		{"font size text", `{"id":"` + p.ID + `","aesthetics":{"theme":{"dark":true},"font":{"size":"big"}}}`, 400, "wrong type"},
		{"bad date", `{"id":"` + p.ID + `","aesthetics":{"theme":{"dark":true},"font":{"size":1}},"created":{"value":"yesterday"}}`, 400, "invalid"},
		{"aesthetics a list", `{"id":"` + p.ID + `","aesthetics":[]}`, 400, "object"},
		{"entities not a list", `{"id":"` + p.ID + `","aesthetics":{"theme":{"dark":true},"font":{"size":1}},"entities":{"iterable":{}}}`, 400, "list"},
		{"entity without id", `{"id":"` + p.ID + `","aesthetics":{"theme":{"dark":true},"font":{"size":1}},"entities":{"iterable":[{}]}}`, 400, "entities.iterable[0].id"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, c, "POST", s.URL()+"/user/update", tt.body)
			if r.status != tt.status || !strings.Contains(r.body, tt.want) {
				t.Errorf("POST /user/update %s = %d %q; want %d mentioning %q", tt.body, r.status, r.body, tt.status, tt.want)
			}
		})
	}
	if u := s.User(); u.Name != "Countess" {
		t.Errorf("a rejected update changed the user: %q", u.Name)
	}
}

func TestBodyTooLarge(t *testing.T) {
	s := startSim(t, Config{})
	c := newClient(t)
	body := `{"id":"` + strings.Repeat("x", maxBodyBytes) + `"}`
	r := call(t, c, "POST", s.URL()+"/user/update", body)
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("POST /user/update with %d bytes = %d; want 413", len(body), r.status)
	}
}

func TestMethodsAndPaths(t *testing.T) {
	s := startSim(t, Config{})
	c := newClient(t)
	tests := []struct {
		method, path string
		status       int
	}{
		{"POST", "/user", 405},
		{"DELETE", "/user", 405},
		{"GET", "/user/clear", 405},
		{"POST", "/user/refresh", 405},
		{"PUT", "/user/providers", 405},
		{"GET", "/user/select", 405},
		{"GET", "/user/update", 405},
		{"GET", "/user/beta/status", 405},
		{"GET", "/user/update/vanity", 405},
		{"POST", "/user/stream", 405},
		{"GET", "/users/authenticate/from_token", 405},
		{"GET", "/users/x/disconnect", 405},
		{"POST", "/users", 405},
		{"DELETE", "/users/x", 405},
		{"POST", "/.well-known/health", 405},
		{"POST", "/.well-known/version", 405},
		{"GET", "/nothing", 404},
		{"GET", "/user/stream", 400}, // not a WebSocket handshake
	}
	for _, tt := range tests {
		t.Run(tt.method+tt.path, func(t *testing.T) {
			r := call(t, c, tt.method, s.URL()+tt.path, "")
			if r.status != tt.status {
				t.Errorf("%s %s = %d; want %d", tt.method, tt.path, r.status, tt.status)
			}
			if tt.status == 405 && r.header.Get("Allow") == "" {
				t.Errorf("%s %s: 405 without Allow", tt.method, tt.path)
			}
		})
	}
}

func TestHealthAndVersion(t *testing.T) {
	s := startSim(t, Config{})
	c := newClient(t)
	r := call(t, c, "GET", s.URL()+"/.well-known/health", "")
	if r.status != 200 || !strings.HasPrefix(r.body, "ok:") || len(r.body) != len("ok:")+36 {
		t.Fatalf("GET health = %d %q; want 200 ok:<uuid>", r.status, r.body)
	}
	if r2 := call(t, c, "GET", s.URL()+"/.well-known/health", ""); r2.body != r.body {
		t.Errorf("health uuid changed: %q then %q", r.body, r2.body)
	}
	h := call(t, c, "HEAD", s.URL()+"/.well-known/health", "")
	if h.status != 200 || h.body != "" {
		t.Errorf("HEAD health = %d %q; want 200 and no body", h.status, h.body)
	}
	v := call(t, c, "GET", s.URL()+"/.well-known/version", "")
	if v.status != 200 || v.body != DefaultVersion {
		t.Errorf("GET version = %d %q; want 200 %q", v.status, v.body, DefaultVersion)
	}

	s2 := startSim(t, Config{Version: "debug"})
	if v := call(t, c, "GET", s2.URL()+"/.well-known/version", ""); v.body != "debug" {
		t.Errorf("GET version = %q; want debug", v.body)
	}
}
