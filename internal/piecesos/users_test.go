package piecesos

import (
	"net/http"
	"strings"
	"testing"

	"piecestray/apiclient"
)

func TestUsers(t *testing.T) {
	s := startSim(t, Config{})
	c := newClient(t)
	ada, bob := testProfile("ada@example.com"), testProfile("bob@example.com")

	r := call(t, c, "GET", s.URL()+"/users", "")
	if r.status != 200 || len(decodeAs[apiclient.Users](t, r).Iterable) != 0 {
		t.Fatalf("GET /users empty = %d %q; want 200 and no users", r.status, r.body)
	}
	s.SetUser(ada)
	s.SetUser(bob) // bob signed in, ada known

	r = call(t, c, "GET", s.URL()+"/users", "")
	us := decodeAs[apiclient.Users](t, r)
	if r.status != 200 || len(us.Iterable) != 2 || us.Iterable[0].ID != ada.ID || us.Iterable[1].ID != bob.ID {
		t.Fatalf("GET /users = %d %s; want ada and bob", r.status, r.body)
	}
	if err := us.Validate(); err != nil {
		t.Errorf("GET /users answer invalid: %v", err)
	}

	r = call(t, c, "GET", s.URL()+"/users/"+ada.ID, "")
	if p := decodeAs[apiclient.UserProfile](t, r); r.status != 200 || p.ID != ada.ID {
		t.Errorf("GET /users/%s = %d %s; want ada", ada.ID, r.status, r.body)
	}
	if r := call(t, c, "GET", s.URL()+"/users/unknown-id", ""); r.status != http.StatusNotFound {
		t.Errorf("GET /users/unknown-id = %d; want 404", r.status)
	}

	// Disconnecting a user who is not signed in keeps the current user.
	r = call(t, c, "POST", s.URL()+"/users/"+ada.ID+"/disconnect", "")
	us = decodeAs[apiclient.Users](t, r)
	if r.status != 200 || len(us.Iterable) != 1 || us.Iterable[0].ID != bob.ID {
		t.Fatalf("disconnect ada = %d %s; want the remaining users [bob]", r.status, r.body)
	}
	if u := s.User(); u == nil || u.ID != bob.ID {
		t.Errorf("User() after disconnecting ada = %v; want bob", u)
	}
	if r := call(t, c, "GET", s.URL()+"/users/"+ada.ID, ""); r.status != http.StatusNotFound {
		t.Errorf("GET a disconnected user = %d; want 404", r.status)
	}
	if r := call(t, c, "POST", s.URL()+"/users/"+ada.ID+"/disconnect", ""); r.status != http.StatusNotFound {
		t.Errorf("disconnect an unknown user = %d; want 404", r.status)
	}

	// Disconnecting the current user signs out.
	r = call(t, c, "POST", s.URL()+"/users/"+bob.ID+"/disconnect", "")
	if r.status != 200 || strings.TrimSpace(r.body) != "{}" {
		t.Fatalf("disconnect bob = %d %q; want 200 {}", r.status, r.body)
	}
	if u := s.User(); u != nil {
		t.Errorf("User() after disconnecting the current user = %v; want nil", u.ID)
	}
}

