package apiclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"piecestray/apiclient"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recorded is one request the fake server saw.
type recorded struct {
	method, path, contentType, accept, authorization string
	body                                             []byte
}

// fakeOS is an httptest server answering every request with the next
// configured reply and recording what it received.
type fakeOS struct {
	srv *httptest.Server

	mu     sync.Mutex
	status int
	reply  []byte
	reqs   []recorded
}

func newFakeOS(t *testing.T) (*fakeOS, *apiclient.Client) {
	t.Helper()
	f := &fakeOS{status: http.StatusOK}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	c := apiclient.New(f.srv.URL + "/")
	t.Cleanup(func() {
		c.CloseIdleConnections()
		f.srv.Close()
	})
	return f, c
}

func (f *fakeOS) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, recorded{r.Method, r.URL.EscapedPath(), r.Header.Get("Content-Type"), r.Header.Get("Accept"), r.Header.Get("Authorization"), body})
	status, reply := f.status, f.reply
	f.mu.Unlock()
	if len(reply) > 0 {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(reply)
}

func (f *fakeOS) answer(status int, reply []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.reply = status, reply
}

func (f *fakeOS) last(t *testing.T) recorded {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) == 0 {
		t.Fatal("the server saw no request")
	}
	return f.reqs[len(f.reqs)-1]
}

