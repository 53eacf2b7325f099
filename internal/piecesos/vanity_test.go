package piecesos

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"piecestray/apiclient"
)

// startClocked starts a simulator whose clock is c.
func startClocked(t *testing.T, cfg Config, c *fakeClock) *Server {
	t.Helper()
	s := New(cfg)
	s.now = c.Now
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func vanityBody(t *testing.T, p *apiclient.UserProfile, name string) string {
	t.Helper()
	q := *p
	q.VanityName = name
	return mustJSON(t, &q)
}

func TestUpdateVanity(t *testing.T) {
	clock := newFakeClock()
	s := startClocked(t, Config{TakenVanity: []string{"Taken", "pieces"}, CloudReadyDelay: time.Minute}, clock)
	c := newClient(t)
	url := s.URL() + "/user/update/vanity"
	ada := testProfile("ada@example.com")

	// Signed out: 511 (after the body and the name are checked).
	if r := call(t, c, "POST", url, vanityBody(t, ada, "ada")); r.status != http.StatusNetworkAuthenticationRequired {
		t.Fatalf("vanity signed out = %d %q; want 511", r.status, r.body)
	}

	bob := testProfile("bob@example.com")
	bob.VanityName = "bobs"
	s.SetUser(bob)
	s.SetUser(ada) // bob stays known with his name; ada signs in now

	// The cloud's DNS record is not ready until CloudReadyDelay after sign-in.
	if r := call(t, c, "POST", url, vanityBody(t, ada, "ada")); r.status != http.StatusNotFound {
		t.Fatalf("vanity before the cloud is ready = %d %q; want 404", r.status, r.body)
	}
	clock.Advance(time.Minute)

	noCloud := testProfile("carol@example.com")
	noCloud.Allocation = nil

	tests := []struct {
		name   string
		body   string
		status int
	}{
		{"empty name", vanityBody(t, ada, ""), 400},
		{"blank name", vanityBody(t, ada, "   "), 400},
		{"leading hyphen", vanityBody(t, ada, "-ada"), 400},
		{"trailing hyphen", vanityBody(t, ada, "ada-"), 400},
		{"dot", vanityBody(t, ada, "ada.lovelace"), 400},
		{"space inside", vanityBody(t, ada, "ada lovelace"), 400},
		{"underscore", vanityBody(t, ada, "ada_l"), 400},
		{"non-ASCII", vanityBody(t, ada, "adá"), 400},
		{"64 characters", vanityBody(t, ada, strings.Repeat("a", 64)), 400},
		{"no body", "", 400},
		{"malformed", `{"vanityname":`, 400},
		{"profile without id", `{"vanityname":"ada","aesthetics":{"theme":{"dark":false},"font":{"size":12}}}`, 400},
		{"another user's profile", vanityBody(t, bob, "bobby"), 511},
		{"taken (configured, other case)", vanityBody(t, ada, "TAKEN"), 409},
		{"taken (configured)", vanityBody(t, ada, "pieces"), 409},
		{"taken by another user", vanityBody(t, ada, "BOBS"), 409},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, c, "POST", url, tt.body)
			if r.status != tt.status {
				t.Errorf("POST /user/update/vanity %.80s = %d %q; want %d", tt.body, r.status, r.body, tt.status)
			}
		})
	}

	for _, name := range []string{" Ada-Lovelace1 ", "ada-lovelace1", strings.Repeat("b", 63)} {
		r := call(t, c, "POST", url, vanityBody(t, ada, name))
		if r.status != http.StatusOK {
			t.Fatalf("vanity %q = %d %q; want 200", name, r.status, r.body)
		}
		got, err := apiclient.DecodeProfile([]byte(r.body))
		if err != nil {
			t.Fatalf("answer: %v", err)
		}
		want := apiclient.NormalizeVanityName(name)
		if got.VanityName != want || got.Auth0 == nil || got.Auth0.VanityName != want {
			t.Errorf("vanityname = %q, auth0.vanityname = %v; want %q", got.VanityName, got.Auth0, want)
		}
		v := got.Allocation.URLs.Vanity
		if v == nil || v.URL != want+".pieces.cloud" || v.Status != apiclient.AllocationRunning {
			t.Errorf("allocation.urls.vanity = %+v; want {%s.pieces.cloud RUNNING}", v, want)
		}
		if u := s.User(); u.VanityName != want {
			t.Errorf("User().VanityName = %q; want %q", u.VanityName, want)
		}
	}

	// No personal cloud: 511.
	s.SetUser(noCloud)
	clock.Advance(time.Hour)
	if r := call(t, c, "POST", url, vanityBody(t, noCloud, "carol")); r.status != http.StatusNetworkAuthenticationRequired {
		t.Errorf("vanity without a cloud = %d %q; want 511", r.status, r.body)
	}
}

func TestVanityDescope(t *testing.T) {
	s := startSim(t, Config{})
	c := newClient(t)
	p := testProfile("dee@example.com")
	p.Auth0 = nil
	p.Descope = &apiclient.DescopeUserMetadata{DescopeID: "d1", GlobalID: p.ID}
	s.SetUser(p)
	r := call(t, c, "POST", s.URL()+"/user/update/vanity", vanityBody(t, p, "Dee"))
	got := decodeAs[apiclient.UserProfile](t, r)
	if r.status != 200 || got.Descope.VanityName != "dee" || got.Auth0 != nil {
		t.Fatalf("vanity (descope) = %d %s; want 200 with descope.vanityname dee", r.status, r.body)
	}
}

