package apiclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"piecestray/apiclient"
	"piecestray/internal/piecesos"
)

// The tests in this file drive the client against the Pieces OS simulator,
// which follows the same reference independently.

// userinfoServer is a minimal Auth0-compatible /userinfo: the access token
// "good:EMAIL" is accepted for EMAIL, anything else is rejected with 401.
func userinfoServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		email, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer good:")
		if r.URL.Path != "/userinfo" || !ok {
			http.Error(w, "invalid token", http.StatusUnauthorized)
			return
		}
		name, _, _ := strings.Cut(email, "@")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"sub": "auth0|" + name, "email": email, "email_verified": true,
			"name": strings.ToUpper(name[:1]) + name[1:], "nickname": name, "picture": "https://example.com/" + name + ".png",
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// startSim starts a simulator on an ephemeral port with cfg (Auth0URL is
// filled in) and returns it with a client for it.
func startSim(t *testing.T, cfg piecesos.Config) (*piecesos.Server, *apiclient.Client) {
	t.Helper()
	if cfg.Auth0URL == "" {
		cfg.Auth0URL = userinfoServer(t).URL
	}
	s := piecesos.New(cfg)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	c := apiclient.New(s.URL())
	t.Cleanup(func() {
		c.CloseIdleConnections()
		_ = s.Close()
	})
	return s, c
}

func token(email string) *apiclient.OAuthToken {
	return &apiclient.OAuthToken{AccessToken: "good:" + email, ExpiresIn: 3600, TokenType: "Bearer"}
}

func signIn(t *testing.T, c *apiclient.Client, email string) *apiclient.UserProfile {
	t.Helper()
	p, err := c.AuthenticateFromOAuthToken(context.Background(), token(email))
	if err != nil {
		t.Fatalf("AuthenticateFromOAuthToken(%s) = %v", email, err)
	}
	return p
}

func TestSimSignedOut(t *testing.T) {
	_, c := startSim(t, piecesos.Config{})
	ctx := context.Background()
	if r, err := c.UserSnapshot(ctx); err != nil || r.User != nil {
		t.Errorf("UserSnapshot() = %+v, %v; want no user", r, err)
	}
	if u, err := c.UsersSnapshot(ctx); err != nil || len(u.Iterable) != 0 {
		t.Errorf("UsersSnapshot() = %+v, %v; want no users", u, err)
	}
	vanity := &apiclient.UserProfile{ID: "u1", Aesthetics: &apiclient.Aesthetics{Theme: &apiclient.Theme{}, Font: &apiclient.Font{Size: 12}}, VanityName: "ada"}
	if _, err := c.UpdateVanity(ctx, vanity); !apiclient.IsNotSignedIn(err) {
		t.Errorf("UpdateVanity(signed out) = %v; want 511", err)
	}
	if _, err := c.UserBetaStatus(ctx, &apiclient.UserBetaStatus{User: "u1"}); !apiclient.IsNotSignedIn(err) {
		t.Errorf("UserBetaStatus(signed out) = %v; want 511", err)
	}
	if _, err := c.UserProviders(ctx); !apiclient.IsNotImplemented(err) ||
		!strings.Contains(err.Error(), "not available on a local Pieces OS") {
		t.Errorf("UserProviders() = %v; want 501", err)
	}
	if _, err := c.SpecificUserSnapshot(ctx, "00000000-0000-4000-8000-000000000000"); !apiclient.IsNotFound(err) || apiclient.IsCloudNotReady(err) {
		t.Errorf("SpecificUserSnapshot(unknown) = %v; want 404", err)
	}
	if _, err := c.DisconnectUser(ctx, "00000000-0000-4000-8000-000000000000"); !apiclient.IsNotFound(err) {
		t.Errorf("DisconnectUser(unknown) = %v; want 404", err)
	}
}

