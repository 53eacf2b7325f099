package auth_test

import (
	"slices"
	"strings"
	"testing"

	"piecestray/auth"
)

func TestDefaultConfig(t *testing.T) {
	c := auth.DefaultConfig()
	if c.Domain != "https://auth.pieces.services" || c.ClientID != "9sW4Pa1LEjX67l6VO14u0207NLYeXnu1" ||
		c.Audience != "https://pieces.us.auth0.com/api/v2/" || c.RedirectURL != "" {
		t.Errorf("DefaultConfig() = %+v; want Pieces' public values", c)
	}
	if want := []string{"openid", "profile", "email", "offline_access"}; !slices.Equal(c.Scopes, want) {
		t.Errorf("DefaultConfig().Scopes = %q; want %q", c.Scopes, want)
	}
	ep, err := c.Endpoint()
	if err != nil || ep.AuthURL != "https://auth.pieces.services/authorize" || ep.TokenURL != "https://auth.pieces.services/oauth/token" {
		t.Errorf("Endpoint() = %+v, %v; want the Pieces endpoints", ep, err)
	}
	if iss, _ := c.Issuer(); iss != "https://auth.pieces.services/" {
		t.Errorf("Issuer() = %q; want https://auth.pieces.services/", iss)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("DefaultConfig().Validate() = %v", err)
	}
	// Pieces' documented redirect URIs, exactly as Auth0 matches them, in
	// the order Login tries them.
	want := []string{"http://localhost:3000/pkce/response/code", "http://localhost:8080/authentication/response"}
	if got := auth.DefaultRedirects(); !slices.Equal(got, want) || auth.DefaultRedirectURL != want[0] || auth.FallbackRedirectURL != want[1] {
		t.Errorf("default redirects = %q (%q, %q); want %q", got, auth.DefaultRedirectURL, auth.FallbackRedirectURL, want)
	}
}

func TestConfigWithEnv(t *testing.T) {
	env := map[string]string{
		"PIECES_AUTH0_DOMAIN":       "http://127.0.0.1:4000",
		"PIECES_AUTH0_CLIENT_ID":    "cid",
		"PIECES_AUTH0_AUDIENCE":     "aud",
		"PIECES_AUTH0_SCOPES":       "openid, email  offline_access",
		"PIECES_AUTH0_REDIRECT_URL": "http://localhost:8080/authentication/response",
	}
	c := auth.DefaultConfig().WithEnv(func(k string) string { return env[k] })
	if c.Domain != env["PIECES_AUTH0_DOMAIN"] || c.ClientID != "cid" || c.Audience != "aud" || c.RedirectURL != env["PIECES_AUTH0_REDIRECT_URL"] {
		t.Errorf("WithEnv() = %+v; want the environment's values", c)
	}
	if want := []string{"openid", "email", "offline_access"}; !slices.Equal(c.Scopes, want) {
		t.Errorf("WithEnv().Scopes = %q; want %q", c.Scopes, want)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
	same := auth.DefaultConfig().WithEnv(func(string) string { return " " })
	if same.Domain != auth.DefaultDomain || len(same.Scopes) != 4 {
		t.Errorf("WithEnv(blank) changed the config: %+v", same)
	}
}

func TestConfigDomain(t *testing.T) {
	tests := []struct {
		domain, wantAuth, wantErr string
	}{
		{"auth.pieces.services", "https://auth.pieces.services/authorize", ""},
		{"https://auth.pieces.services/", "https://auth.pieces.services/authorize", ""},
		{"https://tenant.example/base/", "https://tenant.example/base/authorize", ""},
		{"http://127.0.0.1:4000", "http://127.0.0.1:4000/authorize", ""},
		{"http://localhost:4000", "http://localhost:4000/authorize", ""},
		{"http://[::1]:4000", "http://[::1]:4000/authorize", ""},
		{"http://auth.pieces.services", "", "must use https"},
		{"ftp://auth.pieces.services", "", "must use https"},
		{"", "", "empty"},
		{"https://user@auth.pieces.services", "", "host name or a URL"},
		{"https://auth.pieces.services/?x=1", "", "host name or a URL"},
	}
	for _, tt := range tests {
		c := auth.DefaultConfig()
		c.Domain = tt.domain
		ep, err := c.Endpoint()
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Endpoint() with Domain %q error = %v; want %q", tt.domain, err, tt.wantErr)
			}
			continue
		}
		if err != nil || ep.AuthURL != tt.wantAuth {
			t.Errorf("Endpoint() with Domain %q = %q, %v; want %q", tt.domain, ep.AuthURL, err, tt.wantAuth)
		}
	}
}

func TestConfigRedirectURL(t *testing.T) {
	tests := []struct {
		redirect string
		ok       bool
	}{
		{"", true},
		{"http://localhost:8080/authentication/response", true},
		{"http://127.0.0.1:3000/pkce/response/code", true},
		{"http://127.0.0.1/callback", false},       // no port
		{"https://localhost:8080/callback", false}, // not http
		{"http://example.com:8080/callback", false},
		{"http://0.0.0.0:8080/callback", false},
		{"http://localhost:0/callback", false}, // needs one port on two addresses
		{"http://127.0.0.1:0/callback", true},  // any free port
		{"http://[::1]:0/callback", true},
		{"http://127.0.0.1:65536/callback", false},
	}
	for _, tt := range tests {
		c := auth.DefaultConfig()
		c.RedirectURL = tt.redirect
		if err := c.Validate(); (err == nil) != tt.ok {
			t.Errorf("Validate() with RedirectURL %q = %v; want ok %t", tt.redirect, err, tt.ok)
		}
	}
}

func TestConfigScopes(t *testing.T) {
	tests := []struct {
		scopes  []string
		wantErr string // "" = valid
	}{
		{auth.DefaultScopes(), ""},
		{[]string{"offline_access", "openid"}, ""},
		{[]string{"profile", "email", "offline_access"}, "lack openid"},
		{[]string{"openid", "profile", "email"}, "lack offline_access"},
		{nil, "lack openid"},
	}
	for _, tt := range tests {
		c := auth.DefaultConfig()
		c.Scopes = tt.scopes
		err := c.Validate()
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("Validate() with Scopes %q = %v; want nil", tt.scopes, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "PIECES_AUTH0_SCOPES") {
			t.Errorf("Validate() with Scopes %q = %v; want an error saying it %s and naming PIECES_AUTH0_SCOPES", tt.scopes, err, tt.wantErr)
		}
	}
}
