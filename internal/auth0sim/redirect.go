package auth0sim

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// registeredURI is one registered redirect URI, parsed once.
type registeredURI struct {
	raw      string
	scheme   string
	host     string // host name or IP literal, without brackets
	hostPort string // host and port as written
	path     string // escaped path
	rawQuery string
	loopback bool // host is the IP literal 127.0.0.1 or ::1
}

func parseRegistered(raw string) (registeredURI, error) {
	u, err := parseRedirect(raw)
	if err != nil {
		return registeredURI{}, err
	}
	return registeredURI{
		raw:      raw,
		scheme:   u.Scheme,
		host:     u.Hostname(),
		hostPort: u.Host,
		path:     u.EscapedPath(),
		rawQuery: u.RawQuery,
		loopback: isLoopbackLiteral(u.Hostname()),
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

// isLoopbackLiteral reports whether host is one of the loopback IP literals
// RFC 8252 §7.3 names. "localhost" is not: §8.3 advises against it, and it
// may resolve elsewhere.
func isLoopbackLiteral(host string) bool {
	return host == "127.0.0.1" || host == "::1"
}

// matches reports whether a requested redirect URI equals this registration.
// The comparison is exact (scheme, host, port, path and query, RFC 6749
// §3.1.2.3), except that for a loopback IP literal any port is accepted
// (RFC 8252 §7.3).
func (reg registeredURI) matches(raw string) bool {
	if raw == reg.raw {
		return true
	}
	u, err := parseRedirect(raw)
	if err != nil {
		return false
	}
	if u.Scheme != reg.scheme || u.Hostname() != reg.host ||
		u.EscapedPath() != reg.path || u.RawQuery != reg.rawQuery || u.ForceQuery {
		return false
	}
	if reg.loopback && u.Scheme == "http" {
		return true // any port; the literal itself was compared above
	}
	return u.Host == reg.hostPort
}

// redirectAllowed reports whether raw is a registered redirect URI.
func (s *Server) redirectAllowed(raw string) bool {
	for _, reg := range s.redirects {
		if reg.matches(raw) {
			return true
		}
	}
	return false
}

// logoutAllowed reports whether raw may be a /v2/logout returnTo: a
// registered redirect URI, or the root of a registered origin (any port for
// loopback IP literals).
func (s *Server) logoutAllowed(raw string) bool {
	if s.redirectAllowed(raw) {
		return true
	}
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
