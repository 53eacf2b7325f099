package auth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"

	"piecestray/auth"
	"piecestray/auth/authtest"
	"piecestray/internal/auth0sim"
)

const (
	testService = "pieces-tray-test"
	testUser    = "session"
)

func sampleSession() *auth.Session {
	return &auth.Session{
		RefreshToken: "v1.MRrT-refresh-token-sample-0123456789abcdef",
		Subject:      "auth0|0123456789abcdef01234567",
		Email:        "ada@example.com",
		Issuer:       "https://auth.pieces.services/",
		ClientID:     auth.DefaultClientID,
		SavedAt:      time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC),
	}
}

func TestKeyringStoreRoundTrip(t *testing.T) {
	kr := authtest.NewKeyring()
	st := auth.NewKeyringStore(testService, testUser, auth.WithKeyring(kr))
	ctx := context.Background()
	if _, err := st.Load(ctx); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("Load() on an empty keyring error = %v; want ErrNotFound", err)
	}
	want := sampleSession()
	if err := st.Save(ctx, want); err != nil {
		t.Fatalf("Save() error = %v", err)
	}
	got, err := st.Load(ctx)
	if err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	if *got != *want {
		t.Errorf("Load() = %+v; want %+v", got, want)
	}
	secret, _ := kr.Secret(testService, testUser)
	if !strings.Contains(secret, `"refresh_token"`) || strings.Contains(secret, "access_token") {
		t.Errorf("stored item = %q; want only the session JSON", secret)
	}
	if err := st.Delete(ctx); err != nil {
		t.Fatalf("Delete() error = %v", err)
	}
	if _, err := st.Load(ctx); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("Load() after Delete error = %v; want ErrNotFound", err)
	}
	if err := st.Delete(ctx); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("second Delete() error = %v; want ErrNotFound", err)
	}
}

func TestKeyringStoreErrorsClassified(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error // nil: none of the sentinels
	}{
		{"not found", keyring.ErrNotFound, auth.ErrNotFound},
		{"too big", keyring.ErrSetDataTooBig, auth.ErrTooLarge},
		{"locked", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), auth.ErrLocked},
		{"no secret service", &dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown", Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"}}, auth.ErrNoSecretService},
		{"no bus", errors.New("dbus: couldn't determine address of session bus"), auth.ErrNoSecretService},
		{"no dbus-launch", errors.New(`exec: "dbus-launch": executable file not found in $PATH`), auth.ErrNoSecretService},
		{"bus socket gone", errors.New("dial unix /run/user/1000/bus: connect: no such file or directory"), auth.ErrNoSecretService},
		{"other", errors.New("something odd"), nil},
	}
	sentinels := []error{auth.ErrNotFound, auth.ErrLocked, auth.ErrNoSecretService, auth.ErrTimeout, auth.ErrTooLarge}
	for _, tt := range tests {
		for _, op := range []authtest.Op{authtest.OpLoad, authtest.OpSave, authtest.OpDelete} {
			t.Run(tt.name+"/"+string(op), func(t *testing.T) {
				kr := authtest.NewKeyring()
				kr.SetErr(op, tt.err)
				st := auth.NewKeyringStore(testService, testUser, auth.WithKeyring(kr))
				var err error
				switch op {
				case authtest.OpLoad:
					_, err = st.Load(context.Background())
				case authtest.OpSave:
					err = st.Save(context.Background(), sampleSession())
				case authtest.OpDelete:
					err = st.Delete(context.Background())
				}
				for _, s := range sentinels {
					if got, want := errors.Is(err, s), s == tt.want; got != want {
						t.Errorf("%s with %q: errors.Is(%v, %v) = %t; want %t", op, tt.err, err, s, got, want)
					}
				}
				if !errors.Is(err, tt.err) {
					t.Errorf("%s error %v does not wrap the cause %v", op, err, tt.err)
				}
				if !strings.HasPrefix(err.Error(), "auth: ") {
					t.Errorf("%s error %q lacks the package prefix", op, err)
				}
			})
		}
	}
}

func TestKeyringStoreMessagesSayWhatToDo(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{auth.ErrLocked, "unlock it (log in to your desktop session) and choose Retry"},
		{auth.ErrNoSecretService, "install gnome-keyring or KeePassXC"},
		{auth.ErrTimeout, "did not answer in time"},
		{auth.ErrNotFound, "sign in"},
	}
	for _, tt := range tests {
		if !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%q does not say %q", tt.err, tt.want)
		}
	}
}