func TestFromToken(t *testing.T) {
	auth0 := newStubAuth0(t)
	s := startSim(t, Config{Auth0URL: auth0.srv.URL + "/"})
	c := newClient(t)

	bad := []struct {
		name   string
		body   string
		status int
		want   string
	}{
		{"no body", "", 400, "empty"},
		{"malformed", `{"access_token":`, 400, "malformed"},
		{"not an object", `"good-token"`, 400, "object"},
		{"no access_token", `{"expires_in":3600,"token_type":"Bearer"}`, 400, "access_token"},
		{"empty access_token", `{"access_token":"","expires_in":3600,"token_type":"Bearer"}`, 400, "access_token"},
		{"no expires_in", `{"access_token":"good-token","token_type":"Bearer"}`, 400, "expires_in"},
		{"null expires_in", `{"access_token":"good-token","expires_in":null,"token_type":"Bearer"}`, 400, "expires_in"},
		{"fractional expires_in", `{"access_token":"good-token","expires_in":1.5,"token_type":"Bearer"}`, 400, "expires_in"},
		{"text expires_in", `{"access_token":"good-token","expires_in":"3600","token_type":"Bearer"}`, 400, "expires_in"},
		{"negative expires_in", `{"access_token":"good-token","expires_in":-1,"token_type":"Bearer"}`, 400, "expires_in"},
		{"no token_type", `{"access_token":"good-token","expires_in":3600}`, 400, "token_type"},
		{"other token_type", `{"access_token":"good-token","expires_in":3600,"token_type":"mac"}`, 400, "token_type"},
		{"lower-case bearer", `{"access_token":"good-token","expires_in":3600,"token_type":"bearer"}`, 400, "token_type"},
		{"rejected token", `{"access_token":"bad-token","expires_in":3600,"token_type":"Bearer"}`, 401, "rejected"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			r := fromToken(t, c, s.URL(), tt.body)
			if r.status != tt.status || !strings.Contains(r.body, tt.want) {
				t.Errorf("from_token %s = %d %q; want %d mentioning %q", tt.body, r.status, r.body, tt.status, tt.want)
			}
		})
	}
	if u := s.User(); u != nil {
		t.Fatalf("a rejected token signed in %s", u.ID)
	}

	body := `{"access_token":"good-token","expires_in":3600,"token_type":"Bearer","refresh_token":"r","id_token":"i","scope":"openid"}`
	r := fromToken(t, c, s.URL(), body)
	if r.status != 200 {
		t.Fatalf("from_token good = %d %q; want 200", r.status, r.body)
	}
	p, err := apiclient.DecodeProfile([]byte(r.body))
	if err != nil {
		t.Fatalf("from_token answer: %v", err)
	}
	wantID := userIDForSubject("auth0|abc123")
	checks := []struct{ field, got, want string }{
		{"id", p.ID, wantID},
		{"name", p.Name, "Ada Lovelace"},
		{"email", p.Email, "ada@example.com"},
		{"picture", p.Picture, "https://example.com/ada.png"},
		{"username", p.Username, "ada"},
		{"auth0.global_id", p.Auth0.GlobalID, wantID},
		{"allocation.id", p.Allocation.ID, wantID},
		{"allocation.user", p.Allocation.User, wantID},
		{"allocation.status.cloud", string(p.Allocation.Status.Cloud), "RUNNING"},
		{"allocation.urls.id.url", p.Allocation.URLs.ID.URL, wantID + ".pieces.cloud"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("from_token profile %s = %q; want %q", ch.field, ch.got, ch.want)
		}
	}
	if p.Created == nil || p.Updated == nil || p.Allocation.URLs.Base == nil || p.Allocation.Project == "" {
		t.Errorf("from_token profile lacks created/updated/base/project: %s", r.body)
	}
	if u := s.User(); u == nil || u.ID != wantID {
		t.Fatalf("User() after from_token = %v; want %s", u, wantID)
	}

	// The same subject again: the same user, its settings kept.
	s.UpdateUser(func(p *apiclient.UserProfile) { p.Aesthetics.Theme.Dark = true })
	auth0.mu.Lock()
	auth0.claims["name"] = "Ada King"
	auth0.mu.Unlock()
	r = fromToken(t, c, s.URL(), `{"access_token":"good-token","expires_in":0,"token_type":"UNKNOWN"}`)
	p2 := decodeAs[apiclient.UserProfile](t, r)
	if r.status != 200 || p2.ID != wantID || !p2.Aesthetics.Theme.Dark || p2.Name != "Ada King" || !p2.Created.Value.Equal(p.Created.Value) {
		t.Errorf("from_token again = %d %s; want the same user, dark theme kept, new name", r.status, r.body)
	}
	if n := len(s.Users()); n != 1 {
		t.Errorf("len(Users()) = %d; want 1", n)
	}
}

