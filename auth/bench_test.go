package auth_test

import (
	"context"
	"testing"
	"time"

	"piecestray/auth"
	"piecestray/auth/authtest"
	"piecestray/internal/auth0sim"
)

// BenchmarkSilentRestore measures a restore at start: keyring Load (the
// fake) → Refresh against auth0sim with 8 kB tokens → new session saved →
// token ready. It also reports the size of the stored item.
func BenchmarkSilentRestore(b *testing.B) {
	sim := startSim(b, auth0sim.Config{TokenPadding: 8 << 10})
	s, tok := signIn(b, sim, "ada@example.com")
	kr := authtest.NewKeyring(authtest.ForOS("windows"))
	store := auth.NewKeyringStore(testService, testUser, auth.WithKeyring(kr))
	cfg := simConfig(sim.URL())
	ctx := context.Background()
	if err := store.Save(ctx, auth.NewSession(cfg, tok, nil, time.Now())); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		sess, err := store.Load(ctx)
		if err != nil {
			b.Fatal(err)
		}
		tok, err := s.Refresh(ctx, sess.RefreshToken)
		if err != nil {
			b.Fatal(err)
		}
		if err := store.Save(ctx, auth.NewSession(cfg, tok, sess, time.Now())); err != nil {
			b.Fatal(err)
		}
		if tok.AccessToken == "" {
			b.Fatal("no access token")
		}
	}
	b.StopTimer()
	secret, _ := kr.Secret(testService, testUser)
	b.ReportMetric(float64(len(secret)), "stored-bytes")
}
