//go:build !windows && !darwin

package auth_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"

	"piecestray/auth"
)

// testKeyringPassword is the login keyring's password in
// scripts/desktop-session.sh.
const testKeyringPassword = "pieces-tray-test"

const (
	secretsName = "org.freedesktop.secrets"
	secretsPath = dbus.ObjectPath("/org/freedesktop/secrets")
)

// The Secret Service (D-Bus) exists on Linux and the BSDs only: Windows
// has its own test (keyring_windows_test.go), macOS none yet.

// requireDesktop skips outside scripts/desktop-session.sh, with the
// reason, and fails instead under CI=true.
func requireDesktop(t *testing.T) {
	t.Helper()
	if os.Getenv("PIECES_TRAY_DESKTOP") == "1" {
		return
	}
	const why = "needs a real Secret Service: run under scripts/desktop-session.sh (PIECES_TRAY_DESKTOP=1)"
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but " + why)
	}
	t.Skip(why)
}

// TestKeyringRealSecretService saves, loads and deletes a real item through
// go-keyring and gnome-keyring, then locks the collections over D-Bus
// (org.freedesktop.Secret.Service.Lock, no prompt) and checks that Load
// reports ErrLocked, not "not found".
func TestKeyringRealSecretService(t *testing.T) {
	requireDesktop(t)
	// go-keyring talks over godbus' process-wide session bus connection,
	// which nothing closes; close it last so its goroutines end (goleak).
	t.Cleanup(func() {
		if bus, err := dbus.SessionBus(); err == nil {
			bus.Close()
		}
	})
	var rnd [6]byte
	rand.Read(rnd[:])
	service := "pieces-tray-test-" + hex.EncodeToString(rnd[:])
	st := auth.NewKeyringStore(service, "session")
	ctx := context.Background()

	if _, err := st.Load(ctx); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("Load() of a new item error = %v; want ErrNotFound", err)
	}
	want := sampleSession()
	if err := st.Save(ctx, want); err != nil {
		t.Fatalf("Save() error = %v", err)
	}
	t.Cleanup(func() { _ = st.Delete(context.Background()) })
	got, err := st.Load(ctx)
	if err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	if *got != *want {
		t.Errorf("Load() = %+v; want %+v", got, want)
	}
	if err := st.Delete(ctx); err != nil {
		t.Fatalf("Delete() error = %v", err)
	}
	if _, err := st.Load(ctx); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("Load() after Delete error = %v; want ErrNotFound", err)
	}
	if err := st.Save(ctx, want); err != nil {
		t.Fatalf("second Save() error = %v", err)
	}

	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatalf("connect to the session bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	svc := conn.Object(secretsName, secretsPath)
	v, err := svc.GetProperty("org.freedesktop.Secret.Service.Collections")
	if err != nil {
		t.Fatalf("read the collections: %v", err)
	}
	collections, ok := v.Value().([]dbus.ObjectPath)
	if !ok || len(collections) == 0 {
		t.Fatalf("collections = %v; want at least one", v)
	}
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	if err := svc.Call("org.freedesktop.Secret.Service.Lock", 0, collections).Store(&locked, &prompt); err != nil {
		t.Fatalf("Lock(%v): %v", collections, err)
	}
	if prompt != "/" {
		t.Fatalf("Lock asked for a prompt (%s); want none", prompt)
	}
	// Unlock again afterwards, so other tests in this desktop session find
	// the keyring as they expect.
	unlocked := false
	t.Cleanup(func() {
		if !unlocked {
			if err := unlockCollections(conn, collections); err != nil {
				t.Logf("could not unlock the keyring again: %v", err)
			}
		}
	})

	if _, err := st.Load(ctx); !errors.Is(err, auth.ErrLocked) || errors.Is(err, auth.ErrNotFound) {
		t.Errorf("Load() with the keyring locked error = %v; want ErrLocked (not ErrNotFound)", err)
	}
	if err := st.Save(ctx, want); !errors.Is(err, auth.ErrLocked) {
		t.Errorf("Save() with the keyring locked error = %v; want ErrLocked", err)
	}

	if err := unlockCollections(conn, collections); err != nil {
		t.Fatalf("unlock the keyring again: %v", err)
	}
	unlocked = true
	if got, err := st.Load(ctx); err != nil || *got != *want {
		t.Errorf("Load() after unlocking = %+v, %v; want the saved session", got, err)
	}
}

// unlockCollections unlocks with the known test password through
// gnome-keyring's internal interface (the public Unlock would need a
// prompt).
func unlockCollections(conn *dbus.Conn, collections []dbus.ObjectPath) error {
	svc := conn.Object(secretsName, secretsPath)
	var out dbus.Variant
	var session dbus.ObjectPath
	if err := svc.Call("org.freedesktop.Secret.Service.OpenSession", 0, "plain", dbus.MakeVariant("")).Store(&out, &session); err != nil {
		return fmt.Errorf("open session: %w", err)
	}
	defer conn.Object(secretsName, session).Call("org.freedesktop.Secret.Session.Close", 0)
	secret := struct {
		Session     dbus.ObjectPath
		Parameters  []byte
		Value       []byte
		ContentType string
	}{session, []byte{}, []byte(testKeyringPassword), "text/plain"}
	for _, c := range collections {
		if err := svc.Call("org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface.UnlockWithMasterPassword", 0, c, secret).Err; err != nil {
			return fmt.Errorf("unlock %s: %w", c, err)
		}
	}
	return nil
}

// TestKeyringNoSecretService runs go-keyring against a private D-Bus
// session bus on which nothing provides org.freedesktop.secrets (no service
// files, so no activation): the store must say ErrNoSecretService, not "not
// found" or "locked".
func TestKeyringNoSecretService(t *testing.T) {
	requireDesktop(t)
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Fatalf("dbus-daemon is missing: %v", err)
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "bus.conf")
	const config = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:dir=` + "%s" + `</listen>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>`
	if err := os.WriteFile(conf, fmt.Appendf(nil, config, dir), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(daemon, "--config-file="+conf, "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("read the bus address: %v", err)
	}
	// go-keyring uses godbus' shared session bus, which reads the address
	// when it connects; close it afterwards so the next user reconnects.
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", strings.TrimSpace(addr))
	t.Cleanup(func() {
		if bus, err := dbus.SessionBus(); err == nil {
			bus.Close()
		}
	})

	st := auth.NewKeyringStore("pieces-tray-test-none", "session")
	ctx := context.Background()
	_, loadErr := st.Load(ctx)
	saveErr := st.Save(ctx, sampleSession())
	for op, err := range map[string]error{"Load": loadErr, "Save": saveErr} {
		if !errors.Is(err, auth.ErrNoSecretService) || errors.Is(err, auth.ErrNotFound) || errors.Is(err, auth.ErrLocked) {
			t.Errorf("%s() without a Secret Service error = %v; want ErrNoSecretService", op, err)
		}
	}
	if u, ok := loadErr.(interface{ Unwrap() []error }); ok {
		t.Logf("Load() error: %v; wraps %q", loadErr, u.Unwrap())
	}
}
