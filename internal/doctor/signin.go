package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"piecestray/app"
)

// Titles of the sign-in checks.
const (
	titleSignInMode    = "Sign-in mode"
	titleAuth0Domain   = "Auth0 domain"
	titleAuth0TLS      = "Auth0 TLS"
	titleAuth0Issuer   = "Auth0 issuer"
	titleRedirectPorts = "Redirect ports"
)

// maxDiscovery is the most of an OpenID configuration read.
const maxDiscovery = 256 << 10

// signInModeCheck says who runs the sign-in and what it needs, and whether
// the running agent uses the same mode.
func signInModeCheck(env Env, mode app.SignInMode, modeErr error, agent agentFacts) Check {
	c := Check{ID: IDSignInMode, Title: titleSignInMode, Status: OK}
	if modeErr != nil {
		c.Status = Fail
		c.Found = fmt.Sprintf("%q is no sign-in mode (--sign-in or PIECES_TRAY_SIGN_IN); the checks below assume auth0", app.Clean(env.SignIn))
		c.Fix = "Set it to auth0 or pieces-os, or unset it"
		return c
	}
	switch mode {
	case app.ModePiecesOS:
		c.Found = "pieces-os: Pieces OS runs the browser sign-in (/os/sign_in) and keeps the session"
	default:
		c.Found = "auth0: Pieces Tray signs in at " + app.Clean(domainHost(env)) + ", back on a local port, and keeps the session in the keyring"
	}
	if agent.gotState && agent.state.Mode != "" && agent.state.Mode != mode {
		c.Status = Warn
		c.Found = fmt.Sprintf("%s here, but the running agent uses %s", mode, agent.state.Mode)
		c.Fix = fmt.Sprintf("Run this again with --sign-in %s (or PIECES_TRAY_SIGN_IN=%s) to check what the agent uses", agent.state.Mode, agent.state.Mode)
	}
	return c
}

// domainHost is the Auth0 domain as a person reads it: its host, or the
// setting as written when it is not a valid domain.
func domainHost(env Env) string {
	iss, err := env.Auth.Issuer()
	if err != nil {
		return env.Auth.Domain
	}
	if u, err := url.Parse(iss); err == nil {
		return u.Host
	}
	return env.Auth.Domain
}

// checkAuth0 checks the Auth0 domain: it resolves, answers TLS with a
// certificate this computer trusts, and its OpenID configuration names the
// issuer the sign-in expects.
func checkAuth0(ctx context.Context, env Env, mode app.SignInMode) []Check {
	dns := Check{ID: IDAuth0Domain, Title: titleAuth0Domain}
	tlsc := Check{ID: IDAuth0TLS, Title: titleAuth0TLS}
	issuer := Check{ID: IDAuth0Issuer, Title: titleAuth0Issuer}
	skipAll := func(why string) []Check {
		return []Check{skipped(dns.ID, dns.Title, why), skipped(tlsc.ID, tlsc.Title, why), skipped(issuer.ID, issuer.Title, why)}
	}
	if mode != app.ModeAuth0 {
		return skipAll("not used in sign-in mode pieces-os")
	}
	want, err := env.Auth.Issuer()
	if err != nil {
		dns.Status = Fail
		dns.Found = because(err)
		dns.Fix = "Correct --auth0-domain (PIECES_AUTH0_DOMAIN), or unset it to use Pieces' own"
		rest := skipAll("not checked: the domain setting is invalid")
		return []Check{dns, rest[1], rest[2]}
	}
	u, _ := url.Parse(want) // Issuer returns a valid URL
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	addr := net.JoinHostPort(host, port)

	// The domain resolves.
	if net.ParseIP(host) != nil {
		dns.Status = OK
		dns.Found = host + " is an IP address"
	} else {
		rctx, cancel := context.WithTimeout(ctx, env.NetWait)
		_, err := env.Resolver.LookupHost(rctx, host)
		cancel()
		if err != nil {
			dns.Status = Fail
			dns.Found = fmt.Sprintf("%s does not resolve: %s", host, dnsWords(err))
			dns.Fix = "Check the network connection and its DNS; if you set --auth0-domain or PIECES_AUTH0_DOMAIN, check its spelling"
			rest := skipAll("not checked: the domain does not resolve")
			return []Check{dns, rest[1], rest[2]}
		}
		dns.Status = OK
		dns.Found = host + " resolves"
	}

	// It answers TLS.
	if u.Scheme == "http" { // allowed on loopback only (auth.Config)
		tlsc = skipped(tlsc.ID, tlsc.Title, "not used: the domain is plain http on this computer")
	} else {
		cfg := &tls.Config{ServerName: host}
		if env.TLSConfig != nil {
			cfg = env.TLSConfig.Clone()
			cfg.ServerName = host
		}
		d := tls.Dialer{Config: cfg}
		tctx, cancel := context.WithTimeout(ctx, env.NetWait)
		conn, err := d.DialContext(tctx, "tcp", addr)
		cancel()
		if err != nil {
			tlsc.Status = Fail
			tlsc.Found = tlsWords(addr, err)
			tlsc.Fix = "Something between this computer and Auth0 (a proxy, a security program, a captive portal) blocks or intercepts HTTPS: sign in to the network or ask its administrator, or use --sign-in pieces-os"
			return []Check{dns, tlsc, skipped(issuer.ID, issuer.Title, "not checked: no TLS connection")}
		}
		conn.Close()
		tlsc.Status = OK
		tlsc.Found = addr + " presents a certificate this computer trusts"
	}

	// Its OpenID configuration names the expected issuer.
	got, err := fetchIssuer(ctx, env, strings.TrimSuffix(want, "/")+"/.well-known/openid-configuration")
	switch {
	case err != nil:
		issuer.Status = Fail
		issuer.Found = "no OpenID configuration: " + because(err)
		issuer.Fix = "If you set --auth0-domain or PIECES_AUTH0_DOMAIN, it names no Auth0 tenant: unset it to use Pieces' own"
	case got != want:
		issuer.Status = Fail
		issuer.Found = fmt.Sprintf("the domain names the issuer %q, not %q", app.Clean(got), want)
		issuer.Fix = "Set --auth0-domain (PIECES_AUTH0_DOMAIN) to the issuer's domain, or unset it to use Pieces' own"
	default:
		issuer.Status = OK
		issuer.Found = "the OpenID configuration names " + want
	}
	return []Check{dns, tlsc, issuer}
}