func jsonEqual(t *testing.T, got []byte, want string) bool {
	t.Helper()
	if want == "" {
		return len(got) == 0
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Errorf("request body %q is not JSON: %v", got, err)
		return false
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(g, w)
}

// TestEndpoints calls every endpoint once against a fake and checks the
// request (method, path, headers, body) and the decoded answer.
func TestEndpoints(t *testing.T) {
	ctx := context.Background()
	profile := fixture(t, "profile_full.json")
	minimal := `{"id":"0a1b2c3d-0000-4000-8000-000000000001","aesthetics":{"theme":{"dark":false},"font":{"size":12}}}`
	vanityBody := &apiclient.UserProfile{
		ID:         "u1",
		Aesthetics: &apiclient.Aesthetics{Theme: &apiclient.Theme{}, Font: &apiclient.Font{Size: 12}},
		VanityName: "ada",
	}
	tests := []struct {
		name   string
		call   func(c *apiclient.Client) (any, error)
		method string
		path   string
		sent   string // JSON the request must carry; "" = no body
		status int
		reply  []byte
		wantID string // id of the returned profile (or first user); "" = none
	}{
		{"user_snapshot", func(c *apiclient.Client) (any, error) { return c.UserSnapshot(ctx) },
			"GET", "/user", "", 200, fixture(t, "returned_user.json"), "5f1c0b8e-2d4a-4c3e-9b6f-1a2b3c4d5e6f"},
		{"user_snapshot signed out", func(c *apiclient.Client) (any, error) { return c.UserSnapshot(ctx) },
			"GET", "/user", "", 200, fixture(t, "returned_empty.json"), ""},
		{"user_snapshot null user", func(c *apiclient.Client) (any, error) { return c.UserSnapshot(ctx) },
			"GET", "/user", "", 200, []byte(`{"user":null}`), ""},
		{"clear_user", func(c *apiclient.Client) (any, error) { return nil, c.ClearUser(ctx) },
			"POST", "/user/clear", "", 204, nil, ""},
		{"refresh_user", func(c *apiclient.Client) (any, error) { return c.RefreshUser(ctx) },
			"GET", "/user/refresh", "", 200, profile, "5f1c0b8e-2d4a-4c3e-9b6f-1a2b3c4d5e6f"},
		{"select_user", func(c *apiclient.Client) (any, error) {
			return c.SelectUser(ctx, &apiclient.Auth0User{Email: "ada@example.com", UserID: "github|1815"})
		}, "POST", "/user/select", `{"email":"ada@example.com","user_id":"github|1815"}`, 200, []byte(minimal), "0a1b2c3d-0000-4000-8000-000000000001"},
		{"select_user without body", func(c *apiclient.Client) (any, error) { return c.SelectUser(ctx, nil) },
			"POST", "/user/select", "", 200, []byte(minimal), "0a1b2c3d-0000-4000-8000-000000000001"},
		{"update_user", func(c *apiclient.Client) (any, error) {
			p, err := apiclient.DecodeProfile([]byte(minimal))
			if err != nil {
				return nil, err
			}
			p.Aesthetics.Theme.Dark = true
			return c.UpdateUser(ctx, p)
		}, "POST", "/user/update", `{"id":"0a1b2c3d-0000-4000-8000-000000000001","aesthetics":{"theme":{"dark":true},"font":{"size":12}}}`,
			200, []byte(minimal), "0a1b2c3d-0000-4000-8000-000000000001"},
		{"user_beta_status", func(c *apiclient.Client) (any, error) {
			yes := true
			return c.UserBetaStatus(ctx, &apiclient.UserBetaStatus{User: "u1", Auth0: &apiclient.Auth0UserBetaStatus{
				Vision: &apiclient.AnonymousTemporalRange{Continuous: &yes,
					From: &apiclient.GroupedTimestamp{Value: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)}}}})
		}, "POST", "/user/beta/status", `{"user":"u1","auth0":{"vision":{"continuous":true,"from":{"value":"2025-01-01T12:00:00Z"}}}}`,
			200, fixture(t, "user_beta_status.json"), ""},
		{"user_providers", func(c *apiclient.Client) (any, error) { return c.UserProviders(ctx) },
			"GET", "/user/providers", "", 200, fixture(t, "returned_user.json"), "5f1c0b8e-2d4a-4c3e-9b6f-1a2b3c4d5e6f"},
		{"user_update_vanity", func(c *apiclient.Client) (any, error) { return c.UpdateVanity(ctx, vanityBody) },
			"POST", "/user/update/vanity", `{"id":"u1","aesthetics":{"theme":{"dark":false},"font":{"size":12}},"vanityname":"ada"}`,
			200, profile, "5f1c0b8e-2d4a-4c3e-9b6f-1a2b3c4d5e6f"},
		{"authenticate_from_oauth_token", func(c *apiclient.Client) (any, error) {
			return c.AuthenticateFromOAuthToken(ctx, &apiclient.OAuthToken{AccessToken: "at", ExpiresIn: 3600, TokenType: "Bearer"})
		}, "POST", "/users/authenticate/from_token", `{"access_token":"at","expires_in":3600,"token_type":"Bearer"}`,
			200, profile, "5f1c0b8e-2d4a-4c3e-9b6f-1a2b3c4d5e6f"},
		{"sign_into_os", func(c *apiclient.Client) (any, error) { return c.SignIntoOS(ctx) },
			"POST", "/os/sign_in", "", 200, profile, "5f1c0b8e-2d4a-4c3e-9b6f-1a2b3c4d5e6f"},
		{"sign_out_of_os", func(c *apiclient.Client) (any, error) { return c.SignOutOfOS(ctx) },
			"POST", "/os/sign_out", "", 200, fixture(t, "users.json"), "5f1c0b8e-2d4a-4c3e-9b6f-1a2b3c4d5e6f"},
		{"users_disconnect_user", func(c *apiclient.Client) (any, error) { return c.DisconnectUser(ctx, "u 1/x") },
			"POST", "/users/u%201%2Fx/disconnect", "", 200, fixture(t, "users.json"), "5f1c0b8e-2d4a-4c3e-9b6f-1a2b3c4d5e6f"},
		{"users_snapshot", func(c *apiclient.Client) (any, error) { return c.UsersSnapshot(ctx) },
			"GET", "/users", "", 200, fixture(t, "users.json"), "5f1c0b8e-2d4a-4c3e-9b6f-1a2b3c4d5e6f"},
		{"users_snapshot empty", func(c *apiclient.Client) (any, error) { return c.UsersSnapshot(ctx) },
			"GET", "/users", "", 200, []byte(`{"iterable":[]}`), ""},
		{"users_specific_user_snapshot", func(c *apiclient.Client) (any, error) {
			return c.SpecificUserSnapshot(ctx, "5f1c0b8e-2d4a-4c3e-9b6f-1a2b3c4d5e6f")
		}, "GET", "/users/5f1c0b8e-2d4a-4c3e-9b6f-1a2b3c4d5e6f", "", 200, profile, "5f1c0b8e-2d4a-4c3e-9b6f-1a2b3c4d5e6f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFakeOS(t)
			f.answer(tt.status, tt.reply)
			got, err := tt.call(c)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			r := f.last(t)
			if r.method != tt.method || r.path != tt.path {
				t.Errorf("request = %s %s; want %s %s", r.method, r.path, tt.method, tt.path)
			}
			if !jsonEqual(t, r.body, tt.sent) {
				t.Errorf("request body = %s; want %s", r.body, tt.sent)
			}
			if ct := r.contentType; (tt.sent != "") != (ct == "application/json") {
				t.Errorf("Content-Type = %q with body %q", ct, tt.sent)
			}
			if tt.status == 200 && !strings.Contains(r.accept, "json") {
				t.Errorf("Accept = %q; want JSON", r.accept)
			}
			wantAuth := ""
			if tt.name == "authenticate_from_oauth_token" {
				wantAuth = "Bearer at" // the endpoint's auth0 security scheme
			}
			if r.authorization != wantAuth {
				t.Errorf("Authorization = %q; want %q", r.authorization, wantAuth)
			}
			if id := idOf(got); id != tt.wantID {
				t.Errorf("%s returned user %q (%#v); want %q", tt.name, id, got, tt.wantID)
			}
		})
	}
}

