package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"piecestray/internal/neterr"
)

// Limits and timeouts of a Client.
const (
	// DefaultTimeout bounds a call whose context has no deadline.
	DefaultTimeout = 10 * time.Second
	// healthTimeout bounds health and version calls whose context has no
	// deadline: a running Pieces OS answers them at once.
	healthTimeout = 2 * time.Second
	// tokenTimeout bounds authenticate_from_oauth_token, which makes Pieces OS
	// verify the token with the identity provider over the internet.
	tokenTimeout = 30 * time.Second
	// osSignInTimeout bounds sign_into_os when ctx has no deadline: Pieces OS
	// answers only when the person finishes in the browser.
	osSignInTimeout = 5 * time.Minute
	// maxJSONBody is the largest JSON response read (profiles are a few kB).
	maxJSONBody = 4 << 20
	// maxTextBody is the largest text response read (health, version).
	maxTextBody = 4 << 10
	// maxDrain is how much of an unread body is discarded so the connection
	// can be reused.
	maxDrain = 64 << 10
)

// Client calls the REST API of one Pieces OS. It is safe for concurrent use.
type Client struct {
	base    string
	hc      *http.Client
	timeout time.Duration
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes the Client send its requests with hc.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithTimeout sets the timeout of calls whose context has no deadline
// (DefaultTimeout when not set). Health and version calls use the shorter of
// d and 2 s.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// New returns a Client for the Pieces OS at baseURL, like
// "http://127.0.0.1:39300". A trailing slash is ignored.
func New(baseURL string, opts ...Option) *Client {
	c := &Client{
		base:    strings.TrimRight(baseURL, "/"),
		timeout: DefaultTimeout,
	}
	for _, o := range opts {
		o(c)
	}
	if c.hc == nil {
		c.hc = &http.Client{Transport: newLoopbackTransport(2 * time.Second)}
	}
	return c
}

// newLoopbackTransport is an HTTP transport for a local service: no proxy
// and a short dial timeout.
func newLoopbackTransport(dialTimeout time.Duration) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext
	t.MaxIdleConnsPerHost = 4
	t.IdleConnTimeout = 30 * time.Second
	return t
}

// BaseURL returns the base URL the Client talks to, without a trailing slash.
func (c *Client) BaseURL() string { return c.base }

// CloseIdleConnections closes the idle keep-alive connections of the
// Client's HTTP client.
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }

// UserSnapshot returns the signed-in user (GET /user, user_snapshot). The
// result's User is nil when nobody is signed in.
func (c *Client) UserSnapshot(ctx context.Context) (*ReturnedUserProfile, error) {
	return call[ReturnedUserProfile](ctx, c, OpUserSnapshot, http.MethodGet, "/user", nil)
}

// ClearUser clears the current user (POST /user/clear, clear_user; 204).
func (c *Client) ClearUser(ctx context.Context) error {
	_, err := c.send(ctx, OpClearUser, http.MethodPost, "/user/clear", nil, "*/*", 0)
	return err
}

// RefreshUser refreshes the current user (GET /user/refresh, refresh_user).
func (c *Client) RefreshUser(ctx context.Context) (*UserProfile, error) {
	return call[UserProfile](ctx, c, OpRefreshUser, http.MethodGet, "/user/refresh", nil)
}

// SelectUser selects the current user (POST /user/select, select_user).
// u may be nil: the body is optional.
func (c *Client) SelectUser(ctx context.Context, u *Auth0User) (*UserProfile, error) {
	return call[UserProfile](ctx, c, OpSelectUser, http.MethodPost, "/user/select", optional(u))
}

// UpdateUser updates the current user (POST /user/update, update_user).
func (c *Client) UpdateUser(ctx context.Context, p *UserProfile) (*UserProfile, error) {
	return call[UserProfile](ctx, c, OpUpdateUser, http.MethodPost, "/user/update", optional(p))
}

// UserBetaStatus grants or removes beta access (POST /user/beta/status,
// user_beta_status). 511 (IsNotSignedIn) when nobody is signed in.
func (c *Client) UserBetaStatus(ctx context.Context, s *UserBetaStatus) (*UserBetaStatus, error) {
	return call[UserBetaStatus](ctx, c, OpUserBetaStatus, http.MethodPost, "/user/beta/status", optional(s))
}