// fetchIssuer reads the issuer of an OpenID configuration (OpenID Connect
// Discovery 1.0 §4), through the proxy the environment names, as the
// sign-in itself goes.
func fetchIssuer(ctx context.Context, env Env, u string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, env.NetWait)
	defer cancel()
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment, TLSClientConfig: env.TLSConfig}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("the domain answered %s", resp.Status)
	}
	var meta struct {
		Issuer string `json:"issuer"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxDiscovery)).Decode(&meta); err != nil {
		return "", fmt.Errorf("its OpenID configuration is not JSON: %w", err)
	}
	return meta.Issuer, nil
}

// dnsWords says why a name did not resolve.
func dnsWords(err error) string {
	var de *net.DNSError
	switch {
	case errors.As(err, &de) && de.IsNotFound:
		return "no such host"
	case errors.As(err, &de) && de.IsTimeout, errors.Is(err, context.DeadlineExceeded):
		return "the DNS server did not answer"
	}
	return because(err)
}

// tlsWords says why a TLS connection to addr failed.
func tlsWords(addr string, err error) string {
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var op *net.OpError
	switch {
	case errors.As(err, &unknown):
		return addr + " presents a certificate this computer does not trust (signed by an unknown authority)"
	case errors.As(err, &hostname):
		return addr + " presents a certificate for another name"
	case errors.As(err, &invalid):
		return addr + " presents an invalid certificate (expired, or not yet valid: check the clock)"
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer from " + addr
	case errors.Is(err, syscall.ECONNREFUSED):
		return addr + " refuses connections"
	case errors.As(err, &op) && op.Op == "dial":
		return "could not connect to " + addr + ": " + because(op.Err)
	}
	return "the TLS handshake with " + addr + " failed: " + because(err)
}

// redirectCheck checks the loopback ports the Auth0 sign-in listens on for
// the browser's return: free, or held by the agent's sign-in under way.
func redirectCheck(env Env, mode app.SignInMode, agent agentFacts) Check {
	c := Check{ID: IDRedirectPorts, Title: titleRedirectPorts}
	if mode != app.ModeAuth0 {
		return skipped(c.ID, c.Title, "not used in sign-in mode pieces-os")
	}
	agentSigningIn := agent.gotState && agent.state.Phase == app.PhaseSigningIn && agent.state.Mode != app.ModePiecesOS
	var free, ours, others []string
	usable := "" // the port the sign-in takes: the first free (or its own)
	for _, raw := range env.RedirectURLs {
		u, err := url.Parse(raw)
		if err != nil || u.Port() == "" {
			c.Status = Fail
			c.Found = fmt.Sprintf("the redirect URL %q names no port", app.Clean(raw))
			c.Fix = "Correct --redirect-url (PIECES_AUTH0_REDIRECT_URL), or unset it"
			return c
		}
		port := u.Port()
		switch {
		case portFree(u.Hostname(), port):
			free = append(free, port)
		case agentSigningIn && len(ours) == 0:
			ours = append(ours, port) // the sign-in holds the first port it could take
		default:
			others = append(others, port)
			continue
		}
		if usable == "" {
			usable = port
		}
	}
	c.Status = OK
	switch {
	case len(others) == 0 && len(ours) > 0:
		c.Found = "port " + ours[0] + " is held by Pieces Tray's sign-in under way"
	case len(others) == 0:
		c.Found = plural("port", free) + " " + isAre(free) + " free"
	case usable != "":
		c.Status = Warn
		c.Found = plural("port", others) + " " + isAre(others) + " used by another program; the sign-in uses port " + usable
		c.Fix = "None needed unless the sign-in fails; then close the program on port " + others[0]
	default:
		c.Status = Fail
		c.Found = plural("port", others) + " " + isAre(others) + " used by other programs, so the browser cannot come back from the sign-in"
		c.Fix = "Close one of those programs, or use --sign-in pieces-os"
		if len(env.RedirectURLs) == 1 {
			c.Fix = "Close that program, or set --redirect-url (PIECES_AUTH0_REDIRECT_URL) to another registered address"
		}
	}
	return c
}

// portFree reports whether the sign-in could listen on port: on 127.0.0.1
// and, for localhost, on ::1 too where there is IPv6 (as auth listens).
func portFree(host, port string) bool {
	ip := host
	if strings.EqualFold(host, "localhost") {
		ip = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, port))
	if err != nil {
		return false
	}
	defer ln.Close()
	if !strings.EqualFold(host, "localhost") {
		return true
	}
	ln6, err := net.Listen("tcp", net.JoinHostPort("::1", port))
	if err != nil {
		return !errors.Is(err, syscall.EADDRINUSE) // no IPv6: 127.0.0.1 alone is served
	}
	ln6.Close()
	return true
}

// plural names ports: "port 3000", "ports 3000 and 8080".
func plural(word string, items []string) string {
	if len(items) == 1 {
		return word + " " + items[0]
	}
	return word + "s " + strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func isAre(items []string) string {
	if len(items) == 1 {
		return "is"
	}
	return "are"
}