// idOf returns the id of the profile in a result.
func idOf(v any) string {
	switch r := v.(type) {
	case *apiclient.UserProfile:
		return r.ID
	case *apiclient.ReturnedUserProfile:
		if r.User != nil {
			return r.User.ID
		}
	case *apiclient.Users:
		if len(r.Iterable) > 0 {
			return r.Iterable[0].ID
		}
	}
	return ""
}

func TestBetaStatusResult(t *testing.T) {
	f, c := newFakeOS(t)
	f.answer(200, fixture(t, "user_beta_status.json"))
	got, err := c.UserBetaStatus(context.Background(), &apiclient.UserBetaStatus{User: "u"})
	if err != nil {
		t.Fatal(err)
	}
	if got.User != "5f1c0b8e-2d4a-4c3e-9b6f-1a2b3c4d5e6f" || got.Auth0 == nil || got.Auth0.Vision == nil ||
		got.Auth0.Vision.Continuous == nil || !*got.Auth0.Vision.Continuous || got.Descope.Vision.To == nil {
		t.Errorf("UserBetaStatus() = %+v; want the fixture's windows", got)
	}
}

func TestHealthAndVersion(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/health":
			if r.Method == http.MethodHead {
				w.WriteHeader(200)
				return
			}
			_, _ = io.WriteString(w, "ok:6a1f0d2c-8f4e-4b57-9c3a-2e1d0c9b8a7f\n")
		case "/.well-known/version":
			_, _ = io.WriteString(w, "12.3.0")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := apiclient.New(srv.URL)
	defer c.CloseIdleConnections()
	ctx := context.Background()
	if got, err := c.Health(ctx); err != nil || got != "ok:6a1f0d2c-8f4e-4b57-9c3a-2e1d0c9b8a7f" {
		t.Errorf("Health() = %q, %v; want the trimmed body", got, err)
	}
	if err := c.HealthHead(ctx); err != nil {
		t.Errorf("HealthHead() = %v; want nil", err)
	}
	if got, err := c.Version(ctx); err != nil || got != "12.3.0" {
		t.Errorf("Version() = %q, %v; want 12.3.0", got, err)
	}
	if c.BaseURL() != srv.URL {
		t.Errorf("BaseURL() = %q; want %q", c.BaseURL(), srv.URL)
	}

	f, c2 := newFakeOS(t)
	f.answer(503, []byte("starting"))
	if _, err := c2.Health(ctx); !apiclient.IsServerError(err) {
		t.Errorf("Health() on 503 = %v; want a server error", err)
	}
	if err := c2.HealthHead(ctx); !apiclient.IsServerError(err) {
		t.Errorf("HealthHead() on 503 = %v; want a server error", err)
	}
}