// TestFromTokenAuthorization: the access token must also come in
// "Authorization: Bearer" (the SDK's auth0 security scheme); without it, or
// with another token, the answer is 401 saying so, and the token is not
// even sent to the sign-in server.
func TestFromTokenAuthorization(t *testing.T) {
	auth0 := newStubAuth0(t)
	s := startSim(t, Config{Auth0URL: auth0.srv.URL})
	c := newClient(t)
	body := `{"access_token":"good-token","expires_in":3600,"token_type":"Bearer"}`
	tests := []struct {
		name, header string
		status       int
		want         string
	}{
		{"missing", "", 401, "no Authorization header"},
		{"other token", "Bearer other-token", 401, "not the OAuthToken's access_token"},
		{"token prefix", "Bearer good", 401, "not the OAuthToken's access_token"},
		{"no token", "Bearer", 401, "not the OAuthToken's access_token"},
		{"other scheme", "Basic good-token", 401, "Bearer scheme"},
		{"raw token", "good-token", 401, "Bearer scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := callHeader(t, c, "POST", s.URL()+"/users/authenticate/from_token", body, tt.header)
			if r.status != tt.status || !strings.Contains(r.body, tt.want) || r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("Authorization %q = %d %q (WWW-Authenticate %q); want %d mentioning %q and a challenge",
					tt.header, r.status, r.body, r.header.Get("WWW-Authenticate"), tt.status, tt.want)
			}
		})
	}
	auth0.mu.Lock()
	calls := auth0.calls
	auth0.mu.Unlock()
	if calls != 0 || s.User() != nil {
		t.Fatalf("after refused headers: %d userinfo calls, user %v; want none", calls, s.User())
	}
	// The scheme is case-insensitive (RFC 9110 §11.1).
	if r := callHeader(t, c, "POST", s.URL()+"/users/authenticate/from_token", body, "bearer good-token"); r.status != 200 {
		t.Errorf("Authorization %q = %d %q; want 200", "bearer good-token", r.status, r.body)
	}
}

func TestFromTokenAuth0Failures(t *testing.T) {
	good := `{"access_token":"good-token","expires_in":3600,"token_type":"Bearer"}`
	c := newClient(t)

	t.Run("no Auth0 server configured", func(t *testing.T) {
		s := startSim(t, Config{})
		if r := fromToken(t, c, s.URL(), good); r.status != http.StatusServiceUnavailable {
			t.Errorf("from_token = %d %q; want 503", r.status, r.body)
		}
	})
	t.Run("Auth0 server unreachable", func(t *testing.T) {
		gone := newStubAuth0(t)
		gone.srv.Close()
		s := startSim(t, Config{Auth0URL: gone.srv.URL})
		r := fromToken(t, c, s.URL(), good)
		if r.status != http.StatusBadGateway || !strings.Contains(r.body, "could not be reached") {
			t.Errorf("from_token = %d %q; want 502", r.status, r.body)
		}
	})
	t.Run("bad Auth0 URL", func(t *testing.T) {
		s := startSim(t, Config{Auth0URL: "http://bad host"})
		if r := fromToken(t, c, s.URL(), good); r.status != http.StatusServiceUnavailable {
			t.Errorf("from_token = %d %q; want 503", r.status, r.body)
		}
	})
	answers := []struct {
		name   string
		status int
		body   string
		want   int
	}{
		{"userinfo 500", 500, "oops", 502},
		{"userinfo 403", 403, "", 401},
		{"userinfo not JSON", 200, "<html>", 502},
		{"userinfo without sub", 200, `{"email":"a@b.c"}`, 502},
	}
	for _, tt := range answers {
		t.Run(tt.name, func(t *testing.T) {
			a := newStubAuth0(t)
			a.answer(tt.status, tt.body)
			s := startSim(t, Config{Auth0URL: a.srv.URL})
			if r := fromToken(t, c, s.URL(), good); r.status != tt.want {
				t.Errorf("from_token = %d %q; want %d", r.status, r.body, tt.want)
			}
			if s.User() != nil {
				t.Error("signed in despite a failed verification")
			}
		})
	}
}

func TestUserIDForSubject(t *testing.T) {
	a, b := userIDForSubject("auth0|1"), userIDForSubject("auth0|2")
	if a == b || a != userIDForSubject("auth0|1") {
		t.Fatalf("userIDForSubject not stable and distinct: %s %s", a, b)
	}
	if len(a) != 36 || a[14] != '5' {
		t.Errorf("userIDForSubject = %q; want a version 5 uuid", a)
	}
}
