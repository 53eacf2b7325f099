package auth0sim

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// checkRedirect rejects what RFC 6749 §3.1.2 forbids in a redirect URI:
// relative URIs and fragments, and (for safety) user information.
func checkRedirect(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	port, perr := strconv.Atoi(cmp.Or(u.Port(), "80"))
	switch {
	case strings.ContainsAny(raw, "# \t\r\n\\"):
		return errors.New("contains a fragment, a space or a backslash")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("scheme is not http or https")
	case u.Opaque != "" || u.Host == "":
		return errors.New("not an absolute URI with a host")
	case u.User != nil:
		return errors.New("contains user information")
	case perr != nil || port < 1 || port > 65535:
		return errors.New("invalid port")
	}
	return nil
}

// AllowRedirectURI adds uri to the allowed callback URLs (and, with its
// root path, to the allowed logout return URLs), as adding it in Auth0's
// dashboard would. It is checked like Config.RedirectURIs: an absolute http
// or https URL without user information or fragment. Adding a URL already
// allowed does nothing. It is safe to call while the server serves.
func (s *Server) AllowRedirectURI(uri string) error {
	if err := checkRedirect(uri); err != nil {
		return fmt.Errorf("auth0sim: callback URL %q cannot be allowed: %w", uri, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.redirects, uri) {
		s.redirects = append(s.redirects, uri)
	}
	return nil
}

// redirectAllowed reports whether raw is an allowed callback URL. Like
// Auth0, it compares the whole URL exactly: no port is implied, 127.0.0.1
// is not localhost, and a loopback address on another port is another URL.
func (s *Server) redirectAllowed(raw string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Contains(s.redirects, raw)
}

// logoutAllowed reports whether raw may be a /v2/logout returnTo: an
// allowed callback URL, or the root ("" or "/") of one's exact origin.
func (s *Server) logoutAllowed(raw string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, reg := range s.redirects {
		u, _ := url.Parse(reg) // checked by AllowRedirectURI
		if origin := u.Scheme + "://" + u.Host; raw == reg || raw == origin || raw == origin+"/" {
			return true
		}
	}
	return false
}