// TestDocumentedStatuses drives every documented failure status through
// the client and checks the error type, operation, predicate and message.
func TestDocumentedStatuses(t *testing.T) {
	ctx := context.Background()
	p := &apiclient.UserProfile{ID: "u", VanityName: "ada"}
	tests := []struct {
		name string
		call func(c *apiclient.Client) error
		code int
		op   string
		is   func(error) bool
		msg  string
	}{
		{"providers 501", func(c *apiclient.Client) error { _, err := c.UserProviders(ctx); return err },
			501, "user_providers", apiclient.IsNotImplemented, "not available on a local Pieces OS"},
		{"providers 500", func(c *apiclient.Client) error { _, err := c.UserProviders(ctx); return err },
			500, "user_providers", apiclient.IsServerError, "internal error"},
		{"vanity 511", func(c *apiclient.Client) error { _, err := c.UpdateVanity(ctx, p); return err },
			511, "user_update_vanity", apiclient.IsNotSignedIn, "you are not signed in to Pieces OS (or not connected to your personal cloud)"},
		{"vanity 409", func(c *apiclient.Client) error { _, err := c.UpdateVanity(ctx, p); return err },
			409, "user_update_vanity", apiclient.IsVanityTaken, "that vanity name is already taken"},
		{"vanity 404", func(c *apiclient.Client) error { _, err := c.UpdateVanity(ctx, p); return err },
			404, "user_update_vanity", apiclient.IsCloudNotReady, "the DNS record for your personal cloud is not ready yet"},
		{"vanity 500", func(c *apiclient.Client) error { _, err := c.UpdateVanity(ctx, p); return err },
			500, "user_update_vanity", apiclient.IsServerError, "could not create the vanity name"},
		{"beta 511", func(c *apiclient.Client) error {
			_, err := c.UserBetaStatus(ctx, &apiclient.UserBetaStatus{User: "u"})
			return err
		}, 511, "user_beta_status", apiclient.IsNotSignedIn, "signed in to Pieces OS"},
		{"beta 500", func(c *apiclient.Client) error {
			_, err := c.UserBetaStatus(ctx, &apiclient.UserBetaStatus{User: "u"})
			return err
		}, 500, "user_beta_status", apiclient.IsServerError, "internal error"},
		{"refresh 500", func(c *apiclient.Client) error { _, err := c.RefreshUser(ctx); return err },
			500, "refresh_user", apiclient.IsServerError, "internal error"},
		{"unknown user 404", func(c *apiclient.Client) error { _, err := c.SpecificUserSnapshot(ctx, "nobody"); return err },
			404, "users_specific_user_snapshot", apiclient.IsNotFound, "does not know that user"},
		{"disconnect unknown 404", func(c *apiclient.Client) error { _, err := c.DisconnectUser(ctx, "nobody"); return err },
			404, "users_disconnect_user", apiclient.IsNotFound, "does not know that user"},
		{"update 400", func(c *apiclient.Client) error { _, err := c.UpdateUser(ctx, p); return err },
			400, "update_user", apiclient.IsBadRequest, "rejected the request as malformed"},
		{"from_token 400", func(c *apiclient.Client) error {
			_, err := c.AuthenticateFromOAuthToken(ctx, &apiclient.OAuthToken{AccessToken: "x", TokenType: "bearer"})
			return err
		}, 400, "authenticate_from_oauth_token", apiclient.IsBadRequest, "malformed"},
		{"from_token 401", func(c *apiclient.Client) error {
			_, err := c.AuthenticateFromOAuthToken(ctx, &apiclient.OAuthToken{AccessToken: "x", TokenType: "Bearer"})
			return err
		}, 401, "authenticate_from_oauth_token", apiclient.IsUnauthorized, "did not accept the sign-in token"},
		{"sign_in 500", func(c *apiclient.Client) error { _, err := c.SignIntoOS(ctx); return err },
			500, "sign_into_os", apiclient.IsServerError, "could not sign you in"},
		{"sign_in 504", func(c *apiclient.Client) error { _, err := c.SignIntoOS(ctx); return err },
			504, "sign_into_os", apiclient.IsServerError, "stopped waiting for the sign-in"},
		{"sign_out 500", func(c *apiclient.Client) error { _, err := c.SignOutOfOS(ctx); return err },
			500, "sign_out_of_os", apiclient.IsServerError, "internal error"},
		{"clear 500", func(c *apiclient.Client) error { return c.ClearUser(ctx) },
			500, "clear_user", apiclient.IsServerError, "internal error"},
		{"snapshot 500", func(c *apiclient.Client) error { _, err := c.UserSnapshot(ctx); return err },
			500, "user_snapshot", apiclient.IsServerError, "internal error"},
		{"users 500", func(c *apiclient.Client) error { _, err := c.UsersSnapshot(ctx); return err },
			500, "users_snapshot", apiclient.IsServerError, "internal error"},
		{"select 500", func(c *apiclient.Client) error { _, err := c.SelectUser(ctx, nil); return err },
			500, "select_user", apiclient.IsServerError, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFakeOS(t)
			f.answer(tt.code, []byte("server says no"))
			err := tt.call(c)
			var se *apiclient.StatusError
			if !errors.As(err, &se) {
				t.Fatalf("error = %v (%T); want *StatusError", err, err)
			}
			wantBody := "server says no"
			if tt.op == apiclient.OpAuthenticateFromToken {
				wantBody = "" // that request carried a token: its answer is not kept
			}
			if se.Op != tt.op || se.StatusCode != tt.code || se.Body != wantBody {
				t.Errorf("StatusError = %+v; want Op %q, code %d, body %q", se, tt.op, tt.code, wantBody)
			}
			if !tt.is(err) {
				t.Errorf("predicate for %d is false for %v", tt.code, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q does not contain %q", err, tt.msg)
			}
		})
	}
}

