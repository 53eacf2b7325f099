package authtest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
	"go.uber.org/goleak"

	"piecestray/auth"
	"piecestray/auth/authtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func session(rt string) *auth.Session {
	return &auth.Session{RefreshToken: rt, Subject: "auth0|x", Email: "ada@example.com", SavedAt: time.Unix(0, 0).UTC()}
}

func TestStore(t *testing.T) {
	ctx := context.Background()
	s := authtest.NewStore()
	if _, err := s.Load(ctx); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("Load() on empty = %v; want ErrNotFound", err)
	}
	if err := s.Save(ctx, session("rt-1")); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, session("rt-2")); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(ctx); err != nil || got.RefreshToken != "rt-2" {
		t.Errorf("Load() = %+v, %v; want rt-2", got, err)
	}
	injected := errors.New("boom")
	s.SetErr(authtest.OpDelete, injected)
	if err := s.Delete(ctx); !errors.Is(err, injected) {
		t.Errorf("Delete() with an injected error = %v; want it", err)
	}
	s.SetErr(authtest.OpDelete, nil)
	if err := s.Delete(ctx); err != nil || s.Session() != nil {
		t.Errorf("Delete() = %v, then Session() = %v; want nil, nil", err, s.Session())
	}
	if got := [3]int{s.Calls(authtest.OpLoad), s.Calls(authtest.OpSave), s.Calls(authtest.OpDelete)}; got != [3]int{2, 2, 2} {
		t.Errorf("Calls(load, save, delete) = %v; want [2 2 2]", got)
	}
}

func TestStoreBlockUntilUnblock(t *testing.T) {
	s := authtest.NewStore()
	s.Block()
	errc := make(chan error, 1)
	go func() { errc <- s.Save(context.Background(), session("rt")) }()
	for s.InFlight() != 1 {
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-errc:
		t.Fatalf("Save() returned while blocked: %v", err)
	default:
	}
	s.Unblock()
	if err := <-errc; err != nil {
		t.Fatalf("Save() after Unblock = %v", err)
	}
	s.WaitIdle()
	if s.Session() == nil {
		t.Error("the blocked Save() stored nothing")
	}
}

func TestSizeLimits(t *testing.T) {
	mid := session(strings.Repeat("r", 2600)) // over Windows, under macOS
	tests := []struct {
		goos   string
		wantOK bool
	}{
		{"windows", false},
		{"darwin", true},
		{"linux", true},
	}
	for _, tt := range tests {
		t.Run(tt.goos, func(t *testing.T) {
			k := authtest.NewKeyring(authtest.ForOS(tt.goos))
			err := k.Set("svc", "user", strings.Repeat("s", 2600))
			if (err == nil) != tt.wantOK || (err != nil && !errors.Is(err, keyring.ErrSetDataTooBig)) {
				t.Errorf("Keyring.Set(2600 bytes) on %s = %v; want ok %t", tt.goos, err, tt.wantOK)
			}
			// The Store fake keeps to auth.MaxSecretBytes on every system.
			if err := authtest.NewStore(authtest.ForOS(tt.goos)).Save(context.Background(), mid); !errors.Is(err, auth.ErrTooLarge) {
				t.Errorf("Store.Save(2600-byte refresh token) on %s = %v; want ErrTooLarge", tt.goos, err)
			}
		})
	}
	// macOS limits the whole command line, base64 inside: ~3000 raw bytes.
	k := authtest.NewKeyring(authtest.ForOS("darwin"))
	if err := k.Set("svc", "user", strings.Repeat("s", 3100)); !errors.Is(err, keyring.ErrSetDataTooBig) {
		t.Errorf("Keyring.Set(3100 bytes) on darwin = %v; want ErrSetDataTooBig", err)
	}
}

func TestKeyringFake(t *testing.T) {
	k := authtest.NewKeyring()
	if _, err := k.Get("svc", "user"); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("Get() on empty = %v; want keyring.ErrNotFound", err)
	}
	if err := k.Set("svc", "user", "secret"); err != nil {
		t.Fatal(err)
	}
	if v, err := k.Get("svc", "user"); err != nil || v != "secret" {
		t.Errorf("Get() = %q, %v; want secret", v, err)
	}
	k.Block()
	done := make(chan struct{})
	go func() { k.Delete("svc", "user"); close(done) }()
	for k.InFlight() != 1 {
		time.Sleep(time.Millisecond)
	}
	k.Unblock()
	<-done
	if _, ok := k.Secret("svc", "user"); ok || k.MaxInFlight() != 1 {
		t.Errorf("after Delete: item present %t, MaxInFlight %d; want false, 1", ok, k.MaxInFlight())
	}
}