// UserProviders returns the user with their linked identity providers
// (GET /user/providers, user_providers). A local Pieces OS answers 501
// (IsNotImplemented).
func (c *Client) UserProviders(ctx context.Context) (*ReturnedUserProfile, error) {
	return call[ReturnedUserProfile](ctx, c, OpUserProviders, http.MethodGet, "/user/providers", nil)
}

// UpdateVanity sets the vanity name carried in p.VanityName
// (POST /user/update/vanity, user_update_vanity). Documented failures:
// 404 IsCloudNotReady, 409 IsVanityTaken, 500 IsServerError, 511
// IsNotSignedIn.
func (c *Client) UpdateVanity(ctx context.Context, p *UserProfile) (*UserProfile, error) {
	return call[UserProfile](ctx, c, OpUpdateVanity, http.MethodPost, "/user/update/vanity", optional(p))
}

// AuthenticateFromOAuthToken signs the user in to Pieces OS with an OAuth
// token (POST /users/authenticate/from_token, authenticate_from_oauth_token).
// The access token also travels as "Authorization: Bearer", the endpoint's
// auth0 security scheme. A rejected token is a 401 (IsUnauthorized).
func (c *Client) AuthenticateFromOAuthToken(ctx context.Context, t *OAuthToken) (*UserProfile, error) {
	return call[UserProfile](ctx, c, OpAuthenticateFromToken, http.MethodPost, "/users/authenticate/from_token", optional(t))
}

// SignIntoOS asks Pieces OS to run its own browser sign-in
// (POST /os/sign_in, sign_into_os): Pieces OS opens the browser and answers
// with the profile when the person finishes. It waits until then, ctx ends,
// or (without a deadline on ctx) 5 minutes pass. Pieces OS answers 500 when
// the sign-in fails and 504 when it gave up waiting.
func (c *Client) SignIntoOS(ctx context.Context) (*UserProfile, error) {
	return call[UserProfile](ctx, c, OpSignIntoOS, http.MethodPost, "/os/sign_in", nil)
}

// SignOutOfOS signs the current user out of Pieces OS (POST /os/sign_out,
// sign_out_of_os) and returns the users it still knows.
func (c *Client) SignOutOfOS(ctx context.Context) (*Users, error) {
	return call[Users](ctx, c, OpSignOutOfOS, http.MethodPost, "/os/sign_out", nil)
}

// DisconnectUser removes the user with the given id from Pieces OS
// (POST /users/{user}/disconnect, users_disconnect_user).
func (c *Client) DisconnectUser(ctx context.Context, id string) (*Users, error) {
	if id == "" {
		return nil, errorf("%s: empty user id", OpDisconnectUser)
	}
	return call[Users](ctx, c, OpDisconnectUser, http.MethodPost, "/users/"+url.PathEscape(id)+"/disconnect", nil)
}

// UsersSnapshot lists the users Pieces OS knows (GET /users, users_snapshot).
func (c *Client) UsersSnapshot(ctx context.Context) (*Users, error) {
	return call[Users](ctx, c, OpUsersSnapshot, http.MethodGet, "/users", nil)
}

// SpecificUserSnapshot returns one user (GET /users/{user},
// users_specific_user_snapshot); 404 (IsNotFound) for an unknown id.
func (c *Client) SpecificUserSnapshot(ctx context.Context, id string) (*UserProfile, error) {
	if id == "" {
		return nil, errorf("%s: empty user id", OpSpecificUserSnapshot)
	}
	return call[UserProfile](ctx, c, OpSpecificUserSnapshot, http.MethodGet, "/users/"+url.PathEscape(id), nil)
}

// Health returns the body of GET /.well-known/health; any status but 200 is
// a *StatusError.
func (c *Client) Health(ctx context.Context) (string, error) {
	b, err := c.send(ctx, OpHealth, http.MethodGet, "/.well-known/health", nil, "text/plain", maxTextBody)
	return strings.TrimSpace(string(b)), err
}

// HealthHead checks HEAD /.well-known/health, the probe the SDK's port scan
// uses; nil means Pieces OS answered 200.
func (c *Client) HealthHead(ctx context.Context) error {
	_, err := c.send(ctx, OpHealth, http.MethodHead, "/.well-known/health", nil, "text/plain", 0)
	return err
}