func TestSimSessionLifecycle(t *testing.T) {
	_, c := startSim(t, piecesos.Config{})
	ctx := context.Background()

	p := signIn(t, c, "ada@example.com")
	if p.ID == "" || p.Email != "ada@example.com" || p.Allocation == nil {
		t.Fatalf("signed-in profile = %+v; want ada with a personal cloud", p)
	}
	if again := signIn(t, c, "ada@example.com"); again.ID != p.ID {
		t.Errorf("second sign-in id = %q; want the stable %q", again.ID, p.ID)
	}
	if r, err := c.UserSnapshot(ctx); err != nil || r.User == nil || r.User.ID != p.ID {
		t.Errorf("UserSnapshot() = %+v, %v; want %s", r, err, p.ID)
	}
	if r, err := c.RefreshUser(ctx); err != nil || r.ID != p.ID {
		t.Errorf("RefreshUser() = %+v, %v; want %s", r, err, p.ID)
	}
	if r, err := c.SpecificUserSnapshot(ctx, p.ID); err != nil || r.Email != "ada@example.com" {
		t.Errorf("SpecificUserSnapshot(%s) = %+v, %v; want ada", p.ID, r, err)
	}

	p.Aesthetics.Theme.Dark = true
	p.Aesthetics.Font.Size = 16
	if r, err := c.UpdateUser(ctx, p); err != nil || !r.Aesthetics.Theme.Dark || r.Aesthetics.Font.Size != 16 {
		t.Errorf("UpdateUser(dark, 16) = %+v, %v; want the change applied", r, err)
	}

	grace := signIn(t, c, "grace@example.com")
	if r, err := c.SelectUser(ctx, &apiclient.Auth0User{Email: "ada@example.com"}); err != nil || r.ID != p.ID {
		t.Errorf("SelectUser(ada) = %+v, %v; want %s", r, err, p.ID)
	}
	if r, err := c.SelectUser(ctx, &apiclient.Auth0User{UserID: "auth0|linus", Email: "linus@example.com", Name: "Linus"}); err != nil || r.Name != "Linus" {
		t.Errorf("SelectUser(new) = %+v, %v; want a new user Linus", r, err)
	}
	users, err := c.UsersSnapshot(ctx)
	if err != nil || len(users.Iterable) != 3 {
		t.Fatalf("UsersSnapshot() = %+v, %v; want 3 users", users, err)
	}

	left, err := c.DisconnectUser(ctx, grace.ID)
	if err != nil {
		t.Fatalf("DisconnectUser(grace) = %v", err)
	}
	if slices.ContainsFunc(left.Iterable, func(u apiclient.UserProfile) bool { return u.ID == grace.ID }) || len(left.Iterable) != 2 {
		t.Errorf("DisconnectUser(grace) left %d users including grace; want 2 without her", len(left.Iterable))
	}
	if _, err := c.SpecificUserSnapshot(ctx, grace.ID); !apiclient.IsNotFound(err) {
		t.Errorf("SpecificUserSnapshot(disconnected) = %v; want 404", err)
	}

	if err := c.ClearUser(ctx); err != nil {
		t.Fatalf("ClearUser() = %v; want nil (204)", err)
	}
	if r, err := c.UserSnapshot(ctx); err != nil || r.User != nil {
		t.Errorf("UserSnapshot() after clear = %+v, %v; want no user", r.User, err)
	}
}

func TestSimTokenRejected(t *testing.T) {
	_, c := startSim(t, piecesos.Config{})
	_, err := c.AuthenticateFromOAuthToken(context.Background(), &apiclient.OAuthToken{AccessToken: "forged", ExpiresIn: 60, TokenType: "Bearer"})
	if !apiclient.IsUnauthorized(err) || !strings.Contains(err.Error(), "did not accept the sign-in token") {
		t.Errorf("AuthenticateFromOAuthToken(forged) = %v; want 401", err)
	}
}