func TestKeyringStoreTimeouts(t *testing.T) {
	kr := authtest.NewKeyring()
	st := auth.NewKeyringStore(testService, testUser, auth.WithKeyring(kr), auth.WithKeyringTimeouts(50*time.Millisecond, 80*time.Millisecond))
	ctx := context.Background()
	if err := st.Save(ctx, sampleSession()); err != nil {
		t.Fatalf("Save() error = %v", err)
	}
	kr.Block()
	t.Cleanup(func() { kr.Unblock(); kr.WaitIdle() })

	start := time.Now()
	if _, err := st.Load(ctx); !errors.Is(err, auth.ErrTimeout) || errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("Load() on a hanging keyring error = %v; want ErrTimeout (unknown, not empty)", err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("Load() returned after %v; want the 50ms bound", d)
	}
	// The first call still hangs: later calls time out without piling up
	// goroutines in the keyring.
	for range 5 {
		if err := st.Save(ctx, sampleSession()); !errors.Is(err, auth.ErrTimeout) {
			t.Fatalf("Save() while the keyring hangs error = %v; want ErrTimeout", err)
		}
		if err := st.Delete(ctx); !errors.Is(err, auth.ErrTimeout) {
			t.Fatalf("Delete() while the keyring hangs error = %v; want ErrTimeout", err)
		}
	}
	if n := kr.InFlight(); n != 1 {
		t.Errorf("keyring calls in flight = %d; want 1 (one at a time)", n)
	}
	if n := kr.Calls(authtest.OpSave) + kr.Calls(authtest.OpDelete); n != 1 {
		t.Errorf("keyring saves+deletes = %d; want 1 (the first Save only)", n)
	}

	kr.Unblock()
	kr.WaitIdle()
	// The hung call's goroutine gives the slot back once it returns; on a
	// loaded machine that may take longer than the 50ms bound, so retry.
	var got *auth.Session
	var err error
	waitFor(t, "Load() to work again after the keyring recovered", func() bool {
		got, err = st.Load(ctx)
		return !errors.Is(err, auth.ErrTimeout)
	})
	if err != nil || got.Email != "ada@example.com" {
		t.Errorf("Load() after the keyring recovered = %v, %v; want the session", got, err)
	}

	// A cancelled context is not a timeout. This store's bound is long, so
	// that a slow machine cannot turn the cancellation into a timeout.
	slow := auth.NewKeyringStore(testService, testUser, auth.WithKeyring(kr), auth.WithKeyringTimeouts(waitLong, waitLong))
	kr.Block()
	cctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { _, err := slow.Load(cctx); errc <- err }()
	waitFor(t, "the keyring call", func() bool { return kr.InFlight() == 1 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) || errors.Is(err, auth.ErrTimeout) {
		t.Errorf("Load() with a cancelled context error = %v; want context.Canceled", err)
	}
}

func TestKeyringStoreOneAtATime(t *testing.T) {
	kr := authtest.NewKeyring()
	st := auth.NewKeyringStore(testService, testUser, auth.WithKeyring(kr))
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			switch i % 3 {
			case 0:
				err = st.Save(ctx, sampleSession())
			case 1:
				_, err = st.Load(ctx)
			case 2:
				err = st.Delete(ctx)
			}
			if err != nil && !errors.Is(err, auth.ErrNotFound) {
				t.Errorf("concurrent call error = %v", err)
			}
		}()
	}
	wg.Wait()
	if n := kr.MaxInFlight(); n != 1 {
		t.Errorf("most keyring calls at once = %d; want 1", n)
	}
}