func TestErrorBodyTruncated(t *testing.T) {
	f, c := newFakeOS(t)
	long := strings.Repeat("é", 2000) // 4000 bytes, 2-byte characters
	f.answer(500, []byte(long))
	_, err := c.RefreshUser(context.Background())
	var se *apiclient.StatusError
	if !errors.As(err, &se) {
		t.Fatalf("RefreshUser() = %v; want *StatusError", err)
	}
	if len(se.Body) > 512 || len(se.Body) < 500 || !strings.HasPrefix(long, se.Body) {
		t.Errorf("Body has %d bytes; want the first ≤512 bytes of valid UTF-8", len(se.Body))
	}
}

// TestInvalidResponses: answers that do not match the models are errors
// with context, never zero values.
func TestInvalidResponses(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		reply string
		call  func(c *apiclient.Client) (any, error)
		want  string
	}{
		{"profile without id", `{"aesthetics":{"theme":{"dark":false},"font":{"size":1}}}`,
			func(c *apiclient.Client) (any, error) { return c.RefreshUser(ctx) }, `refresh_user: UserProfile is missing required field "id"`},
		{"returned user without aesthetics", `{"user":{"id":"u"}}`,
			func(c *apiclient.Client) (any, error) { return c.UserSnapshot(ctx) }, `user_snapshot: ReturnedUserProfile is missing required field "user.aesthetics"`},
		{"users item without id", `{"iterable":[{"aesthetics":{"theme":{"dark":false},"font":{"size":1}}}]}`,
			func(c *apiclient.Client) (any, error) { return c.UsersSnapshot(ctx) }, `users_snapshot: Users is missing required field "iterable[0].id"`},
		{"beta without user", `{"auth0":{}}`,
			func(c *apiclient.Client) (any, error) {
				return c.UserBetaStatus(ctx, &apiclient.UserBetaStatus{User: "u"})
			}, `user_beta_status: UserBetaStatus is missing required field "user"`},
		{"not JSON", `<html>hello</html>`,
			func(c *apiclient.Client) (any, error) { return c.UpdateUser(ctx, nil) }, `update_user: decode UserProfile`},
		{"number", `42`,
			func(c *apiclient.Client) (any, error) { return c.RefreshUser(ctx) }, `refresh_user: decode UserProfile: want a JSON object, got a number`},
		{"boolean user", `{"user":true}`,
			func(c *apiclient.Client) (any, error) { return c.UserSnapshot(ctx) }, `user_snapshot: decode ReturnedUserProfile: "user" must be an object, not a boolean`},
		{"empty 200", ``,
			func(c *apiclient.Client) (any, error) { return c.SelectUser(ctx, nil) }, `select_user: decode UserProfile: empty body`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFakeOS(t)
			f.answer(200, []byte(tt.reply))
			got, err := tt.call(c)
			if err == nil || err.Error() != "apiclient: "+tt.want && !strings.HasPrefix(err.Error(), "apiclient: "+tt.want) {
				t.Errorf("result %v, error %v; want error starting %q", got, err, "apiclient: "+tt.want)
			}
			if !reflect.ValueOf(got).IsNil() {
				t.Errorf("result = %#v; want nil with an error", got)
			}
			var mf *apiclient.MissingFieldError
			if strings.Contains(tt.want, "missing required field") && !errors.As(err, &mf) {
				t.Errorf("errors.As(%v, *MissingFieldError) = false; want true", err)
			}
			// A profile this version cannot read; other models and bodies
			// that are not JSON are plain errors.
			unreadable := !strings.HasPrefix(tt.name, "beta") && tt.name != "not JSON" && tt.name != "empty 200"
			if got := errors.Is(err, apiclient.ErrUnreadableProfile); got != unreadable {
				t.Errorf("errors.Is(%v, ErrUnreadableProfile) = %v; want %v", err, got, unreadable)
			}
		})
	}
}

