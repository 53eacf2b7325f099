package auth_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/godbus/dbus/v5"

	"piecestray/auth"
	"piecestray/auth/authtest"
	"piecestray/internal/auth0sim"
)

// BenchmarkSilentRestore measures a restore at start: keyring Load (the
// fake) → Refresh against auth0sim with 8 kB tokens → new session saved →
// token ready. It also reports the size of the stored item.
func BenchmarkSilentRestore(b *testing.B) {
	kr := authtest.NewKeyring(authtest.ForOS("windows"))
	benchRestore(b, auth.NewKeyringStore(testService, testUser, auth.WithKeyring(kr)))
	secret, _ := kr.Secret(testService, testUser)
	b.ReportMetric(float64(len(secret)), "stored-bytes")
}

// BenchmarkSilentRestoreSecretService is BenchmarkSilentRestore with the
// real Secret Service (gnome-keyring) of scripts/desktop-session.sh.
func BenchmarkSilentRestoreSecretService(b *testing.B) {
	if os.Getenv("PIECES_TRAY_DESKTOP") != "1" {
		b.Skip("needs a real Secret Service: run under scripts/desktop-session.sh")
	}
	b.Cleanup(func() {
		if bus, err := dbus.SessionBus(); err == nil {
			bus.Close() // go-keyring's shared connection (goleak)
		}
	})
	var rnd [6]byte
	rand.Read(rnd[:])
	st := auth.NewKeyringStore("pieces-tray-bench-"+hex.EncodeToString(rnd[:]), testUser)
	b.Cleanup(func() { st.Delete(context.Background()) })
	benchRestore(b, st)
}

func benchRestore(b *testing.B, store auth.Store) {
	sim := startSim(b, auth0sim.Config{TokenPadding: 8 << 10})
	s, tok := signIn(b, sim, "ada@example.com")
	cfg := simConfig(sim.URL())
	ctx := context.Background()
	if err := store.Save(ctx, sessionOf(cfg, tok)); err != nil {
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
		if err := store.Save(ctx, sessionOf(cfg, tok)); err != nil {
			b.Fatal(err)
		}
		if tok.AccessToken == "" {
			b.Fatal("no access token")
		}
	}
}
