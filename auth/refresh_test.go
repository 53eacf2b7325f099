package auth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"piecestray/auth"
	"piecestray/auth/authtest"
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

func TestTokenSourcePersistsBeforeReturning(t *testing.T) {
	sim := startSim(t, auth0sim.Config{})
	s, tok := signIn(t, sim, "ada@example.com")
	store := authtest.NewStore()
	expired := *tok
	expired.Expiry = time.Now().Add(-time.Minute)

	var mu sync.Mutex
	var seen []*auth.Token
	ts := auth.NewTokenSource(context.Background(), s, store, &expired, func(tok *auth.Token, saveErr error) {
		if saveErr != nil {
			t.Errorf("onToken saveErr = %v", saveErr)
		}
		mu.Lock()
		seen = append(seen, tok)
		mu.Unlock()
	})

	store.Block()
	type result struct {
		access string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		ot, err := ts.Token()
		if err != nil {
			done <- result{err: err}
			return
		}
		done <- result{access: ot.AccessToken}
	}()
	waitFor(t, "the token source to save", func() bool { return store.InFlight() == 1 })
	select {
	case r := <-done:
		t.Fatalf("Token() returned (%v) while the save was still blocked", r.err)
	default:
	}
	store.Unblock()
	r := <-done
	if r.err != nil {
		t.Fatalf("Token() error = %v", r.err)
	}
	saved := store.Session()
	if saved == nil || saved.RefreshToken == tok.RefreshToken {
		t.Fatal("the rotated refresh token was not saved")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0].AccessToken != r.access || seen[0].RefreshToken != saved.RefreshToken {
		t.Fatalf("onToken saw %d tokens; want the one handed out, with the saved refresh token", len(seen))
	}
	if saved.Subject != auth0sim.Subject("ada@example.com") || saved.Email != "ada@example.com" || saved.ClientID != auth.DefaultClientID || saved.Issuer != sim.URL()+"/" {
		t.Errorf("saved session = sub %q email %q client %q iss %q; want the account, client and issuer", saved.Subject, saved.Email, saved.ClientID, saved.Issuer)
	}

	// The next call reuses the valid token: no refresh, no save.
	ot, err := ts.Token()
	if err != nil || ot.AccessToken != r.access {
		t.Errorf("second Token() = %v; want the same access token", err)
	}
	if n := store.Calls(authtest.OpSave); n != 1 {
		t.Errorf("store saves = %d; want 1", n)
	}
	if ot.Extra("id_token") == nil {
		t.Error("Token() lost the id_token extra")
	}
}

func TestTokenSourceSaveFails(t *testing.T) {
	sim := startSim(t, auth0sim.Config{})
	s, tok := signIn(t, sim, "ada@example.com")
	store := authtest.NewStore()
	store.SetErr(authtest.OpSave, auth.ErrLocked)
	expired := *tok
	expired.Expiry = time.Now().Add(-time.Minute)
	var saveErr error
	ts := auth.NewTokenSource(context.Background(), s, store, &expired, func(_ *auth.Token, err error) { saveErr = err })
	ot, err := ts.Token()
	if err != nil || ot.AccessToken == "" {
		t.Fatalf("Token() = %v; want a token even when the keyring is locked (kept in memory)", err)
	}
	if !errors.Is(saveErr, auth.ErrLocked) {
		t.Errorf("onToken saveErr = %v; want ErrLocked", saveErr)
	}
}

func TestTokenSourceSignInNeeded(t *testing.T) {
	sim := startSim(t, auth0sim.Config{})
	s, tok := signIn(t, sim, "ada@example.com")
	sim.RevokeAll()
	expired := *tok
	expired.Expiry = time.Now().Add(-time.Minute)
	store := authtest.NewStore()
	ts := auth.NewTokenSource(context.Background(), s, store, &expired, nil)
	if _, err := ts.Token(); !errors.Is(err, auth.ErrSignInNeeded) {
		t.Errorf("Token() error = %v; want ErrSignInNeeded", err)
	}
	if store.Calls(authtest.OpSave) != 0 {
		t.Error("a failed refresh saved something")
	}
}

func TestTokenSourceOneRefresher(t *testing.T) {
	sim := startSim(t, auth0sim.Config{})
	s, tok := signIn(t, sim, "ada@example.com")
	expired := *tok
	expired.Expiry = time.Now().Add(-time.Minute)
	store := authtest.NewStore()
	ts := auth.NewTokenSource(context.Background(), s, store, &expired, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := ts.Token(); err != nil {
				t.Errorf("concurrent Token() error = %v", err)
			}
		}()
	}
	wg.Wait()
	if n := store.Calls(authtest.OpSave); n != 1 {
		t.Errorf("saves = %d; want 1 (one refresh for eight callers)", n)
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
