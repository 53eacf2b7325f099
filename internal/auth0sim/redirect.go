package auth0sim

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// registeredURI is one allowed callback URL, parsed once.
type registeredURI struct {
	raw      string
	scheme   string
	hostPort string // host and port as written
	path     string // escaped path
	rawQuery string
}

func parseRegistered(raw string) (registeredURI, error) {
	u, err := parseRedirect(raw)
	if err != nil {
		return registeredURI{}, err
	}
	return registeredURI{
		raw:      raw,
		scheme:   u.Scheme,
		hostPort: u.Host,
		path:     u.EscapedPath(),
		rawQuery: u.RawQuery,
	}, nil
}

// parseRedirect parses a redirect URI and rejects what RFC 6749 §3.1.2
// forbids: relative URIs, fragments, and (for safety) user information.
func parseRedirect(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("empty")
	}
	if strings.ContainsAny(raw, "# \t\r\n\\") {
		return nil, errors.New("contains a fragment, a space or a backslash")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, errors.New("scheme is not http or https")
	case u.Opaque != "" || u.Host == "":
		return nil, errors.New("not an absolute URI with a host")
	case u.User != nil:
		return nil, errors.New("contains user information")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, errors.New("invalid port")
		}
	}
	return u, nil
}

// matches reports whether a requested redirect URI equals this registration:
// scheme, host, port, path and query exactly, as Auth0 compares allowed
// callback URLs. No port is implied: 127.0.0.1 is not localhost, and a
// loopback address on another port is another URL.
func (reg registeredURI) matches(raw string) bool {
	if raw == reg.raw {
		return true
	}
	u, err := parseRedirect(raw)
	if err != nil {
		return false
	}
	return u.Scheme == reg.scheme && u.Host == reg.hostPort && u.EscapedPath() == reg.path &&
		u.RawQuery == reg.rawQuery && !u.ForceQuery
}

// AllowRedirectURI adds uri to the allowed callback URLs (and, with its
// root path, to the allowed logout return URLs), as adding it in Auth0's
// dashboard would. It is checked like Config.RedirectURIs: an absolute http
// or https URL without user information or fragment. Adding a URL already
// allowed does nothing. It is safe to call while the server serves.
func (s *Server) AllowRedirectURI(uri string) error {
	reg, err := parseRegistered(uri)
	if err != nil {
		return fmt.Errorf("auth0sim: callback URL %q cannot be allowed: %w", uri, err)
	}
	s.redirectMu.Lock()
	defer s.redirectMu.Unlock()
	if !slices.ContainsFunc(s.redirects, func(r registeredURI) bool { return r.raw == uri }) {
		s.redirects = append(s.redirects, reg)
	}
	return nil
}

// redirectAllowed reports whether raw is an allowed callback URL.
func (s *Server) redirectAllowed(raw string) bool {
	s.redirectMu.RLock()
	defer s.redirectMu.RUnlock()
	for _, reg := range s.redirects {
		if reg.matches(raw) {
			return true
		}
	}
	return false
}

// logoutAllowed reports whether raw may be a /v2/logout returnTo: an
// allowed callback URL, or the root ("" or "/") of one's exact origin.
func (s *Server) logoutAllowed(raw string) bool {
	if s.redirectAllowed(raw) {
		return true
	}
	s.redirectMu.RLock()
	defer s.redirectMu.RUnlock()
	for _, reg := range s.redirects {
		root := reg
		root.raw, root.rawQuery = "", ""
		for _, p := range []string{"", "/"} {
			root.path = p
			if root.matches(raw) {
				return true
			}
		}
	}
	return false
}