func TestKeyringStoreSizeLimits(t *testing.T) {
	big := sampleSession()
	big.RefreshToken = strings.Repeat("r", auth.MaxSecretBytes)
	for _, goos := range []string{"windows", "darwin", "linux"} {
		t.Run(goos, func(t *testing.T) {
			kr := authtest.NewKeyring(authtest.ForOS(goos))
			st := auth.NewKeyringStore(testService, testUser, auth.WithKeyring(kr))
			if err := st.Save(context.Background(), sampleSession()); err != nil {
				t.Errorf("Save(small session) on %s error = %v", goos, err)
			}
			if err := st.Save(context.Background(), big); !errors.Is(err, auth.ErrTooLarge) {
				t.Errorf("Save(%d-byte refresh token) on %s error = %v; want ErrTooLarge", len(big.RefreshToken), goos, err)
			}
		})
	}
	// The keyring's own refusal (go-keyring's ErrSetDataTooBig) maps too.
	kr := authtest.NewKeyring(authtest.WithSizeLimit(100))
	st := auth.NewKeyringStore(testService, testUser, auth.WithKeyring(kr))
	if err := st.Save(context.Background(), sampleSession()); !errors.Is(err, auth.ErrTooLarge) {
		t.Errorf("Save() over a 100-byte keyring limit error = %v; want ErrTooLarge", err)
	}
	// The fake Store applies the same limits.
	fs := authtest.NewStore(authtest.WithSizeLimit(100))
	if err := fs.Save(context.Background(), sampleSession()); !errors.Is(err, auth.ErrTooLarge) {
		t.Errorf("authtest.Store.Save() over its limit error = %v; want ErrTooLarge", err)
	}
}

// TestKeyringItemSizeWith8kTokens measures the stored item for a sign-in
// whose access and id tokens are about 8 kB each: only the refresh token
// and metadata are stored, far below Windows' 2560 bytes.
func TestKeyringItemSizeWith8kTokens(t *testing.T) {
	sim := startSim(t, auth0sim.Config{TokenPadding: 8 << 10})
	_, tok := signIn(t, sim, "a.rather.long.email.address+pieces-tray@example.com")
	if len(tok.AccessToken) < 8<<10 || len(tok.IDToken) < 8<<10 {
		t.Fatalf("tokens are %d and %d bytes; want at least 8 kB each", len(tok.AccessToken), len(tok.IDToken))
	}
	kr := authtest.NewKeyring(authtest.ForOS("windows"))
	st := auth.NewKeyringStore(testService, testUser, auth.WithKeyring(kr))
	sess := sessionOf(simConfig(sim.URL()), tok)
	if err := st.Save(context.Background(), sess); err != nil {
		t.Fatalf("Save() with 8 kB tokens error = %v", err)
	}
	secret, _ := kr.Secret(testService, testUser)
	t.Logf("stored keyring item: %d bytes (access token %d B, id token %d B, refresh token %d B)",
		len(secret), len(tok.AccessToken), len(tok.IDToken), len(tok.RefreshToken))
	if len(secret) > auth.MaxSecretBytes/4 {
		t.Errorf("stored item is %d bytes; want well under %d (at most a quarter)", len(secret), auth.MaxSecretBytes)
	}
	if strings.Contains(secret, tok.AccessToken) || strings.Contains(secret, tok.IDToken) {
		t.Error("the stored item contains the access or id token")
	}
	// And it fits go-keyring's macOS command line too.
	mac := authtest.NewKeyring(authtest.ForOS("darwin"))
	if err := auth.NewKeyringStore(testService, testUser, auth.WithKeyring(mac)).Save(context.Background(), sess); err != nil {
		t.Errorf("Save() on macOS limits error = %v", err)
	}
}

func TestFakeStoreBlocking(t *testing.T) {
	fs := authtest.NewStore()
	fs.Block()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := fs.Load(ctx); !errors.Is(err, auth.ErrTimeout) {
		t.Errorf("blocked fake Load() error = %v; want ErrTimeout", err)
	}
	fs.Unblock()
	if _, err := fs.Load(context.Background()); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("fake Load() error = %v; want ErrNotFound", err)
	}
	if fs.Calls(authtest.OpLoad) != 2 {
		t.Errorf("fake Calls(load) = %d; want 2", fs.Calls(authtest.OpLoad))
	}
}

func TestSessionDecodeDamaged(t *testing.T) {
	for _, in := range []string{"", "{", `{"v":2,"refresh_token":"x"}`, `{"v":1}`, "plain text"} {
		if _, err := auth.DecodeSession([]byte(in)); !errors.Is(err, auth.ErrNotFound) {
			t.Errorf("DecodeSession(%q) error = %v; want ErrNotFound (damaged)", in, err)
		}
	}
}