func TestResponseSizeLimit(t *testing.T) {
	f, c := newFakeOS(t)
	big := `{"id":"u","aesthetics":{"theme":{"dark":false},"font":{"size":1}},"name":"` + strings.Repeat("x", 4<<20) + `"}`
	f.answer(200, []byte(big))
	if _, err := c.RefreshUser(context.Background()); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("RefreshUser(5 MiB answer) = %v; want a size error", err)
	}
}

func TestEmptyUserID(t *testing.T) {
	c := apiclient.New("http://127.0.0.1:1")
	if _, err := c.SpecificUserSnapshot(context.Background(), ""); err == nil {
		t.Error("SpecificUserSnapshot(\"\") = nil error; want an error")
	}
	if _, err := c.DisconnectUser(context.Background(), ""); err == nil {
		t.Error("DisconnectUser(\"\") = nil error; want an error")
	}
}

// closedURL returns the URL of a loopback port that refuses connections.
func closedURL(t testing.TB) string {
	t.Helper()
	return baseOf(freePorts(t, 1)[0])
}

func TestTransportFailures(t *testing.T) {
	ctx := context.Background()
	t.Run("refused", func(t *testing.T) {
		base := closedURL(t)
		_, err := apiclient.New(base).UserSnapshot(ctx)
		var nr *apiclient.NotRunningError
		if !errors.As(err, &nr) || !errors.Is(err, apiclient.ErrNotRunning) {
			t.Fatalf("UserSnapshot() = %v; want *NotRunningError", err)
		}
		if want := "Pieces OS is not running at " + base; err.Error() != want {
			t.Errorf("message = %q; want %q", err, want)
		}
	})
	t.Run("reset", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // RST instead of FIN
			}
			conn.Close()
		}))
		defer srv.Close()
		c := apiclient.New(srv.URL)
		defer c.CloseIdleConnections()
		if _, err := c.RefreshUser(ctx); !errors.Is(err, apiclient.ErrNotRunning) {
			t.Errorf("RefreshUser() on a reset connection = %v; want ErrNotRunning", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		block := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-block:
			}
		}))
		defer srv.Close()
		defer close(block)
		c := apiclient.New(srv.URL)
		defer c.CloseIdleConnections()
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { _, err := c.UserSnapshot(cctx); done <- err }()
		cancel()
		err := <-done
		if !errors.Is(err, context.Canceled) || errors.Is(err, apiclient.ErrNotRunning) {
			t.Errorf("UserSnapshot(cancelled) = %v; want context.Canceled, not ErrNotRunning", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		block := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-block:
			}
		}))
		defer srv.Close()
		defer close(block)
		c := apiclient.New(srv.URL, apiclient.WithTimeout(50*time.Millisecond))
		defer c.CloseIdleConnections()
		_, err := c.UserSnapshot(ctx)
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "did not answer in time") {
			t.Errorf("UserSnapshot(stalled server) = %v; want a deadline error", err)
		}
	})
}

