package doctor

import (
	"cmp"
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

// notAuth0 is why the Auth0 checks are skipped in sign-in mode pieces-os.
const notAuth0 = "not used in sign-in mode pieces-os"

// signInModeCheck says who runs the sign-in and what it needs, and whether
// the running agent uses the same mode.
func signInModeCheck(env Env, mode app.SignInMode, modeErr error, agent agentFacts) Check {
	switch agentMode := agent.state.Mode; {
	case modeErr != nil:
		return fail(fmt.Sprintf("%q is no sign-in mode (--sign-in or PIECES_TRAY_SIGN_IN); the checks below assume auth0", app.Clean(env.SignIn)),
			"Set it to auth0 or pieces-os, or unset it")
	case agent.gotState && agentMode != "" && agentMode != mode:
		return warn(fmt.Sprintf("%s here, but the running agent uses %s", mode, agentMode),
			fmt.Sprintf("Run this again with --sign-in %s (or PIECES_TRAY_SIGN_IN=%s) to check what the agent uses", agentMode, agentMode))
	case mode == app.ModePiecesOS:
		return ok("pieces-os: Pieces OS runs the browser sign-in (/os/sign_in) and keeps the session")
	}
	host := env.Auth.Domain // as written when it is not a valid domain
	if iss, err := env.Auth.Issuer(); err == nil {
		u, _ := url.Parse(iss) // Issuer returns a valid URL
		host = u.Host
	}
	return ok("auth0: Pieces Tray signs in at " + app.Clean(host) + ", back on a local port, and keeps the session in the keyring")
}

// checkAuth0 checks the Auth0 domain: it resolves, answers TLS with a
// certificate this computer trusts, and its OpenID configuration names the
// issuer the sign-in expects. Each check after a failed one is skipped.
func checkAuth0(ctx context.Context, env Env, mode app.SignInMode) []Check {
	if mode != app.ModeAuth0 {
		return []Check{skip(notAuth0), skip(notAuth0), skip(notAuth0)}
	}
	want, err := env.Auth.Issuer()
	if err != nil {
		const why = "not checked: the domain setting is invalid"
		return []Check{fail(because(err), "Correct --auth0-domain (PIECES_AUTH0_DOMAIN), or unset it to use Pieces' own"), skip(why), skip(why)}
	}
	u, _ := url.Parse(want) // Issuer returns a valid URL
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	addr := net.JoinHostPort(host, port)

	dns := ok(host + " is an IP address")
	if net.ParseIP(host) == nil {
		rctx, cancel := context.WithTimeout(ctx, netWait)
		_, err := net.DefaultResolver.LookupHost(rctx, host)
		cancel()
		if err != nil {
			const why = "not checked: the domain does not resolve"
			return []Check{fail(fmt.Sprintf("%s does not resolve: %s", host, dnsWords(err)),
				"Check the network connection and its DNS; if you set --auth0-domain or PIECES_AUTH0_DOMAIN, check its spelling"), skip(why), skip(why)}
		}
		dns = ok(host + " resolves")
	}

	tlsc := skip("not used: the domain is plain http on this computer") // allowed on loopback only (auth.Config)
	if u.Scheme != "http" {
		tctx, cancel := context.WithTimeout(ctx, netWait)
		conn, err := (&tls.Dialer{Config: env.TLSConfig}).DialContext(tctx, "tcp", addr)
		cancel()
		if err != nil {
			return []Check{dns, fail(tlsWords(addr, err),
				"Something between this computer and Auth0 (a proxy, a security program, a captive portal) blocks or intercepts HTTPS: sign in to the network or ask its administrator, or use --sign-in pieces-os"),
				skip("not checked: no TLS connection")}
		}
		conn.Close()
		tlsc = ok(addr + " presents a certificate this computer trusts")
	}

	issuer := ok("the OpenID configuration names " + want)
	switch got, err := fetchIssuer(ctx, env, strings.TrimSuffix(want, "/")+"/.well-known/openid-configuration"); {
	case err != nil:
		issuer = fail("no OpenID configuration: "+because(err), "If you set --auth0-domain or PIECES_AUTH0_DOMAIN, it names no Auth0 tenant: unset it to use Pieces' own")
	case got != want:
		issuer = fail(fmt.Sprintf("the domain names the issuer %q, not %q", app.Clean(got), want), "Set --auth0-domain (PIECES_AUTH0_DOMAIN) to the issuer's domain, or unset it to use Pieces' own")
	}
	return []Check{dns, tlsc, issuer}
}

// fetchIssuer reads the issuer of an OpenID configuration (OpenID Connect
// Discovery 1.0 §4), through the proxy the environment names, as the
// sign-in itself goes.
func fetchIssuer(ctx context.Context, env Env, u string) (string, error) {
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment, TLSClientConfig: env.TLSConfig}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := (&http.Client{Transport: tr, Timeout: netWait}).Do(req)
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
	if err := json.NewDecoder(io.LimitReader(resp.Body, 256<<10)).Decode(&meta); err != nil {
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
	if mode != app.ModeAuth0 {
		return skip(notAuth0)
	}
	agentSigningIn := agent.gotState && agent.state.Phase == app.PhaseSigningIn && agent.state.Mode != app.ModePiecesOS
	var free, others []string
	ours, usable := "", "" // the port the agent's sign-in holds; the port the sign-in takes: the first free (or its own)
	for _, raw := range env.RedirectURLs {
		u, err := url.Parse(raw)
		if err != nil || u.Port() == "" {
			return fail(fmt.Sprintf("the redirect URL %q names no port", app.Clean(raw)), "Correct --redirect-url (PIECES_AUTH0_REDIRECT_URL), or unset it")
		}
		port := u.Port()
		switch {
		case portFree(u.Hostname(), port):
			free = append(free, port)
		case agentSigningIn && ours == "":
			ours = port // the sign-in holds the first port it could take
		default:
			others = append(others, port)
			continue
		}
		usable = cmp.Or(usable, port)
	}
	switch {
	case len(others) == 0 && ours != "":
		return ok("port " + ours + " is held by Pieces Tray's sign-in under way")
	case len(others) == 0:
		return ok(ports(free) + " free")
	case usable != "":
		return warn(ports(others)+" used by another program; the sign-in uses port "+usable, "None needed unless the sign-in fails; then close the program on port "+others[0])
	case len(env.RedirectURLs) == 1:
		return fail(ports(others)+" used by other programs, so the browser cannot come back from the sign-in",
			"Close that program, or set --redirect-url (PIECES_AUTH0_REDIRECT_URL) to another registered address")
	}
	return fail(ports(others)+" used by other programs, so the browser cannot come back from the sign-in", "Close one of those programs, or use --sign-in pieces-os")
}

// portFree reports whether the sign-in could listen on port: on 127.0.0.1
// and, for localhost, on ::1 too where there is IPv6 (as auth listens).
func portFree(host, port string) bool {
	localhost := strings.EqualFold(host, "localhost")
	if localhost {
		host = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return false
	}
	defer ln.Close()
	if !localhost {
		return true
	}
	ln6, err := net.Listen("tcp", net.JoinHostPort("::1", port))
	if err != nil {
		return !errors.Is(err, syscall.EADDRINUSE) // no IPv6: 127.0.0.1 alone is served
	}
	ln6.Close()
	return true
}

// ports names ports with their verb: "port 3000 is", "ports 3000 and 8080 are".
func ports(items []string) string {
	if len(items) == 1 {
		return "port " + items[0] + " is"
	}
	return "ports " + strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1] + " are"
}