// TestSimBadBodies: the simulator answers 400 to bodies that break the
// reference, and the client reports IsBadRequest.
func TestSimBadBodies(t *testing.T) {
	_, c := startSim(t, piecesos.Config{})
	ctx := context.Background()
	p := signIn(t, c, "ada@example.com")
	noAesthetics := *p
	noAesthetics.Aesthetics = nil
	badVanity := *p
	badVanity.VanityName = "-ada"
	tests := []struct {
		name string
		call func() error
	}{
		{"token_type", func() error {
			_, err := c.AuthenticateFromOAuthToken(ctx, &apiclient.OAuthToken{AccessToken: "good:ada@example.com", TokenType: "bearer"})
			return err
		}},
		{"negative expires_in", func() error {
			_, err := c.AuthenticateFromOAuthToken(ctx, &apiclient.OAuthToken{AccessToken: "good:ada@example.com", TokenType: "Bearer", ExpiresIn: -5})
			return err
		}},
		{"token without body", func() error { _, err := c.AuthenticateFromOAuthToken(ctx, nil); return err }},
		{"profile without aesthetics", func() error { _, err := c.UpdateUser(ctx, &noAesthetics); return err }},
		{"vanity not a DNS label", func() error { _, err := c.UpdateVanity(ctx, &badVanity); return err }},
		{"beta without user", func() error { _, err := c.UserBetaStatus(ctx, &apiclient.UserBetaStatus{}); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !apiclient.IsBadRequest(err) {
				t.Errorf("%s: error = %v; want 400", tt.name, err)
			}
		})
	}
}

func TestSimVanity(t *testing.T) {
	ctx := context.Background()
	t.Run("set", func(t *testing.T) {
		_, c := startSim(t, piecesos.Config{})
		p := signIn(t, c, "ada@example.com")
		p.VanityName = "Ada-Cloud"
		r, err := c.UpdateVanity(ctx, p)
		if err != nil {
			t.Fatalf("UpdateVanity(Ada-Cloud) = %v", err)
		}
		if r.VanityName != "ada-cloud" || r.Auth0.VanityName != "ada-cloud" ||
			r.Allocation.URLs.Vanity == nil || !strings.HasPrefix(r.Allocation.URLs.Vanity.URL, "ada-cloud.") {
			t.Errorf("UpdateVanity() = vanityname %q, auth0 %q, urls.vanity %+v; want ada-cloud everywhere",
				r.VanityName, r.Auth0.VanityName, r.Allocation.URLs.Vanity)
		}
	})
	t.Run("taken", func(t *testing.T) {
		_, c := startSim(t, piecesos.Config{TakenVanity: []string{"taken"}})
		p := signIn(t, c, "ada@example.com")
		p.VanityName = "Taken"
		_, err := c.UpdateVanity(ctx, p)
		if !apiclient.IsVanityTaken(err) || !strings.Contains(err.Error(), "that vanity name is already taken") {
			t.Errorf("UpdateVanity(taken) = %v; want 409", err)
		}
	})
	t.Run("cloud not ready", func(t *testing.T) {
		_, c := startSim(t, piecesos.Config{CloudReadyDelay: time.Hour})
		p := signIn(t, c, "ada@example.com")
		p.VanityName = "ada"
		_, err := c.UpdateVanity(ctx, p)
		if !apiclient.IsCloudNotReady(err) || !strings.Contains(err.Error(), "DNS record for your personal cloud is not ready yet") {
			t.Errorf("UpdateVanity(cloud not ready) = %v; want 404 DNS record", err)
		}
	})
	t.Run("server error", func(t *testing.T) {
		s, c := startSim(t, piecesos.Config{})
		p := signIn(t, c, "ada@example.com")
		p.VanityName = "ada"
		s.FailNext(1, http.StatusInternalServerError)
		if _, err := c.UpdateVanity(ctx, p); !apiclient.IsServerError(err) {
			t.Errorf("UpdateVanity(500) = %v; want a server error", err)
		}
	})
}

