//go:build windows

package auth_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"piecestray/auth"
)

// TestKeyringRealCredentialManager saves, loads and deletes sessions
// through the real Windows Credential Manager (go-keyring's wincred:
// CredWriteW, CredReadW, CredDeleteW; Wine implements them too), one of
// them as large as a stored item may be (MaxSecretBytes), and checks that
// go-keyring refuses one byte more, as the Windows fake in authtest does.
func TestKeyringRealCredentialManager(t *testing.T) {
	var rnd [6]byte
	rand.Read(rnd[:])
	service := "pieces-tray-test-" + hex.EncodeToString(rnd[:])
	t.Cleanup(func() { keyring.Delete(service, testUser) })
	st := auth.NewKeyringStore(service, testUser)
	ctx := context.Background()

	if _, err := st.Load(ctx); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("Load() of an item never saved error = %v; want ErrNotFound", err)
	}
	largest := sampleSession()
	b, err := auth.EncodeSession(largest)
	if err != nil {
		t.Fatal(err)
	}
	largest.RefreshToken += strings.Repeat("r", auth.MaxSecretBytes-len(b))
	if b, err := auth.EncodeSession(largest); err != nil || len(b) != auth.MaxSecretBytes {
		t.Fatalf("padded session encodes to %d bytes, %v; want %d", len(b), err, auth.MaxSecretBytes)
	}
	for _, tt := range []struct {
		name string
		sess *auth.Session
	}{{"sample", sampleSession()}, {"largest", largest}} {
		if err := st.Save(ctx, tt.sess); err != nil {
			t.Fatalf("Save(%s session) error = %v", tt.name, err)
		}
		got, err := st.Load(ctx)
		if err != nil {
			t.Fatalf("Load() after Save(%s session) error = %v", tt.name, err)
		}
		if *got != *tt.sess {
			t.Errorf("Load() after Save(%s session) = %+v; want %+v", tt.name, got, tt.sess)
		}
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
	if err := keyring.Set(service, testUser, strings.Repeat("x", auth.MaxSecretBytes+1)); !errors.Is(err, keyring.ErrSetDataTooBig) {
		t.Errorf("keyring.Set(%d bytes) error = %v; want ErrSetDataTooBig", auth.MaxSecretBytes+1, err)
	}
}
