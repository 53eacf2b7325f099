package apiclient_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"

	"piecestray/apiclient"
)

func TestStatusErrorMessages(t *testing.T) {
	tests := []struct {
		op   string
		code int
		body string
		want string
	}{
		{"user_update_vanity", 409, "taken", "apiclient: that vanity name is already taken (user_update_vanity: HTTP 409)"},
		{"user_update_vanity", 404, "", "apiclient: the DNS record for your personal cloud is not ready yet (user_update_vanity: HTTP 404)"},
		{"user_update_vanity", 511, "", "apiclient: you are not signed in to Pieces OS (or not connected to your personal cloud) (user_update_vanity: HTTP 511)"},
		{"user_update_vanity", 500, "dns failure", "apiclient: Pieces OS could not create the vanity name (user_update_vanity: HTTP 500: dns failure)"},
		{"user_beta_status", 511, "", "apiclient: you must be signed in to Pieces OS to change the beta status (user_beta_status: HTTP 511)"},
		{"user_providers", 501, "", "apiclient: not available on a local Pieces OS (user_providers: HTTP 501)"},
		{"users_specific_user_snapshot", 404, "no such user", "apiclient: Pieces OS does not know that user (users_specific_user_snapshot: HTTP 404: no such user)"},
		{"user_snapshot", 404, "", "apiclient: Pieces OS does not offer this (it may be an older version) (user_snapshot: HTTP 404)"},
		{"update_user", 400, "missing id", "apiclient: Pieces OS rejected the request as malformed (update_user: HTTP 400: missing id)"},
		{"authenticate_from_oauth_token", 401, "token rejected", "apiclient: Pieces OS did not accept the sign-in token (authenticate_from_oauth_token: HTTP 401: token rejected)"},
		{"refresh_user", 503, "", "apiclient: Pieces OS had an internal error (refresh_user: HTTP 503)"},
		{"update_user", 409, "", "apiclient: the request conflicts with the state of Pieces OS (update_user: HTTP 409)"},
		{"", 418, "teapot", "apiclient: Pieces OS answered with an unexpected status (HTTP 418: teapot)"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.op, tt.code), func(t *testing.T) {
			err := &apiclient.StatusError{Op: tt.op, StatusCode: tt.code, Body: tt.body}
			if got := err.Error(); got != tt.want {
				t.Errorf("StatusError{%q, %d}.Error() = %q; want %q", tt.op, tt.code, got, tt.want)
			}
		})
	}
}

func TestPredicates(t *testing.T) {
	type preds struct{ signedIn, taken, cloud, notFound, notImpl, server, unauth, bad bool }
	tests := []struct {
		op   string
		code int
		want preds
	}{
		{"user_update_vanity", 511, preds{signedIn: true}},
		{"user_beta_status", 511, preds{signedIn: true}},
		{"user_update_vanity", 409, preds{taken: true}},
		{"user_update_vanity", 404, preds{cloud: true, notFound: true}},
		{"users_specific_user_snapshot", 404, preds{notFound: true}},
		{"user_providers", 501, preds{notImpl: true}},
		{"refresh_user", 500, preds{server: true}},
		{"refresh_user", 502, preds{server: true}},
		{"authenticate_from_oauth_token", 401, preds{unauth: true}},
		{"update_user", 400, preds{bad: true}},
		{"update_user", 418, preds{}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.op, tt.code), func(t *testing.T) {
			// Wrapped, as callers usually see it.
			err := fmt.Errorf("app: %w", &apiclient.StatusError{Op: tt.op, StatusCode: tt.code})
			got := preds{
				apiclient.IsNotSignedIn(err), apiclient.IsVanityTaken(err), apiclient.IsCloudNotReady(err),
				apiclient.IsNotFound(err), apiclient.IsNotImplemented(err), apiclient.IsServerError(err),
				apiclient.IsUnauthorized(err), apiclient.IsBadRequest(err),
			}
			if got != tt.want {
				t.Errorf("predicates(%s %d) = %+v; want %+v", tt.op, tt.code, got, tt.want)
			}
		})
	}
	other := errors.New("something else")
	if apiclient.IsNotSignedIn(other) || apiclient.IsServerError(other) || apiclient.IsNotFound(nil) {
		t.Error("predicates match an error that is not a *StatusError")
	}
}

func TestNotRunningError(t *testing.T) {
	ports := func(host string, from, to int) []string {
		var out []string
		for p := from; p <= to; p++ {
			out = append(out, fmt.Sprintf("http://%s:%d", host, p))
		}
		return out
	}
	tests := []struct {
		name  string
		tried []string
		want  string
	}{
		{"nothing", nil, "Pieces OS is not running"},
		{"explicit", []string{"http://127.0.0.1:39300"}, "Pieces OS is not running at http://127.0.0.1:39300"},
		{"range and legacy", append(ports("127.0.0.1", 39300, 39333), "http://127.0.0.1:1000"),
			"Pieces OS is not running (tried 127.0.0.1:39300–39333 and 127.0.0.1:1000)"},
		{"gaps", []string{"http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:4", "http://[::1]:5"},
			"Pieces OS is not running (tried 127.0.0.1:1–2, 127.0.0.1:4 and [::1]:5)"},
		{"not http", []string{"https://pieces.example/os", "http://127.0.0.1:1000"},
			"Pieces OS is not running (tried https://pieces.example/os and 127.0.0.1:1000)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := &apiclient.NotRunningError{Tried: tt.tried, Err: syscall.ECONNREFUSED}
			if got := err.Error(); got != tt.want {
				t.Errorf("NotRunningError{%v}.Error() = %q; want %q", tt.tried, got, tt.want)
			}
			wrapped := fmt.Errorf("app: %w", err)
			if !errors.Is(wrapped, apiclient.ErrNotRunning) || !errors.Is(wrapped, syscall.ECONNREFUSED) {
				t.Errorf("errors.Is(%v, ErrNotRunning / ECONNREFUSED) = false; want true", wrapped)
			}
			if strings.Contains(err.Error(), "refused") {
				t.Errorf("message %q should be for people, without the low-level cause", err)
			}
		})
	}
}

func TestTokenEchoNeverReachesTheError(t *testing.T) {
	const secret = "eyJhbGciOiJSUzI1NiJ9.secret.token"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusTeapot) // an undocumented status whose body would be quoted
		w.Write(b)
	}))
	defer srv.Close()
	_, err := apiclient.New(srv.URL).AuthenticateFromOAuthToken(context.Background(), &apiclient.OAuthToken{AccessToken: secret, ExpiresIn: 60, TokenType: "Bearer"})
	if err == nil {
		t.Fatal("no error for a 418")
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("the error quotes the echoed token: %v", err)
	}
}