func TestSimBeta(t *testing.T) {
	_, c := startSim(t, piecesos.Config{})
	ctx := context.Background()
	p := signIn(t, c, "ada@example.com")
	yes := true
	in := &apiclient.UserBetaStatus{User: p.ID, Auth0: &apiclient.Auth0UserBetaStatus{
		Vision: &apiclient.AnonymousTemporalRange{Continuous: &yes, From: &apiclient.GroupedTimestamp{Value: time.Now().UTC()}},
	}}
	out, err := c.UserBetaStatus(ctx, in)
	if err != nil || out.User != p.ID {
		t.Fatalf("UserBetaStatus(opt in) = %+v, %v", out, err)
	}
	r, err := c.UserSnapshot(ctx)
	if err != nil || r.User.Auth0 == nil || r.User.Auth0.Beta == nil || r.User.Auth0.Beta.Continuous == nil || !*r.User.Auth0.Beta.Continuous {
		t.Errorf("after opt-in auth0.beta = %+v, %v; want continuous", r.User.Auth0, err)
	}
	out2, err := c.UserBetaStatus(ctx, &apiclient.UserBetaStatus{User: p.ID, Auth0: &apiclient.Auth0UserBetaStatus{
		Vision: &apiclient.AnonymousTemporalRange{To: &apiclient.GroupedTimestamp{Value: time.Now().UTC()}},
	}})
	if err != nil || out2.User != p.ID {
		t.Errorf("UserBetaStatus(opt out) = %+v, %v", out2, err)
	}
}

func TestSimInjectedFailures(t *testing.T) {
	s, c := startSim(t, piecesos.Config{})
	ctx := context.Background()
	s.FailNext(1, http.StatusInternalServerError)
	if _, err := c.UserSnapshot(ctx); !apiclient.IsServerError(err) {
		t.Errorf("UserSnapshot(500) = %v; want a server error", err)
	}
	s.FailNext(1, http.StatusInternalServerError)
	if _, err := c.RefreshUser(ctx); !apiclient.IsServerError(err) {
		t.Errorf("RefreshUser(500) = %v; want a server error", err)
	}
	s.FailNext(1, http.StatusInternalServerError)
	if _, err := c.UserProviders(ctx); !apiclient.IsServerError(err) {
		t.Errorf("UserProviders(500) = %v; want a server error", err)
	}
	s.FailNext(1, http.StatusInternalServerError)
	if _, err := c.UserBetaStatus(ctx, &apiclient.UserBetaStatus{User: "u"}); !apiclient.IsServerError(err) {
		t.Errorf("UserBetaStatus(500) = %v; want a server error", err)
	}
	if _, err := c.UserSnapshot(ctx); err != nil {
		t.Errorf("UserSnapshot() after the failures = %v; want nil", err)
	}

	s.SetLatency(time.Minute)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := c.UserSnapshot(short); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, apiclient.ErrNotRunning) {
		t.Errorf("UserSnapshot(slow) = %v; want DeadlineExceeded", err)
	}
	s.SetLatency(0)
}

func TestSimHealthVersionStopRestart(t *testing.T) {
	s, c := startSim(t, piecesos.Config{Version: "12.4.1"})
	ctx := context.Background()
	if got, err := c.Health(ctx); err != nil || got == "" {
		t.Errorf("Health() = %q, %v; want a body", got, err)
	}
	if err := c.HealthHead(ctx); err != nil {
		t.Errorf("HealthHead() = %v", err)
	}
	if got, err := c.Version(ctx); err != nil || got != "12.4.1" {
		t.Errorf("Version() = %q, %v; want 12.4.1", got, err)
	}

	d := apiclient.Discovery{Ports: append(freePorts(t, 5), portOf(t, s.URL())), LegacyPorts: []int{}, ProbeTimeout: loadedProbeTimeout}
	if got, err := d.Find(ctx); err != nil || got != s.URL() {
		t.Errorf("Find() = %q, %v; want the simulator %q", got, err, s.URL())
	}

	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	_, err := c.UserSnapshot(ctx)
	var nr *apiclient.NotRunningError
	if !errors.As(err, &nr) || err.Error() != "Pieces OS is not running at "+s.URL() {
		t.Errorf("UserSnapshot(stopped) = %v; want not running at %s", err, s.URL())
	}
	if _, err := d.Find(ctx); !errors.Is(err, apiclient.ErrNotRunning) {
		t.Errorf("Find(stopped) = %v; want ErrNotRunning", err)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UserSnapshot(ctx); err != nil {
		t.Errorf("UserSnapshot(restarted) = %v; want nil", err)
	}
}
