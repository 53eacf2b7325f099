package auth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"piecestray/auth"
	"piecestray/internal/auth0sim"
)

// signIn returns a Signer for sim and a token set for email, signed in
// with prompt=none.
func signIn(t testing.TB, sim *auth0sim.Server, email string, opts ...auth.SignerOption) (*auth.Signer, *auth.Token) {
	t.Helper()
	br := newBrowser(t, email, "none")
	s := auth.NewSigner(simConfig(sim.URL()), br, append([]auth.SignerOption{auth.WithHTTPClient(testClient(t))}, opts...)...)
	tok, _ := login(t, s, br)
	return s, tok
}

func TestRefreshRotationAndReuse(t *testing.T) {
	sim := startSim(t, auth0sim.Config{})
	s, tok := signIn(t, sim, "ada@example.com")
	ctx := context.Background()

	tok2, err := s.Refresh(ctx, tok.RefreshToken)
	if err != nil {
		t.Fatalf("Refresh() error = %v", err)
	}
	if tok2.RefreshToken == "" || tok2.RefreshToken == tok.RefreshToken {
		t.Fatal("Refresh() did not rotate the refresh token")
	}
	if tok2.AccessToken == "" || tok2.AccessToken == tok.AccessToken {
		t.Error("Refresh() did not return a new access token")
	}
	if tok2.IDToken != "" && tok2.Subject() != tok.Subject() {
		t.Errorf("refreshed Subject() = %q; want %q", tok2.Subject(), tok.Subject())
	}

	// The old refresh token is dead, and reusing it revokes the family.
	_, err = s.Refresh(ctx, tok.RefreshToken)
	if !errors.Is(err, auth.ErrSignInNeeded) {
		t.Fatalf("Refresh(old token) error = %v; want ErrSignInNeeded", err)
	}
	if errors.Is(err, auth.ErrUnavailable) {
		t.Errorf("Refresh(old token) error = %v; must not be retryable", err)
	}
	if _, err := s.Refresh(ctx, tok2.RefreshToken); !errors.Is(err, auth.ErrSignInNeeded) {
		t.Errorf("Refresh(newest token after reuse) error = %v; want ErrSignInNeeded (family revoked)", err)
	}
}

func TestRefreshRevokeAll(t *testing.T) {
	sim := startSim(t, auth0sim.Config{})
	s, tok := signIn(t, sim, "ada@example.com")
	sim.RevokeAll()
	if _, err := s.Refresh(context.Background(), tok.RefreshToken); !errors.Is(err, auth.ErrSignInNeeded) {
		t.Errorf("Refresh() after RevokeAll error = %v; want ErrSignInNeeded", err)
	}
}

func TestRefreshErrorsClassified(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	tests := []struct {
		name        string
		status      int
		body        string
		url         string // server URL override (unreachable)
		wantIs      error
		wantNotIs   []error
		description string
	}{
		{name: "auth0 invalid_grant 403", status: 403, body: `{"error":"invalid_grant","error_description":"Unknown or invalid refresh token."}`, wantIs: auth.ErrSignInNeeded, wantNotIs: []error{auth.ErrUnavailable}},
		{name: "500", status: 500, body: `{"error":"server_error"}`, wantIs: auth.ErrUnavailable, wantNotIs: []error{auth.ErrSignInNeeded}},
		{name: "503 html", status: 503, body: `<html>down</html>`, wantIs: auth.ErrUnavailable, wantNotIs: []error{auth.ErrSignInNeeded}},
		{name: "429", status: 429, body: `{"error":"too_many_requests"}`, wantIs: auth.ErrUnavailable, wantNotIs: []error{auth.ErrSignInNeeded}},
		{name: "unreachable", url: closedURL, wantIs: auth.ErrUnavailable, wantNotIs: []error{auth.ErrSignInNeeded}},
		{name: "invalid_client is neither", status: 401, body: `{"error":"invalid_client"}`, wantNotIs: []error{auth.ErrSignInNeeded, auth.ErrUnavailable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/oauth/token" || r.FormValue("grant_type") != "refresh_token" || r.FormValue("client_id") != auth.DefaultClientID {
					t.Errorf("request %s %s grant_type=%q client_id=%q; want POST /oauth/token refresh_token", r.Method, r.URL.Path, r.FormValue("grant_type"), r.FormValue("client_id"))
				}
				if r.FormValue("client_secret") != "" {
					t.Error("refresh sent a client_secret")
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			base := srv.URL
			if tt.url != "" {
				base = tt.url
			}
			s := auth.NewSigner(simConfig(base), nil, auth.WithHTTPClient(testClient(t)))
			_, err := s.Refresh(context.Background(), "rt-1")
			if err == nil {
				t.Fatal("Refresh() succeeded; want an error")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("Refresh() error = %v; want %v", err, tt.wantIs)
			}
			for _, not := range tt.wantNotIs {
				if errors.Is(err, not) {
					t.Errorf("Refresh() error = %v; must not be %v", err, not)
				}
			}
		})
	}
}

// waitFor polls cond until it holds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
