package auth

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/oauth2"
)

// Pieces' public Auth0 values, from the Pieces SDK documentation.
const (
	// DefaultDomain is Pieces' Auth0 custom domain.
	DefaultDomain = "https://auth.pieces.services"
	// DefaultClientID is the public client id of Pieces' desktop apps.
	DefaultClientID = "9sW4Pa1LEjX67l6VO14u0207NLYeXnu1"
	// DefaultAudience is the API the access token is for.
	DefaultAudience = "https://pieces.us.auth0.com/api/v2/"
)

// Pieces' documented redirect URIs for its public client. Auth0 matches
// redirect URIs exactly, port included, so these are spelled as documented
// ("localhost" is not "127.0.0.1").
const (
	// DefaultRedirectURL is the redirect URI of Pieces' Auth0 authorize
	// example (which uses response_mode=form_post).
	DefaultRedirectURL = "http://localhost:3000/pkce/response/code"
	// FallbackRedirectURL is the redirect URI of Pieces' SeededPKCE model,
	// used when port 3000 is taken.
	FallbackRedirectURL = "http://localhost:8080/authentication/response"
)

// defaultRedirects are the redirect URIs Login tries, in order, when none is
// configured. Tests replace them with free ports (export_test.go).
var defaultRedirects = []string{DefaultRedirectURL, FallbackRedirectURL}

// DefaultScopes returns the scopes pieces-tray asks for: an id_token with
// profile and email, and a refresh token.
func DefaultScopes() []string {
	return []string{"openid", "profile", "email", "offline_access"}
}

// Config names the identity provider and the client.
type Config struct {
	// Domain is the Auth0 domain: a host ("auth.pieces.services") or a full
	// URL ("https://auth.pieces.services", "http://127.0.0.1:4000"). http is
	// allowed only for loopback hosts.
	Domain   string
	ClientID string
	Audience string
	Scopes   []string
	// RedirectURL is the registered loopback redirect URI, such as
	// "http://localhost:8080/authentication/response". Its port is bound
	// exactly; port 0 on an IP literal ("http://127.0.0.1:0/callback")
	// means any free port, for a server that accepts any loopback port
	// (Auth0 does not). Empty means DefaultRedirectURL, or
	// FallbackRedirectURL when port 3000 is taken.
	RedirectURL string
}

// DefaultConfig returns Pieces' public values from the sign-in checklist.
// Its RedirectURL is empty: Login uses DefaultRedirectURL, or
// FallbackRedirectURL when port 3000 is taken.
func DefaultConfig() Config {
	return Config{
		Domain:   DefaultDomain,
		ClientID: DefaultClientID,
		Audience: DefaultAudience,
		Scopes:   DefaultScopes(),
	}
}

// WithEnv returns c with the values set in the environment applied:
// PIECES_AUTH0_DOMAIN, PIECES_AUTH0_CLIENT_ID, PIECES_AUTH0_AUDIENCE,
// PIECES_AUTH0_SCOPES (separated by spaces or commas) and
// PIECES_AUTH0_REDIRECT_URL. Unset or blank variables change nothing.
func (c Config) WithEnv(getenv func(string) string) Config {
	for name, field := range map[string]*string{
		"PIECES_AUTH0_DOMAIN":       &c.Domain,
		"PIECES_AUTH0_CLIENT_ID":    &c.ClientID,
		"PIECES_AUTH0_AUDIENCE":     &c.Audience,
		"PIECES_AUTH0_REDIRECT_URL": &c.RedirectURL,
	} {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*field = v
		}
	}
	if v := strings.TrimSpace(getenv("PIECES_AUTH0_SCOPES")); v != "" {
		c.Scopes = ParseScopes(v)
	}
	return c
}

// ParseScopes splits a list of scopes written with spaces, commas or tabs
// between them, as PIECES_AUTH0_SCOPES and --auth0-scopes take it.
func ParseScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' })
}

// Validate reports the first problem with c, in words a person can act on.
func (c Config) Validate() error {
	if _, err := c.baseURL(); err != nil {
		return err
	}
	if c.ClientID == "" {
		return fmt.Errorf("auth: the client id is empty")
	}
	// openid brings the id_token that says who signed in (and is what
	// /userinfo, and so Pieces OS, needs); offline_access brings the
	// refresh token, the one thing the keyring keeps.
	for _, need := range []string{"openid", "offline_access"} {
		if !slices.Contains(c.Scopes, need) {
			return fmt.Errorf("auth: the scopes %q lack %s, which signing in to Pieces needs: add it (PIECES_AUTH0_SCOPES), or leave the scopes unset for the defaults", strings.Join(c.Scopes, " "), need)
		}
	}
	if c.RedirectURL != "" {
		if _, err := parseRedirect(c.RedirectURL); err != nil {
			return err
		}
	}
	return nil
}

// Issuer returns the issuer the id_token must name: the domain's URL with a
// trailing slash, as Auth0 issues it.
func (c Config) Issuer() (string, error) {
	base, err := c.baseURL()
	if err != nil {
		return "", err
	}
	return base + "/", nil
}

// Endpoint returns the authorize and token endpoints of the domain. The
// client has no secret, so the client id travels in the form body.
func (c Config) Endpoint() (oauth2.Endpoint, error) {
	base, err := c.baseURL()
	if err != nil {
		return oauth2.Endpoint{}, err
	}
	return oauth2.Endpoint{
		AuthURL:   base + "/authorize",
		TokenURL:  base + "/oauth/token",
		AuthStyle: oauth2.AuthStyleInParams,
	}, nil
}

// baseURL is the domain as "scheme://host[:port]" without a trailing slash.
func (c Config) baseURL() (string, error) {
	d := strings.TrimSpace(c.Domain)
	if d == "" {
		return "", fmt.Errorf("auth: the Auth0 domain is empty")
	}
	if !strings.Contains(d, "://") {
		d = "https://" + d
	}
	u, err := url.Parse(d)
	if err != nil {
		return "", fmt.Errorf("auth: the Auth0 domain %q is not a valid URL: %w", c.Domain, err)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("auth: the Auth0 domain %q must be a host name or a URL like https://auth.pieces.services", c.Domain)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return "", fmt.Errorf("auth: the Auth0 domain %q must use https (http is allowed only on this computer's loopback address)", c.Domain)
		}
	default:
		return "", fmt.Errorf("auth: the Auth0 domain %q must use https", c.Domain)
	}
	return u.Scheme + "://" + u.Host + strings.TrimRight(u.EscapedPath(), "/"), nil
}

// parseRedirect checks a loopback redirect URI (RFC 8252 §7.3): http, a
// loopback host and an explicit port. Port 0 (any free port) is allowed only
// on an IP literal: localhost needs one port free on two addresses.
func parseRedirect(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("auth: the redirect URL %q is not a valid URL: %w", raw, err)
	}
	if u.Scheme != "http" || !isLoopbackHost(u.Hostname()) || u.User != nil || u.Fragment != "" {
		return nil, fmt.Errorf("auth: the redirect URL %q must look like http://localhost:8080/path (http, a loopback host and a port)", raw)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil || port < 0 || port > 65535 || (port == 0 && strings.EqualFold(u.Hostname(), "localhost")) {
		return nil, fmt.Errorf("auth: the redirect URL %q needs an explicit port, like http://localhost:8080/path (or http://127.0.0.1:0/path for any free port)", raw)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u, nil
}

// isLoopbackHost reports whether host names this computer's loopback
// interface.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