// Version returns the Pieces OS version (GET /.well-known/version), like
// "12.3.0" (or "debug").
func (c *Client) Version(ctx context.Context) (string, error) {
	b, err := c.send(ctx, OpVersion, http.MethodGet, "/.well-known/version", nil, "text/plain", maxTextBody)
	return strings.TrimSpace(string(b)), err
}

// optional turns a nil pointer into a nil body (the body is optional in the
// SDK, and absent rather than null).
func optional[T any](v *T) any {
	if v == nil {
		return nil
	}
	return v
}

// call sends body (nil for none) and decodes the JSON answer into a new T,
// a model (see decode).
func call[T any](ctx context.Context, c *Client, op, method, path string, body any) (*T, error) {
	b, err := c.send(ctx, op, method, path, body, "application/json", maxJSONBody+1)
	if err != nil {
		return nil, err
	}
	if len(b) > maxJSONBody {
		return nil, errorf("%s: response larger than %d bytes", op, maxJSONBody)
	}
	out := new(T)
	if err := decode(b, out); err != nil {
		return nil, fmt.Errorf("apiclient: %s: %w", op, unprefix(err))
	}
	return out, nil
}

// timeoutFor returns the timeout of op when ctx has no deadline.
func (c *Client) timeoutFor(op string) time.Duration {
	switch op {
	case OpHealth, OpVersion:
		return min(c.timeout, healthTimeout)
	case OpAuthenticateFromToken:
		return max(c.timeout, tokenTimeout)
	case OpSignIntoOS:
		return max(c.timeout, osSignInTimeout)
	}
	return c.timeout
}

// send performs one request and returns up to limit bytes of the body when
// the status is 2xx; other statuses become *StatusError and transport
// failures *NotRunningError.
func (c *Client) send(ctx context.Context, op, method, path string, body any, accept string, limit int64) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, errorf("%s: encode request: %w", op, err)
		}
		rd = bytes.NewReader(b)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeoutFor(op))
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, errorf("%s: %w", op, err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", accept)
	if t, ok := body.(*OAuthToken); ok && op == OpAuthenticateFromToken {
		req.Header.Set("Authorization", "Bearer "+t.AccessToken) // the auth0 security scheme
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, op, err)
	}
	defer closeBody(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		body := shortBody(b)
		if op == OpAuthenticateFromToken {
			// The request carried a token and a server may echo it: the
			// body of this answer never reaches an error, a log or a state.
			body = ""
		}
		return nil, &StatusError{Op: op, StatusCode: resp.StatusCode, Body: body}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, c.transportError(ctx, op, fmt.Errorf("read response: %w", err))
	}
	return b, nil
}

// closeBody drains a little of what is left of the body, so the connection
// can be reused, and closes it.
func closeBody(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	_ = resp.Body.Close()
}

// unprefix removes the package prefix of a nested error message by wrapping
// it, so "apiclient: op: apiclient: ..." does not repeat.
func unprefix(err error) error {
	msg := err.Error()
	if s, ok := strings.CutPrefix(msg, "apiclient: "); ok {
		return &prefixless{msg: s, err: err}
	}
	return err
}

type prefixless struct {
	msg string
	err error
}

func (p *prefixless) Error() string { return p.msg }
func (p *prefixless) Unwrap() error { return p.err }

// transportError classifies a failure to exchange a request: the caller's
// cancellation stays a context error; a connection that could not be made,
// or was reset, means Pieces OS is not running at the base URL.
func (c *Client) transportError(ctx context.Context, op string, err error) error {
	ctxErr := ctx.Err()
	switch {
	case errors.Is(ctxErr, context.Canceled):
		return fmt.Errorf("apiclient: %s: %w", op, ctxErr)
	case isConnectionFailure(err):
		return &NotRunningError{Tried: []string{c.base}, Err: fmt.Errorf("apiclient: %s: %w", op, err)}
	case ctxErr != nil:
		return fmt.Errorf("apiclient: %s: Pieces OS at %s did not answer in time: %w", op, c.base, ctxErr)
	}
	return fmt.Errorf("apiclient: %s: %w", op, err)
}

// isConnectionFailure reports a dial failure (refused, unreachable, dial
// timeout) or a connection reset or closed by the peer.
func isConnectionFailure(err error) bool {
	if op, ok := errors.AsType[*net.OpError](err); ok && op.Op == "dial" {
		return true
	}
	return neterr.IsRefused(err) ||
		neterr.IsReset(err) || // EPIPE too
		errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF)
}