// deadlineRecorder is a RoundTripper that records the deadline of each
// request's context and answers 200 with an empty profile wrapper.
type deadlineRecorder struct {
	mu        sync.Mutex
	deadlines map[string]time.Duration
}

func (d *deadlineRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	left := time.Duration(-1)
	if dl, ok := r.Context().Deadline(); ok {
		left = time.Until(dl)
	}
	d.mu.Lock()
	d.deadlines[r.URL.Path] = left
	d.mu.Unlock()
	body := `{}`
	if strings.HasPrefix(r.URL.Path, "/users/") || strings.HasPrefix(r.URL.Path, "/.well-known") {
		body = `{"id":"u","aesthetics":{"theme":{"dark":false},"font":{"size":1}}}`
	}
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(body)), Header: http.Header{}, Request: r}, nil
}

func TestDefaultTimeouts(t *testing.T) {
	rec := &deadlineRecorder{deadlines: map[string]time.Duration{}}
	c := apiclient.New("http://pieces.invalid", apiclient.WithHTTPClient(&http.Client{Transport: rec}))
	ctx := context.Background()
	_, _ = c.UserSnapshot(ctx)
	_, _ = c.Health(ctx)
	_, _ = c.AuthenticateFromOAuthToken(ctx, &apiclient.OAuthToken{AccessToken: "a", TokenType: "Bearer"})
	_, _ = c.SignIntoOS(ctx)
	dctx, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	_, _ = c.UsersSnapshot(dctx)
	tests := []struct {
		path     string
		min, max time.Duration
	}{
		// Wide lower bounds: the machine running the tests may be loaded.
		{"/user", 5 * time.Second, 10 * time.Second},
		{"/.well-known/health", 500 * time.Millisecond, 2 * time.Second},
		{"/users/authenticate/from_token", 25 * time.Second, 30 * time.Second},
		{"/os/sign_in", 4 * time.Minute, 5 * time.Minute}, // Pieces OS waits for the browser
		{"/users", 55 * time.Minute, time.Hour},           // the caller's deadline is kept
	}
	for _, tt := range tests {
		got := rec.deadlines[tt.path]
		if got < tt.min || got > tt.max {
			t.Errorf("deadline of %s = %v; want between %v and %v", tt.path, got, tt.min, tt.max)
		}
	}
}

// TestOmitsAbsentOptionals: a request body carries only the fields that are
// set, never null for an absent optional.
func TestOmitsAbsentOptionals(t *testing.T) {
	f, c := newFakeOS(t)
	f.answer(200, fixture(t, "profile_minimal.json"))
	_, err := c.AuthenticateFromOAuthToken(context.Background(), &apiclient.OAuthToken{AccessToken: "a", ExpiresIn: 0, TokenType: "Bearer"})
	if err != nil {
		t.Fatal(err)
	}
	body := string(f.last(t).body)
	if strings.Contains(body, "null") || strings.Contains(body, "refresh_token") || !strings.Contains(body, `"expires_in":0`) {
		t.Errorf("body = %s; want required fields only (expires_in kept even when 0)", body)
	}
}
