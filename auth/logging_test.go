package auth_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"

	"piecestray/auth"
	"piecestray/auth/authtest"
	"piecestray/internal/auth0sim"
)

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestNoSecretsInLogs runs a whole sign-in, a refresh through the token
// source, a keyring save and load, and failing paths, with debug logging,
// and fails if a token, code, state or verifier appears in the logs.
func TestNoSecretsInLogs(t *testing.T) {
	var authLog, simLog syncBuffer
	debug := &slog.HandlerOptions{Level: slog.LevelDebug}
	sim := startSim(t, auth0sim.Config{Logger: slog.New(slog.NewJSONHandler(&simLog, debug))})

	var mu sync.Mutex
	var verifiers []string
	keep := auth.WithVerifierTamper(func(v string) string {
		mu.Lock()
		verifiers = append(verifiers, v)
		mu.Unlock()
		return v
	})
	br := newBrowser(t, "ada@example.com", "approve")
	rec := newURLRecorder()
	s := auth.NewSigner(simConfig(sim.URL()), br, auth.WithHTTPClient(testClient(t)),
		auth.WithLogger(slog.New(slog.NewTextHandler(&authLog, debug))), keep)
	tok, err := s.Login(context.Background(), rec.onURL)
	res := br.result(t)
	if err != nil {
		t.Fatalf("Login() error = %v", err)
	}
	au, _ := url.Parse(rec.wait(t))
	secrets := map[string]string{
		"state":                au.Query().Get("state"),
		"code":                 res.callback.Query().Get("code"),
		"access token":         tok.AccessToken,
		"refresh token":        tok.RefreshToken,
		"id token":             tok.IDToken,
		"id token signature":   tok.IDToken[strings.LastIndex(tok.IDToken, ".")+1:],
		"access token payload": strings.Split(tok.AccessToken, ".")[1],
	}

	kr := authtest.NewKeyring()
	store := auth.NewKeyringStore(testService, testUser, auth.WithKeyring(kr))
	ot, err := s.Refresh(context.Background(), tok.RefreshToken)
	if err != nil {
		t.Fatalf("Refresh() error = %v", err)
	}
	secrets["refreshed access token"] = ot.AccessToken
	secrets["refreshed refresh token"] = ot.RefreshToken
	if err := store.Save(context.Background(), &auth.Session{RefreshToken: ot.RefreshToken, Subject: ot.Subject()}); err != nil {
		t.Fatalf("Save() error = %v", err)
	}
	if _, err := store.Load(context.Background()); err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	// Failing paths log too: a reused refresh token and a denied sign-in.
	if _, err := s.Refresh(context.Background(), tok.RefreshToken); err == nil {
		t.Fatal("Refresh(reused token) succeeded")
	}
	deny := newBrowser(t, "ada@example.com", "deny")
	s2 := auth.NewSigner(simConfig(sim.URL()), deny, auth.WithHTTPClient(testClient(t)),
		auth.WithLogger(slog.New(slog.NewTextHandler(&authLog, debug))), keep)
	rec2 := newURLRecorder()
	if _, err := s2.Login(context.Background(), rec2.onURL); err == nil {
		t.Fatal("denied Login() succeeded")
	}
	deny.result(t)
	au2, _ := url.Parse(rec2.wait(t))
	secrets["second state"] = au2.Query().Get("state")
	mu.Lock()
	for i, v := range verifiers {
		secrets["verifier "+string(rune('1'+i))] = v
	}
	mu.Unlock()

	logs := map[string]string{"auth": authLog.String(), "auth0sim": simLog.String()}
	if logs["auth"] == "" {
		t.Fatal("nothing was logged at debug level; the test would prove nothing")
	}
	for name, secret := range secrets {
		if len(secret) < 8 {
			t.Fatalf("secret %q is too short to search for (%d bytes)", name, len(secret))
		}
		for who, out := range logs {
			if strings.Contains(out, secret) {
				t.Errorf("the %s log contains the %s", who, name)
			}
		}
	}
	t.Logf("checked %d secrets against %d bytes of auth logs and %d bytes of auth0sim logs", len(secrets), len(logs["auth"]), len(logs["auth0sim"]))
}
