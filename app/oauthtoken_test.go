package app

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"piecestray/auth"
)

func TestOAuthToken(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	tok := &auth.Token{
		AccessToken:  "access",
		RefreshToken: "refresh-never-sent",
		IDToken:      "id",
		TokenType:    "bearer",
		Scope:        "openid profile email offline_access",
		Expiry:       now.Add(90 * time.Second),
	}
	got := OAuthToken(tok, now)
	if got.ExpiresIn != 90 || got.TokenType != "Bearer" || got.IDToken != "id" || got.Scope != tok.Scope || got.AccessToken != "access" {
		t.Errorf("OAuthToken = %+v; want expires_in 90 from the expiry, token_type Bearer, id_token and scope kept", got)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	b, _ := json.Marshal(got)
	if strings.Contains(string(b), "refresh") {
		t.Errorf("the body for Pieces OS carries the refresh token: %s", b)
	}
	// Recomputed, not copied: later, less time is left; never negative.
	if n := OAuthToken(tok, now.Add(60*time.Second)).ExpiresIn; n != 30 {
		t.Errorf("expires_in a minute later = %d; want 30", n)
	}
	if n := OAuthToken(tok, now.Add(time.Hour)).ExpiresIn; n != 0 {
		t.Errorf("expires_in after expiry = %d; want 0", n)
	}
}