func TestBetaStatus(t *testing.T) {
	clock := newFakeClock()
	s := startClocked(t, Config{}, clock)
	c := newClient(t)
	url := s.URL() + "/user/beta/status"
	ada := testProfile("ada@example.com")

	in := `{"user":"` + ada.ID + `","auth0":{"vision":{"continuous":true}}}`
	if r := call(t, c, "POST", url, in); r.status != http.StatusNetworkAuthenticationRequired {
		t.Fatalf("beta signed out = %d %q; want 511", r.status, r.body)
	}
	s.SetUser(ada)

	// Opt in: continuous from now.
	r := call(t, c, "POST", url, in)
	got := decodeAs[apiclient.UserBetaStatus](t, r)
	if r.status != 200 || got.User != ada.ID || got.Auth0 == nil || got.Auth0.Vision == nil ||
		got.Auth0.Vision.Continuous == nil || !*got.Auth0.Vision.Continuous || got.Auth0.Vision.From == nil {
		t.Fatalf("beta opt in = %d %s; want 200 with continuous vision from now", r.status, r.body)
	}
	beta := s.User().Auth0.Beta
	if beta == nil || beta.Continuous == nil || !*beta.Continuous || !beta.From.Value.Equal(clock.Now()) {
		t.Fatalf("auth0.beta after opt in = %s; want continuous from %v", mustJSON(t, beta), clock.Now())
	}

	// Opt out: the window ends at `to`, keeping its start.
	clock.Advance(time.Hour)
	to := clock.Now().Format(time.RFC3339)
	r = call(t, c, "POST", url, `{"user":"`+ada.ID+`","auth0":{"vision":{"to":{"value":"`+to+`"}}}}`)
	if r.status != 200 {
		t.Fatalf("beta opt out = %d %q; want 200", r.status, r.body)
	}
	beta = s.User().Auth0.Beta
	if beta == nil || beta.Continuous != nil || beta.To == nil || !beta.To.Value.Equal(clock.Now()) ||
		beta.From == nil || beta.Between == nil || !*beta.Between {
		t.Fatalf("auth0.beta after opt out = %s; want from..to", mustJSON(t, beta))
	}

	// Reading: no vision, no change.
	r = call(t, c, "POST", url, `{"user":"`+ada.ID+`","auth0":{}}`)
	got = decodeAs[apiclient.UserBetaStatus](t, r)
	if r.status != 200 || got.Auth0.Vision == nil || got.Auth0.Vision.To == nil {
		t.Fatalf("beta read = %d %s; want the current window", r.status, r.body)
	}

	// Opt in again from a given time.
	r = call(t, c, "POST", url, `{"user":"`+ada.ID+`","auth0":{"vision":{"continuous":true,"from":{"value":"2026-02-01T00:00:00Z"}}}}`)
	if beta = s.User().Auth0.Beta; r.status != 200 || beta.From.Value.Month() != time.February || beta.To != nil {
		t.Fatalf("beta opt in from = %d %q, beta %s", r.status, r.body, mustJSON(t, beta))
	}

	// Opt out with an end before the window started: only the end counts.
	r = call(t, c, "POST", url, `{"user":"`+ada.ID+`","auth0":{"vision":{"to":{"value":"2026-01-15T00:00:00Z"}}}}`)
	if beta = s.User().Auth0.Beta; r.status != 200 || beta.From != nil || beta.Between != nil || beta.To == nil {
		t.Fatalf("beta opt out before start = %d, beta %s", r.status, mustJSON(t, beta))
	}

	bad := []struct {
		name   string
		body   string
		status int
	}{
		{"no body", "", 400},
		{"malformed", `{"user":`, 400},
		{"no user", `{"auth0":{"vision":{"continuous":true}}}`, 400},
		{"null user", `{"user":null,"auth0":{"vision":{"continuous":true}}}`, 400},
		{"empty user", `{"user":"","auth0":{"vision":{"continuous":true}}}`, 400},
		{"no provider", `{"user":"` + ada.ID + `"}`, 400},
		{"both providers", `{"user":"` + ada.ID + `","auth0":{},"descope":{}}`, 400},
		{"vision says nothing", `{"user":"` + ada.ID + `","auth0":{"vision":{}}}`, 400},
		{"continuous and to", `{"user":"` + ada.ID + `","auth0":{"vision":{"continuous":true,"to":{"value":"2026-01-01T00:00:00Z"}}}}`, 400},
		{"to without value", `{"user":"` + ada.ID + `","auth0":{"vision":{"to":{}}}}`, 400},
		{"descope on an auth0 user", `{"user":"` + ada.ID + `","descope":{"vision":{"continuous":true}}}`, 400},
		{"another user", `{"user":"someone-else","auth0":{"vision":{"continuous":true}}}`, 511},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if r := call(t, c, "POST", url, tt.body); r.status != tt.status {
				t.Errorf("POST /user/beta/status %s = %d %q; want %d", tt.body, r.status, r.body, tt.status)
			}
		})
	}

	// A user known only through descope.
	dee := testProfile("dee@example.com")
	dee.Auth0 = nil
	dee.Descope = &apiclient.DescopeUserMetadata{DescopeID: "d1", GlobalID: dee.ID}
	s.SetUser(dee)
	r = call(t, c, "POST", url, `{"user":"`+dee.ID+`","descope":{"vision":{"continuous":true}}}`)
	got = decodeAs[apiclient.UserBetaStatus](t, r)
	if r.status != 200 || got.Descope == nil || got.Auth0 != nil || s.User().Descope.Beta == nil {
		t.Fatalf("beta (descope) = %d %s; want 200 with descope", r.status, r.body)
	}
	if r := call(t, c, "POST", url, `{"user":"`+dee.ID+`","auth0":{"vision":{"continuous":true}}}`); r.status != 400 {
		t.Errorf("beta auth0 on a descope user = %d; want 400", r.status)
	}
}
